"""MyFitnessPal export: the three summaries (sniffed by header), meal sums, local times, units from the
configuration, the zip, quarantine, errors and re-imports."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from biolake.errors import ParseError
from biolake.sources.base import detect
from biolake.sources.myfitnesspal import SOURCE
from conftest import count, lib_ingest, query
from sourcetools import ctx, parse_bytes, run, to_silver

MFP = Path(__file__).parent / "fixtures" / "myfitnesspal"
NUTRITION = MFP / "Nutrition-Summary-2024-03-01-to-2024-03-02.csv"
PER_FOOD = MFP / "Nutrition-Summary-per-food-2018-07-01-to-2018-07-01.csv"
EXERCISE = MFP / "Exercise-Summary-2024-03-01-to-2024-03-02.csv"
EXERCISE_LB = MFP / "Exercise-Summary-imperial-2019-01-05.csv"
WEIGHT = MFP / "Measurement-Summary-2024-03-01-to-2024-03-02.csv"
WIDE = MFP / "Measurement-Summary-wide-2023-11-04-to-2023-11-06.csv"
NY = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def header(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").splitlines()[0]


def silver_of(data: bytes, entity: str, **context: str) -> list[dict]:
    c = ctx(**context)
    return to_silver(SOURCE, parse_bytes(SOURCE, data, c), c).get(entity, [])


def meals(path: Path, timezone: str = NY) -> dict[tuple[date, str], dict]:
    rows = run(SOURCE, path, ctx(timezone=timezone))["nutrition_entries"]
    return {(r["local_date"], r["meal"]): r for r in rows}


@pytest.mark.parametrize("path", sorted(MFP.glob("*.csv")), ids=lambda p: p.name)
def test_every_summary_is_recognised_by_its_header(path: Path) -> None:
    head = path.read_bytes()[:4096]
    assert SOURCE.sniff(head, "export.csv")
    assert detect(head, "x.csv", "x").name == "myfitnesspal"


def test_sniff_rejects_other_files() -> None:
    peloton = Path(__file__).parent / "fixtures" / "peloton" / "peloton_workouts_imperial_synthetic.csv"
    assert not SOURCE.sniff(peloton.read_bytes()[:4096], "Nutrition-Summary.csv")
    assert not SOURCE.sniff(b"id,time,gl\n1,2020-01-01 00:00,100\n", "Measurement-Summary.csv")
    assert not SOURCE.sniff(b"Date,Mood\n2024-01-01,ok\n", "Measurement-Summary.csv")


def test_per_meal_rows() -> None:
    got = meals(NUTRITION)
    assert len(got) == 5
    breakfast = got[(date(2024, 3, 1), "breakfast")]
    assert breakfast["ts_utc"] == utc(2024, 3, 1, 5, 0)  # local midnight, EST
    assert (breakfast["local_ts"], breakfast["time_known"], breakfast["entry_count"]) == (
        datetime(2024, 3, 1),
        False,
        1,
    )
    assert (breakfast["energy_kcal"], breakfast["fat_g"], breakfast["protein_g"]) == (518.0, 29.0, 27.6)
    assert (breakfast["saturated_fat_g"], breakfast["polyunsaturated_fat_g"]) == (7.9, 1.2)
    assert (breakfast["monounsaturated_fat_g"], breakfast["trans_fat_g"]) == (3.4, 0.0)
    assert (breakfast["cholesterol_mg"], breakfast["sodium_mg"], breakfast["potassium_mg"]) == (
        210,
        574.5,
        740,
    )
    assert (breakfast["carbs_g"], breakfast["fiber_g"], breakfast["sugar_g"]) == (36.7, 2.1, 14.1)
    pct = ("vitamin_a_pct_dv", "vitamin_c_pct_dv", "calcium_pct_dv", "iron_pct_dv")
    assert tuple(breakfast[c] for c in pct) == (12, 8, 15, 10)
    assert breakfast["source_name"] == "MyFitnessPal" and breakfast["food"] is None
    dinner = got[(date(2024, 3, 1), "dinner")]
    assert dinner["energy_kcal"] == 1020.0 and dinner["note"] == "late dinner"  # "1,020.0"
    snacks = got[(date(2024, 3, 1), "snacks")]
    assert snacks["polyunsaturated_fat_g"] is None and snacks["note"] is None  # blank cells


def test_per_food_rows_are_summed_per_meal_never_deduplicated() -> None:
    got = meals(PER_FOOD)
    assert sorted(m for _, m in got) == ["breakfast", "dinner", "lunch", "snacks"]
    breakfast = got[(date(2018, 7, 1), "breakfast")]
    # two identical 40 kcal rows at 10:15 AM are two foods, plus a 105 kcal banana at 9:50 AM
    assert breakfast["entry_count"] == 3
    assert breakfast["energy_kcal"] == 185.0 and breakfast["fat_g"] == 1.6 and breakfast["protein_g"] == 4.9
    assert (breakfast["local_ts"], breakfast["time_known"]) == (datetime(2018, 7, 1, 9, 50), True)
    assert breakfast["ts_utc"] == utc(2018, 7, 1, 13, 50)  # EDT
    assert breakfast["note"] == "banana"
    lunch = got[(date(2018, 7, 1), "lunch")]  # one timed row, one without a time
    assert (lunch["entry_count"], lunch["energy_kcal"], lunch["local_ts"]) == (
        2,
        470,
        datetime(2018, 7, 1, 12, 30),
    )
    dinner = got[(date(2018, 7, 1), "dinner")]
    assert (dinner["time_known"], dinner["local_ts"]) == (False, datetime(2018, 7, 1))
    snacks = got[(date(2018, 7, 1), "snacks")]
    assert snacks["local_ts"] == datetime(2018, 7, 1, 23, 45) and snacks["ts_utc"] == utc(2018, 7, 2, 3, 45)


def test_bronze_keeps_every_food_row() -> None:
    sink = parse_bytes(SOURCE, PER_FOOD.read_bytes(), ctx())
    bronze = sink.bronze("nutrition").to_pylist()
    assert len(bronze) == 7
    assert [r["row_idx"] for r in bronze[:2]] == [2, 3] and bronze[0]["time"] == "10:15 AM"


def test_exercise_metric() -> None:
    rows = {r["activity_type_raw"]: r for r in run(SOURCE, EXERCISE, ctx(timezone=NY))["workouts"]}
    assert set(rows) == {
        "Health Connect calorie adjustment",
        "Walking, 3.5 mph, brisk pace",  # the literal quotes are gone
        "Bench Press, Barbell",
        "Running (jogging), 5 mph (12 min mile)",
        "Gardening",
    }
    walk = rows["Walking, 3.5 mph, brisk pace"]
    assert (walk["activity_type"], walk["energy_kcal"], walk["duration_s"]) == ("walking", 277.0, 1680.0)
    assert walk["start_utc"] == utc(2024, 3, 1, 5, 0) and walk["end_utc"] == utc(2024, 3, 1, 5, 28)
    meta = json.loads(walk["metadata_json"])
    assert meta["time_known"] is False
    assert [(e["calories"], e["minutes"], e["note"]) for e in meta["entries"]] == [
        (178, 18, None),
        (99, 10, "evening"),
    ]
    bench = rows["Bench Press, Barbell"]
    assert bench["activity_type"] == "strength_training" and bench["duration_s"] is None
    assert bench["end_utc"] == bench["start_utc"]
    [entry] = json.loads(bench["metadata_json"])["entries"]
    assert (entry["sets"], entry["reps_per_set"], entry["weight_kg"], entry["type"]) == (
        3,
        10,
        60,
        "Strength",
    )
    adjustment = rows["Health Connect calorie adjustment"]
    assert adjustment["activity_type"] == "calorie_adjustment"
    assert json.loads(adjustment["metadata_json"])["steps"] == 9840
    assert rows["Running (jogging), 5 mph (12 min mile)"]["activity_type"] == "running"
    assert rows["Gardening"]["activity_type"] == "other"
    assert {r["source_name"] for r in rows.values()} == {"MyFitnessPal"}
    assert {r["_reason"] for r in rows.values()} == {None}


def test_exercise_pounds_become_kilograms() -> None:
    rows = {r["activity_type"]: r for r in run(SOURCE, EXERCISE_LB, ctx())["workouts"]}
    [squat] = json.loads(rows["strength_training"]["metadata_json"])["entries"]
    assert squat["weight_kg"] == 61.23496995  # 135 lb × 0.45359237, exactly
    assert rows["cycling"]["activity_type_raw"] == "Cycling, stationary, moderate"


def test_weight_in_the_configured_units() -> None:
    metric = run(SOURCE, WEIGHT, ctx(units="metric"))["body_measurements"]
    assert sorted((r["local_date"], r["metric"], r["value"], r["unit"]) for r in metric) == [
        (date(2024, 3, 1), "weight_kg", 85.5, "kg"),
        (date(2024, 3, 2), "weight_kg", 84.5, "kg"),
    ]
    assert metric[0]["start_utc"] == metric[0]["end_utc"]
    imperial = run(SOURCE, WEIGHT, ctx(units="imperial"))["body_measurements"]
    assert sorted(r["value"] for r in imperial) == [38.328555265, 38.782147635]  # × 0.45359237


def test_wide_measurements_imperial() -> None:
    silver = run(SOURCE, WIDE, ctx(timezone=NY, units="imperial"))
    body = {(r["local_date"].day, r["metric"]): r for r in silver["body_measurements"]}
    assert {k: (r["value"], r["unit"]) for k, r in body.items()} == {
        (4, "weight_kg"): (81.6466266, "kg"),  # 180 lb
        (4, "body_fat_pct"): (24.5, "%"),
        (4, "hips_cm"): (101.6, "cm"),  # 40 in
        (4, "neck_cm"): (39.37, "cm"),
        (4, "waist_cm"): (86.36, "cm"),
        (5, "weight_kg"): (81.374471178, "kg"),
        (6, "body_fat_pct"): (24.1, "%"),
        (6, "waist_cm"): (85.09, "cm"),
    }
    assert body[(4, "body_fat_pct")]["device"] == "Fitbit" and body[(4, "weight_kg")]["device"] is None
    assert body[(4, "weight_kg")]["start_utc"] == utc(2023, 11, 4, 4, 0)  # EDT midnight
    assert body[(6, "waist_cm")]["start_utc"] == utc(2023, 11, 6, 5, 0)  # EST midnight
    steps = sorted(silver["measurements"], key=lambda r: r["start_utc"])
    assert [(r["metric"], r["value"], r["unit"]) for r in steps] == [
        ("steps", 10234, "count"),
        ("steps", 8001, "count"),
    ]
    fall_back_day = steps[1]
    assert (fall_back_day["start_utc"], fall_back_day["end_utc"]) == (
        utc(2023, 11, 5, 4),
        utc(2023, 11, 6, 5),
    )
    bronze = parse_bytes(SOURCE, WIDE.read_bytes(), ctx()).bronze("measurements").to_pylist()
    assert {
        "measurement": "Fitbit tracked sleep minutes",
        "value": "412",
        "date": "2023-11-04",
        "row_idx": 2,
    } in bronze


def test_wide_measurements_metric() -> None:
    body = run(SOURCE, WIDE, ctx(units="metric"))["body_measurements"]
    assert {r["value"] for r in body if r["metric"] == "weight_kg"} == {180.0, 179.4}
    assert {r["value"] for r in body if r["metric"] == "hips_cm"} == {40.0}


def nutrition_rows(*rows: str) -> bytes:
    return ("\n".join((header(NUTRITION), *rows)) + "\n").encode()


def exercise_rows(*rows: str) -> bytes:
    return ("\n".join((header(EXERCISE), *rows)) + "\n").encode()


GOOD_MEAL = "2024-03-01,Lunch,100,1,1,1,1,0,1,1,1,1,1,1,1,1,1,1,1,"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            nutrition_rows(GOOD_MEAL, GOOD_MEAL.replace(",100,", ",1O0,")),
            "Calories '1O0' on line 3 is not a number",
        ),
        (nutrition_rows(GOOD_MEAL.replace(",100,", ',"12,5",')), "Calories '12,5' on line 2 is not a number"),
        (
            nutrition_rows(GOOD_MEAL.replace("2024-03-01", "03/01/2024")),
            "date '03/01/2024' on line 2 is not YYYY-MM-DD",
        ),
        (nutrition_rows(GOOD_MEAL.replace("2024-03-01", "2024-02-30")), "date '2024-02-30' on line 2"),
        (nutrition_rows(GOOD_MEAL.replace(",Lunch,", ",,")), "row on line 2 has no meal"),
        (
            header(PER_FOOD).encode() + b"\n2018-07-01,Lunch,25:10,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,\n",
            "time '25:10' on line 2 is not a time",
        ),
        (
            exercise_rows("2024-03-01,Rowing,Cardio,100,,,,,").replace(b"Exercise Minutes,", b""),
            "missing required column 'Exercise Minutes'",
        ),
        (nutrition_rows(GOOD_MEAL).replace(b",", b";"), "separated by ';'"),
        (
            exercise_rows("2024-03-01,Rowing,Cardio,abc,10,,,,,"),
            "Exercise Calories 'abc' on line 2 is not a number",
        ),
        (exercise_rows('2024-03-01,"""""",Cardio,10,10,,,,,'), "row on line 2 has no exercise name"),
        (b"Date,Weight\n2024-03-01,eighty\n", "Weight 'eighty' on line 2 is not a number"),
        (b"Date,Meal\n2024-03-01,Lunch\n", "not a MyFitnessPal Nutrition, Exercise or Measurement summary"),
    ],
)
def test_errors_name_the_file_and_line(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_bytes(SOURCE, data, ctx(name="Nutrition-Summary.csv"))
    assert message in str(err.value) and "Nutrition-Summary.csv" in str(err.value)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2024-03-02,Rowing,Cardio,100,-10,,,,,", "negative Exercise Minutes"),
        ("2024-03-02,Deadlift,Strength,,,3,5,-100,,", "negative Kilograms"),
    ],
)
def test_negative_exercise_values_are_quarantined(row: str, reason: str) -> None:
    rows = silver_of(exercise_rows("2024-03-01,Rowing,Cardio,100,10,,,,,", row), "workouts")
    assert sorted(r["_reason"] or "" for r in rows) == ["", reason]


def test_negative_calories_are_kept() -> None:
    [row] = silver_of(exercise_rows("2024-03-01,MFP iOS calorie adjustment,Cardio,-25.0,1,,,,,"), "workouts")
    assert row["energy_kcal"] == -25 and row["_reason"] is None


def test_negative_measurement_is_quarantined() -> None:
    rows = silver_of(b"Date,Weight,Waist\n2024-03-01,80,-3\n", "body_measurements")
    assert sorted(r["_reason"] or "" for r in rows) == ["", "negative Waist"]


def export_zip(path: Path) -> Path:
    folder = "File-Export-2024-03-01-to-2024-03-02"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in (NUTRITION, EXERCISE, WEIGHT):
            zf.write(member, f"{folder}/{member.name}")
    return path


def test_zip_import_and_reimports(lake: Path, tmp_path: Path) -> None:
    archive = export_zip(tmp_path / "File-Export-2024-03-01-to-2024-03-02.zip")
    results = lib_ingest(lake, archive, timezone=NY)
    assert [(Path(r.file.split("!")[1]).name, r.source, r.rows_new) for r in results] == [
        (NUTRITION.name, "myfitnesspal", 5),
        (EXERCISE.name, "myfitnesspal", 5),
        (WEIGHT.name, "myfitnesspal", 2),
    ]
    assert {r.status for r in lib_ingest(lake, archive, timezone=NY)} == {"skipped"}
    assert {r.status for r in lib_ingest(lake, NUTRITION, EXERCISE, WEIGHT, timezone=NY)} == {"skipped"}

    # the same data in other bytes (CRLF): every row is a duplicate
    crlf = tmp_path / "Nutrition-Summary-crlf.csv"
    crlf.write_bytes(NUTRITION.read_bytes().replace(b"\n", b"\r\n"))
    [again] = lib_ingest(lake, crlf, timezone=NY)
    assert (again.status, again.rows_new, again.rows_duplicate) == ("imported", 0, 5)
    assert count(lake, "nutrition_entries") == 5 and count(lake, "workouts") == 5
    assert count(lake, "body_measurements") == 2


def test_newer_export_revises_a_meal(lake: Path, tmp_path: Path) -> None:
    """A meal's totals from a later export win (nutrition_entries keeps the last copy); no second row."""
    lib_ingest(lake, NUTRITION, timezone=NY)
    newer = tmp_path / "Nutrition-Summary-newer.csv"
    newer.write_text(NUTRITION.read_text(encoding="utf-8").replace(",Breakfast,518.0,", ",Breakfast,600.0,"))
    lib_ingest(lake, newer, timezone=NY)
    assert count(lake, "nutrition_entries") == 5
    [(kcal,)] = query(
        lake, "SELECT energy_kcal FROM nutrition_entries WHERE meal = 'breakfast' AND day(local_date) = 1"
    )
    assert kcal == 600.0


def test_units_setting_reaches_the_mapping(lake: Path) -> None:
    lib_ingest(lake, WEIGHT, units="imperial")
    values = [v for (v,) in query(lake, "SELECT value FROM body_measurements ORDER BY local_date")]
    assert values == [38.782147635, 38.328555265]


def test_identical_food_rows_survive_the_lake(lake: Path) -> None:
    lib_ingest(lake, PER_FOOD, timezone=NY)
    [(n, kcal)] = query(
        lake, "SELECT entry_count, energy_kcal FROM nutrition_entries WHERE meal = 'breakfast'"
    )
    assert (n, kcal) == (3, 185.0)
