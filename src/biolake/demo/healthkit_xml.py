"""Realistic synthetic Apple Health ``export.xml`` files of any size.

The output follows the real export's shape (Export Version 13 DTD, ``Me``, ``Record``s grouped the way
iOS writes them, ``Correlation``s whose records also appear at top level, ``Workout``s with
``WorkoutStatistics``/``WorkoutEvent``/``MetadataEntry`` children, ``ActivitySummary`` rows). It is
deterministic for a given seed and written in a stream, so multi-gigabyte files cost no memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="{export_date}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1988-04-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeAPositive" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>
"""

WATCH = (
    "&lt;&lt;HKDevice: 0x283a10e60&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
    "hardware:Watch6,2, software:9.1&gt;"
)
PHONE = (
    "&lt;&lt;HKDevice: 0x283a11f20&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
    "hardware:iPhone14,5, software:16.1&gt;"
)
SLEEP_STAGES = ("AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "Awake", "AsleepCore", "AsleepREM")
WORKOUT_TYPES = ("Running", "Cycling", "TraditionalStrengthTraining", "Walking", "Yoga")


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S %z")


def _record(
    rtype: str, unit: str, value: str, start: datetime, end: datetime, watch: bool = True, children: str = ""
) -> str:
    source, device = ("Jane’s Apple Watch", WATCH) if watch else ("Jane’s iPhone", PHONE)
    head = (
        f' <Record type="{rtype}" sourceName="{source}" sourceVersion="9.1" device="{device}" '
        f'unit="{unit}" creationDate="{_fmt(end)}" startDate="{_fmt(start)}" endDate="{_fmt(end)}" '
        f'value="{value}"'
    )
    return f"{head}>\n{children} </Record>\n" if children else f"{head}/>\n"


def _day(day: datetime, rng: random.Random) -> Iterator[str]:
    """All elements of one local day (midnight ``day``), roughly 1.2 MB of XML."""
    hr_meta = '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="{}"/>\n'
    for minute in range(0, 24 * 60, 1):
        t = day + timedelta(minutes=minute, seconds=rng.randint(0, 50))
        bpm = 58 + 25 * (8 <= t.hour < 21) + rng.randint(-6, 12)
        yield _record(
            "HKQuantityTypeIdentifierHeartRate",
            "count/min",
            str(bpm),
            t,
            t,
            children=hr_meta.format(rng.randint(0, 2)),
        )
    for hour in range(7, 23):
        start = day + timedelta(hours=hour, minutes=rng.randint(0, 20))
        end = start + timedelta(minutes=rng.randint(5, 30))
        yield _record(
            "HKQuantityTypeIdentifierStepCount", "count", str(rng.randint(40, 1900)), start, end, watch=False
        )
        yield _record(
            "HKQuantityTypeIdentifierDistanceWalkingRunning",
            "km",
            f"{rng.uniform(0.02, 1.4):.5f}",
            start,
            end,
            watch=False,
        )
        for q in range(4):
            s = day + timedelta(hours=hour, minutes=15 * q)
            yield _record(
                "HKQuantityTypeIdentifierActiveEnergyBurned",
                "Cal",
                f"{rng.uniform(0.5, 40):.3f}",
                s,
                s + timedelta(minutes=15),
            )
            yield _record(
                "HKQuantityTypeIdentifierBasalEnergyBurned",
                "Cal",
                f"{rng.uniform(14, 18):.3f}",
                s,
                s + timedelta(minutes=15),
            )
    for k in range(5):
        t = day + timedelta(hours=1 + 4 * k, minutes=rng.randint(0, 59))
        beats = "".join(
            f'   <InstantaneousBeatsPerMinute bpm="{rng.randint(55, 75)}" time="{(t + timedelta(seconds=i)).strftime("%I:%M:%S.00 %p")}"/>\n'
            for i in range(0, 60, 1)
        )
        yield _record(
            "HKQuantityTypeIdentifierHeartRateVariabilitySDNN",
            "ms",
            f"{rng.uniform(25, 90):.4f}",
            t,
            t + timedelta(minutes=1),
            children=f"  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n",
        )
    yield _record(
        "HKQuantityTypeIdentifierRestingHeartRate",
        "count/min",
        str(rng.randint(50, 62)),
        day + timedelta(hours=6),
        day + timedelta(hours=23),
    )
    yield _record(
        "HKQuantityTypeIdentifierOxygenSaturation",
        "%",
        f"{rng.uniform(0.94, 0.99):.2f}",
        day + timedelta(hours=3),
        day + timedelta(hours=3),
    )
    yield _record(
        "HKQuantityTypeIdentifierRespiratoryRate",
        "count/min",
        f"{rng.uniform(12, 17):.1f}",
        day + timedelta(hours=3),
        day + timedelta(hours=3, minutes=1),
    )
    if rng.random() < 0.4:
        yield _record(
            "HKQuantityTypeIdentifierBodyMass",
            "lb",
            f"{rng.uniform(140, 146):.1f}",
            day + timedelta(hours=7),
            day + timedelta(hours=7),
            watch=False,
        )
    if rng.random() < 0.2:
        t = day + timedelta(hours=8, minutes=5)
        sys_, dia = rng.randint(108, 128), rng.randint(68, 82)
        inner = _record(
            "HKQuantityTypeIdentifierBloodPressureSystolic", "mmHg", str(sys_), t, t, watch=False
        ) + _record("HKQuantityTypeIdentifierBloodPressureDiastolic", "mmHg", str(dia), t, t, watch=False)
        yield inner
        yield (
            f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Health" '
            f'sourceVersion="16.1" creationDate="{_fmt(t)}" startDate="{_fmt(t)}" endDate="{_fmt(t)}">\n'
            f"{inner.replace(' <Record', '  <Record')} </Correlation>\n"
        )
    # Last night's sleep, recorded with this morning's date.
    t = day - timedelta(hours=1, minutes=rng.randint(0, 40))
    yield _record(
        "HKCategoryTypeIdentifierSleepAnalysis",
        "",
        "HKCategoryValueSleepAnalysisInBed",
        t,
        day + timedelta(hours=7),
    ).replace(' unit=""', "")
    while t < day + timedelta(hours=6, minutes=45):
        stage = SLEEP_STAGES[rng.randrange(len(SLEEP_STAGES))]
        end = t + timedelta(minutes=rng.randint(5, 45))
        yield _record(
            "HKCategoryTypeIdentifierSleepAnalysis", "", f"HKCategoryValueSleepAnalysis{stage}", t, end
        ).replace(' unit=""', "")
        t = end
    if rng.random() < 0.6:
        kind = WORKOUT_TYPES[rng.randrange(len(WORKOUT_TYPES))]
        start = day + timedelta(hours=17, minutes=rng.randint(0, 50))
        minutes = rng.uniform(20, 75)
        end = start + timedelta(minutes=minutes)
        kcal = minutes * rng.uniform(6, 11)
        km = minutes / rng.uniform(5, 7) if kind in ("Running", "Walking", "Cycling") else 0.0
        yield (
            f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" duration="{minutes:.6f}" '
            f'durationUnit="min" sourceName="Jane’s Apple Watch" sourceVersion="9.1" device="{WATCH}" '
            f'creationDate="{_fmt(end)}" startDate="{_fmt(start)}" endDate="{_fmt(end)}">\n'
            f'  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
            f'  <MetadataEntry key="HKTimeZone" value="America/New_York"/>\n'
            f'  <MetadataEntry key="HKWeatherTemperature" value="{rng.randint(40, 85)} degF"/>\n'
            f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{_fmt(start)}" duration="{minutes:.4f}" durationUnit="min"/>\n'
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="{_fmt(start)}" '
            f'endDate="{_fmt(end)}" sum="{kcal:.3f}" unit="Cal"/>\n'
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="{_fmt(start)}" '
            f'endDate="{_fmt(end)}" average="{rng.randint(120, 160)}" minimum="{rng.randint(80, 100)}" '
            f'maximum="{rng.randint(165, 185)}" unit="count/min"/>\n'
            + (
                f'  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" '
                f'startDate="{_fmt(start)}" endDate="{_fmt(end)}" sum="{km:.4f}" unit="km"/>\n'
                if km
                else ""
            )
            + " </Workout>\n"
        )
    yield (
        f' <ActivitySummary dateComponents="{day:%Y-%m-%d}" activeEnergyBurned="{rng.uniform(300, 800):.3f}" '
        f'activeEnergyBurnedGoal="600" activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" '
        f'appleExerciseTime="{rng.randint(5, 90)}" appleExerciseTimeGoal="30" appleStandHours="{rng.randint(6, 14)}" '
        f'appleStandHoursGoal="12"/>\n'
    )


def write_export(out: TextIO, target_bytes: int, start: str = "2021-01-01", seed: int = 7) -> int:
    """Write an export of at least ``target_bytes`` to ``out``; return the number of days written."""
    rng = random.Random(seed)
    tz = timezone(timedelta(hours=-5))
    day = datetime.fromisoformat(start).replace(tzinfo=tz)
    written = out.write(HEADER.format(export_date=_fmt(day)))
    days = 0
    while written < target_bytes:
        for chunk in _day(day, rng):
            written += out.write(chunk)
        day += timedelta(days=1)
        days += 1
    out.write("</HealthData>\n")
    return days


def write_export_file(path: Path, megabytes: float, seed: int = 7) -> int:
    """Write a synthetic ``export.xml`` of about ``megabytes`` MB to ``path``; return days written."""
    with path.open("w", encoding="utf-8") as fh:
        return write_export(fh, int(megabytes * 1_000_000), seed=seed)
