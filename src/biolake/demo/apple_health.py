"""Apple Health ``export.zip`` for the demo: ``apple_health_export/export.xml``, written as a stream.

What the iPhone and watch would have recorded from the simulated days: heart rate (every 4–10 min awake,
every 10–25 min asleep, every minute in a workout), HRV (SDNN), resting heart rate, respiratory rate,
SpO2, steps and walking distance (iPhone), active energy, Apple-style sleep stages, weight and meals
written by MyFitnessPal, Peloton classes written by Peloton (with the watch's heart rate), walks
recorded on the watch, and one ActivitySummary a day. Dates carry the offset in force at the time.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

from biolake.demo.healthkit_xml import HEADER, PHONE, WATCH
from biolake.demo.model import Day, Night, Profile, Ride
from biolake.demo.timeline import Timeline, local_to_utc

MEMBER = "apple_health_export/export.xml"
STAGE = {"light": "AsleepCore", "deep": "AsleepDeep", "rem": "AsleepREM", "awake": "Awake"}
NUTRIENTS = (
    ("DietaryEnergyConsumed", "kcal", "kcal", 1.0),
    ("DietaryCarbohydrates", "carbs", "g", 1.0),
    ("DietaryProtein", "protein", "g", 1.0),
    ("DietaryFatTotal", "fat", "g", 1.0),
    ("DietaryFiber", "fiber", "g", 1.0),
    ("DietarySugar", "sugar", "g", 1.0),
    ("DietarySodium", "sodium", "mg", 1.0),
)
PELOTON_TYPES = {
    "Cycling": "HKWorkoutActivityTypeCycling",
    "Strength": "HKWorkoutActivityTypeTraditionalStrengthTraining",
    "Stretching": "HKWorkoutActivityTypeFlexibility",
}


class Writer:
    """Formats the elements of one subject's export."""

    def __init__(self, profile: Profile, tl: Timeline, rng: random.Random) -> None:
        self.tl, self.rng = tl, rng
        owner = profile.first_name
        self.watch = f'sourceName="{owner}’s Apple Watch" sourceVersion="9.1" device="{WATCH}"'
        self.phone = f'sourceName="{owner}’s iPhone" sourceVersion="16.1" device="{PHONE}"'
        self.mfp = 'sourceName="MyFitnessPal" sourceVersion="24.18.0"'
        self.counts: dict[str, int] = {}

    def record(
        self, kind: str, src: str, start: int, end: int, value: str, unit: str = "", extra: str = ""
    ) -> str:
        self.counts["records"] = self.counts.get("records", 0) + 1
        hk = self.tl.hk
        u = f' unit="{unit}"' if unit else ""
        head = (
            f' <Record type="{kind}" {src}{u} creationDate="{hk(end)}" startDate="{hk(start)}" '
            f'endDate="{hk(end)}" value="{value}"'
        )
        return f"{head}>\n{extra} </Record>\n" if extra else f"{head}/>\n"

    def quantity(
        self, name: str, src: str, start: int, end: int, value: str, unit: str, extra: str = ""
    ) -> str:
        return self.record(f"HKQuantityTypeIdentifier{name}", src, start, end, value, unit, extra)

    # --- one day

    def day(self, day: Day, next_bed: int) -> Iterator[str]:
        """The records of ``day``: last night's sleep, then the waking hours until ``next_bed``."""
        yield from self.night(day.night, day)
        if day.nap is not None:
            yield from self.night(day.nap, day)
        yield from self.heart(day, day.night.wake, next_bed)
        yield from self.movement(day, day.night.wake, next_bed)
        rng = self.rng
        t = day.night.wake + int(rng.uniform(30, 90) * 60)
        sdnn = max(10.0, day.hrv * 1.1 + rng.gauss(0, 8))
        yield self.quantity("HeartRateVariabilitySDNN", self.watch, t, t + 60, f"{sdnn:.4f}", "ms")
        rest_start = local_to_utc(day.date, 0, day.zone)
        yield self.quantity(
            "RestingHeartRate",
            self.watch,
            rest_start,
            max(rest_start, next_bed - 3600),
            f"{day.rhr + 2:.0f}",
            "count/min",
        )
        if day.weigh_in is not None:
            t, lb = day.weigh_in
            yield self.quantity("BodyMass", self.mfp, t, t, f"{lb:.1f}", "lb")
        for meal in day.meals:
            if meal.logged:
                meta = f'  <MetadataEntry key="meal" value="{meal.name}"/>\n'
                for name, attr, unit, _ in NUTRIENTS:
                    value = meal.total(attr) if attr != "kcal" else sum(f.kcal * n for f, n in meal.foods)
                    yield self.quantity(name, self.mfp, meal.t, meal.t, f"{value:.1f}", unit, meta)

    def night(self, night: Night, day: Day) -> Iterator[str]:
        rng, cat = self.rng, "HKCategoryTypeIdentifierSleepAnalysis"
        yield self.record(cat, self.phone, night.bedtime, night.wake, "HKCategoryValueSleepAnalysisInBed")
        for kind, s, e in night.stages:
            yield self.record(cat, self.watch, s, e, f"HKCategoryValueSleepAnalysis{STAGE[kind]}")
        t = night.bedtime + int(rng.uniform(5, 15) * 60)
        while t < night.wake:
            bpm = max(night.lowest_hr, night.avg_hr + rng.gauss(0, 2.5))
            yield self.quantity("HeartRate", self.watch, t, t, f"{bpm:.0f}", "count/min")
            t += int(rng.uniform(10, 25) * 60)
        if night.kind != "long_sleep":
            return
        span = night.wake - night.bedtime
        for k in range(2):
            t = night.bedtime + int(span * (0.3 + 0.4 * k))
            sdnn = max(10.0, night.avg_hrv * 1.15 + rng.gauss(0, 8))
            yield self.quantity("HeartRateVariabilitySDNN", self.watch, t, t + 60, f"{sdnn:.4f}", "ms")
        for k in range(3):
            t = night.bedtime + int(span * (0.2 + 0.3 * k))
            yield self.quantity(
                "RespiratoryRate",
                self.watch,
                t,
                t + 60,
                f"{night.avg_breath + rng.gauss(0, 0.5):.1f}",
                "count/min",
            )
        for k in range(2):
            t = night.bedtime + int(span * (0.35 + 0.3 * k))
            yield self.quantity("OxygenSaturation", self.watch, t, t, f"{rng.uniform(0.94, 0.99):.2f}", "%")

    def heart(self, day: Day, wake: int, bed: int) -> Iterator[str]:
        rng = self.rng
        busy = sorted(
            [(r.start, r.end, r.avg_hr) for r in day.rides] + ([(*day.walk, 108.0)] if day.walk else [])
        )
        t, k = wake + int(rng.uniform(1, 6) * 60), 0
        resting = day.rhr + 18 + 8 * day.illness
        while t < bed:
            while k < len(busy) and t >= busy[k][1]:
                k += 1
            if k < len(busy) and t >= busy[k][0]:
                s, e, avg = busy[k]
                ramp = min(1.0, (t - s) / 300, (e - t) / 120 + 0.3)
                bpm = resting + (avg - resting) * ramp + rng.gauss(0, 4)
                step = rng.uniform(50, 70)
            else:
                bpm = resting + rng.gauss(0, 7)
                step = rng.uniform(5, 10) * 60
            yield self.quantity("HeartRate", self.watch, t, t, f"{bpm:.0f}", "count/min")
            t += int(step)

    def movement(self, day: Day, wake: int, bed: int) -> Iterator[str]:
        rng = self.rng
        span = max(3600, bed - wake)
        bouts = max(4, min(30, day.steps // 300))
        weights = [rng.random() for _ in range(bouts)]
        total = sum(weights)
        starts = sorted(wake + int(rng.random() * (span - 900)) for _ in range(bouts))
        for s, w in zip(starts, weights, strict=True):
            steps = int(day.steps * w / total)
            if steps:
                e = s + int(60 + steps / 100 * 60)
                yield self.quantity("StepCount", self.phone, s, e, str(steps), "count")
                yield self.quantity(
                    "DistanceWalkingRunning", self.phone, s, e, f"{steps * 0.00075:.5f}", "km"
                )
        chunks = max(1, span // 1800)
        ride_kcal = {r.start: r.kcal for r in day.rides}
        base = max(0.0, day.active_kcal - sum(ride_kcal.values())) / chunks
        for c in range(chunks):
            s = wake + c * 1800
            kcal = base * rng.uniform(0.5, 1.5) + sum(v for t, v in ride_kcal.items() if s <= t < s + 1800)
            yield self.quantity("ActiveEnergyBurned", self.watch, s, s + 1800, f"{kcal:.3f}", "Cal")

    # --- workouts and activity summaries (written after the records, as iOS does)

    def peloton(self, ride: Ride) -> str:
        hk, rng = self.tl.hk, self.rng
        start = ride.start + rng.randint(0, 8)
        end = start + ride.minutes * 60 + rng.randint(0, 20)
        s, e = hk(start), hk(end)
        stats = (
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="{s}" '
            f'endDate="{e}" '
            f'sum="{ride.kcal:.3f}" unit="Cal"/>\n'
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="{s}" endDate="{e}" '
            f'average="{ride.avg_hr:.1f}" minimum="{ride.min_hr:.0f}" maximum="{ride.max_hr:.0f}" '
            f'unit="count/min"/>\n'
        )
        if ride.discipline == "Cycling":
            miles = _mph(ride.watts) * ride.minutes / 60
            stats += (
                f'  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceCycling" startDate="{s}" '
                f'endDate="{e}" sum="{miles:.3f}" unit="mi"/>\n'
            )
        return self.workout(
            PELOTON_TYPES[ride.discipline],
            'sourceName="Peloton" sourceVersion="1855"',
            start,
            end,
            "1",
            "",
            stats,
        )

    def walk(self, day: Day) -> str:
        assert day.walk is not None
        start, end = day.walk
        s, e, rng = self.tl.hk(start), self.tl.hk(end), self.rng
        km = (end - start) / 3600 * rng.uniform(5.0, 6.2)
        stats = (
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="{s}" '
            f'endDate="{e}" '
            f'sum="{km * 55:.3f}" unit="Cal"/>\n'
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="{s}" endDate="{e}" '
            f'average="{rng.uniform(100, 115):.1f}" minimum="{rng.uniform(80, 90):.0f}" '
            f'maximum="{rng.uniform(120, 135):.0f}" unit="count/min"/>\n'
            f'  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="{s}" '
            f'endDate="{e}" sum="{km:.4f}" unit="km"/>\n'
        )
        tz = f'  <MetadataEntry key="HKTimeZone" value="{self.tl.zone_at(start)}"/>\n'
        return self.workout("HKWorkoutActivityTypeWalking", self.watch, start, end, "0", tz, stats)

    def workout(self, kind: str, src: str, start: int, end: int, indoor: str, meta: str, stats: str) -> str:
        self.counts["workouts"] = self.counts.get("workouts", 0) + 1
        hk = self.tl.hk
        return (
            f' <Workout workoutActivityType="{kind}" duration="{(end - start) / 60:.6f}" durationUnit="min" '
            f'{src} creationDate="{hk(end)}" startDate="{hk(start)}" endDate="{hk(end)}">\n'
            f'  <MetadataEntry key="HKIndoorWorkout" value="{indoor}"/>\n{meta}'
            f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{hk(start)}" '
            f'duration="{(end - start) / 60:.4f}" '
            f'durationUnit="min"/>\n{stats} </Workout>\n'
        )

    def summary(self, day: Day) -> str:
        self.counts["activity_summaries"] = self.counts.get("activity_summaries", 0) + 1
        exercise = sum(r.minutes for r in day.rides) + ((day.walk[1] - day.walk[0]) // 60 if day.walk else 0)
        stand = max(4, min(16, 12 + self.rng.randint(-3, 2) - int(6 * day.illness)))
        return (
            f' <ActivitySummary dateComponents="{day.date.isoformat()}" '
            f'activeEnergyBurned="{day.active_kcal:.3f}" activeEnergyBurnedGoal="550" '
            f'activeEnergyBurnedUnit="Cal" '
            f'appleMoveTime="0" appleMoveTimeGoal="0" '
            f'appleExerciseTime="{exercise + self.rng.randint(0, 12)}" appleExerciseTimeGoal="30" '
            f'appleStandHours="{stand}" appleStandHoursGoal="12"/>\n'
        )


def _mph(watts: float) -> float:
    """Peloton's displayed speed for a power output (roughly 3.6·∛W mph)."""
    return 3.6 * watts ** (1 / 3) if watts > 0 else 0.0


def write_apple_health(
    path: Path, profile: Profile, tl: Timeline, days: list[Day], rng: random.Random
) -> dict[str, int]:
    """Write ``export.zip`` for ``days``; return element counts."""
    w = Writer(profile, tl, rng)
    export_date = local_to_utc(tl.end, (24 + 8) * 60, tl.home)
    info = zipfile.ZipInfo(MEMBER, date_time=(tl.end.year, tl.end.month, tl.end.day, 8, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    tail: list[str] = []
    with zipfile.ZipFile(path, "w") as zf, zf.open(info, "w", force_zip64=True) as out:
        out.write(HEADER.format(export_date=tl.hk(export_date)).encode())
        for i, day in enumerate(days):
            next_bed = days[i + 1].night.bedtime if i + 1 < len(days) else day.night.wake + 16 * 3600
            out.write("".join(w.day(day, next_bed)).encode())
            tail.extend(w.peloton(r) for r in day.rides)
            if day.walk:
                tail.append(w.walk(day))
        tail.extend(w.summary(day) for day in days)
        out.write(("".join(tail) + "</HealthData>\n").encode())
    return w.counts
