"""Cross-source deduplication end to end: Peloton and MyFitnessPal exports plus an Apple Health export
that carries the same ride, meal and weight (written there by those apps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Rec, count, healthkit_xml, lib_ingest, query

PELOTON_HEADER = (
    "Workout Timestamp,Live/On-Demand,Instructor Name,Length (minutes),Fitness Discipline,Type,Title,"
    "Class Timestamp,Total Output,Avg. Watts,Avg. Resistance,Avg. Cadence (RPM),Avg. Speed (mph),"
    "Distance (mi),Calories Burned,Avg. Heartrate,Avg. Incline,Avg. Pace (min/mi)"
)
NUTRITION_HEADER = (
    "Date,Meal,Calories,Fat (g),Saturated Fat,Polyunsaturated Fat,Monounsaturated Fat,Trans Fat,"
    "Cholesterol,Sodium (mg),Potassium,Carbohydrates (g),Fiber,Sugar,Protein (g),Vitamin A,Vitamin C,"
    "Calcium,Iron,Note"
)

# The Apple Health copy of the ride: written by the Peloton app, with the Watch's heart rate.
HK_RIDE = """ <Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="30" durationUnit="min"
   sourceName="Peloton" sourceVersion="1" creationDate="2024-03-05 07:31:00 -0500"
   startDate="2024-03-05 07:00:30 -0500" endDate="2024-03-05 07:30:20 -0500">
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2024-03-05 07:00:30 -0500"
   endDate="2024-03-05 07:30:20 -0500" average="147" minimum="96" maximum="172" unit="count/min"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2024-03-05 07:00:30 -0500"
   endDate="2024-03-05 07:30:20 -0500" sum="371" unit="Cal"/>
 </Workout>
"""


def dietary(kind: str, value: str, unit: str, at: str) -> str:
    return (
        f' <Record type="HKQuantityTypeIdentifierDietary{kind}" sourceName="MyFitnessPal" unit="{unit}" '
        f'creationDate="{at}" startDate="{at}" endDate="{at}" value="{value}">\n'
        '  <MetadataEntry key="meal" value="Lunch"/>\n </Record>\n'
    )


@pytest.fixture
def exports(tmp_path: Path) -> dict[str, Path]:
    peloton = tmp_path / "workouts.csv"
    peloton.write_text(
        PELOTON_HEADER + "\n2024-03-05 07:00 (-05),On Demand,Jess King,30,Cycling,Music,"
        '"30 min Pop Ride, Vol. 2",2024-02-01 10:00 (-05),318,177,45%,82,19.5,9.75,402,140.5,,\n'
        "2024-03-06 07:00 (-05),On Demand,Jess King,20,Cycling,Music,20 min Ride,"
        "2024-02-01 10:00 (-05),200,166,42%,80,19.0,6.3,250,,,\n",
        encoding="utf-8",
    )
    nutrition = tmp_path / "Nutrition-Summary-2024-03-05-to-2024-03-05.csv"
    nutrition.write_text(
        NUTRITION_HEADER + "\n2024-03-05,Lunch,650,20,5,3,4,0,40,900,500,80,9,12,35,10,20,8,15,\n"
        "2024-03-05,Dinner,700,25,8,3,4,0,60,1100,600,70,8,10,40,10,20,8,15,\n",
        encoding="utf-8",
    )
    measurement = tmp_path / "Measurement-Summary-2024-03-05-to-2024-03-05.csv"
    measurement.write_text("Date,Weight\n2024-03-05,81.6\n", encoding="utf-8")
    at = "2024-03-05 12:40:00 -0500"
    extra = HK_RIDE + dietary("EnergyConsumed", "650", "kcal", at) + dietary("Carbohydrates", "80", "g", at)
    records = [
        Rec("BodyMass", "81.6", "2024-03-05 06:50:00 -0500", unit="kg", source="MyFitnessPal"),
        Rec("BodyMass", "81.9", "2024-03-06 06:50:00 -0500", unit="kg", source="Withings"),
    ]
    health = tmp_path / "export.xml"
    health.write_text(healthkit_xml(records, extra), encoding="utf-8")
    return {"peloton": peloton, "nutrition": nutrition, "measurement": measurement, "health": health}


@pytest.mark.parametrize("health_first", [False, True])
def test_same_facts_from_two_sources_are_one_row_each(
    lake: Path, exports: dict[str, Path], health_first: bool
) -> None:
    order = ["health", "peloton", "nutrition", "measurement"]
    if not health_first:
        order = order[1:] + order[:1]
    for name in order:
        lib_ingest(lake, exports[name], timezone="America/New_York")

    rides = query(
        lake,
        "SELECT _source, title, output_kj, avg_hr_bpm, max_hr_bpm, energy_kcal, _merged_from, "
        "_field_sources FROM workouts ORDER BY start_utc",
    )
    assert len(rides) == 2  # the second ride has no Apple Health copy
    source, title, output, avg_hr, max_hr, kcal, merged, fields = rides[0]
    assert (source, title, output, kcal) == ("peloton", "30 min Pop Ride, Vol. 2", 318, 402)
    assert (avg_hr, max_hr) == (147, 172)  # the Watch's heart rate, via Apple Health
    fields_from = json.loads(str(fields))
    assert {k: fields_from[k] for k in ("avg_hr_bpm", "min_hr_bpm", "max_hr_bpm")} == dict.fromkeys(
        ("avg_hr_bpm", "min_hr_bpm", "max_hr_bpm"), "apple_health"
    )
    assert "output_kj" not in fields_from and "energy_kcal" not in fields_from
    assert fields_from["statistics_json"] == "apple_health"  # Peloton has none: filled in
    assert [m["_source"] for m in json.loads(str(merged))] == ["apple_health"]
    assert rides[1][6] is None
    assert count(lake, "workouts_by_source") == 3  # nothing dropped
    assert count(lake, "bronze_apple_health__workouts") == 1

    meals = query(
        lake,
        "SELECT _source, meal, energy_kcal, carbs_g, strftime(local_ts, '%H:%M'), time_known "
        "FROM nutrition_entries ORDER BY local_ts",
    )
    assert meals == [
        ("myfitnesspal", "dinner", 700, 70, "00:00", False),  # date only
        ("myfitnesspal", "lunch", 650, 80, "12:40", True),  # the time Apple Health knows
    ]
    assert query(lake, "SELECT sum(energy_kcal) FROM nutrition_entries")[0][0] == 1350

    weights = query(lake, "SELECT _source, source_name, value FROM body_measurements ORDER BY start_utc")
    assert weights == [("myfitnesspal", "MyFitnessPal", 81.6), ("apple_health", "Withings", 81.9)]


def test_rebuild_resolves_the_same(lake: Path, exports: dict[str, Path]) -> None:
    from biolake.lake.ingest import rebuild
    from conftest import settings_for

    for path in exports.values():
        lib_ingest(lake, path, timezone="America/New_York")
    tables = ("workouts", "nutrition_entries", "body_measurements")
    before = {t: query(lake, f"SELECT * EXCLUDE (year) FROM {t} ORDER BY ALL") for t in tables}
    rebuild(settings_for(lake))  # type: ignore[arg-type]
    after = {t: query(lake, f"SELECT * EXCLUDE (year) FROM {t} ORDER BY ALL") for t in tables}
    assert after == before
