"""Cross-source deduplication rules (lake/crosssource.py) on hand-built rows of each entity."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest

from biolake.lake.crosssource import resolve_sql
from biolake.lake.schema import ENTITIES


def resolve(entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolve ``rows`` (partial rows of ``entity``) and return the kept rows as dicts, in time order."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cols = ", ".join(f'"{n}" {t}' for n, t in ENTITIES[entity].all_columns)
    con.execute(f"CREATE TABLE t ({cols}, year INTEGER)")
    for i, row in enumerate(rows):
        full = {"subject_id": "me", "_file_sha256": f"file{i}", "year": 2024, **row}
        names = ", ".join(f'"{n}"' for n in full)
        con.execute(f"INSERT INTO t ({names}) VALUES ({', '.join('?' * len(full))})", list(full.values()))
    time_col = "ts_utc" if "ts_utc" in ENTITIES[entity].column_names else "start_utc"
    rel = con.sql(f"SELECT * FROM ({resolve_sql(entity, 'SELECT * FROM t')}) ORDER BY {time_col}, _source")
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def ride(source: str, name: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {"_source": source, "source_name": name, "start_utc": start, "end_utc": end, **fields}


def test_peloton_ride_also_in_apple_health_is_one_workout_with_merged_fields() -> None:
    out = resolve(
        "workouts",
        [
            ride(
                "peloton",
                "Peloton",
                "2024-03-01 12:00:00",
                "2024-03-01 12:30:00",
                output_kj=301.0,
                avg_hr_bpm=139.0,
                energy_kcal=350.0,
            ),
            ride(
                "apple_health",
                "Peloton",
                "2024-03-01 12:00:40",
                "2024-03-01 12:30:05",
                avg_hr_bpm=142.0,
                max_hr_bpm=171.0,
                energy_kcal=360.0,
            ),
        ],
    )
    assert len(out) == 1
    row = out[0]
    assert row["_source"] == "peloton"
    assert (row["output_kj"], row["energy_kcal"]) == (301.0, 350.0)  # Peloton's own values
    assert (row["avg_hr_bpm"], row["max_hr_bpm"]) == (142.0, 171.0)  # Apple Health's heart rate
    assert json.loads(row["_field_sources"]) == {"avg_hr_bpm": "apple_health", "max_hr_bpm": "apple_health"}
    merged = json.loads(row["_merged_from"])
    assert [(m["_source"], m["source_name"], m["_file_sha256"]) for m in merged] == [
        ("apple_health", "Peloton", "file1")
    ]


@pytest.mark.parametrize(
    ("other", "folded"),
    [
        (ride("apple_health", "Apple Watch", "2024-03-01 12:00:40", "2024-03-01 12:30:05"), False),
        (
            ride("apple_health", "peloton ", "2024-03-01 12:10:00", "2024-03-01 12:40:00"),
            True,
        ),  # 67 % overlap
        (ride("apple_health", "Peloton", "2024-03-01 12:20:00", "2024-03-01 12:50:00"), False),  # 33 %
        (ride("apple_health", "Peloton", "2024-03-02 12:00:00", "2024-03-02 12:30:00"), False),
        (ride("oura", "Peloton", "2024-03-01 12:00:00", "2024-03-01 12:30:00"), False),  # two app exports
    ],
)
def test_workout_match_rule(other: dict[str, Any], folded: bool) -> None:
    own = ride("peloton", "Peloton", "2024-03-01 12:00:00", "2024-03-01 12:30:00", output_kj=250.0)
    out = resolve("workouts", [own, other])
    assert len(out) == (1 if folded else 2)
    kept = next(r for r in out if r["_source"] == "peloton")
    assert (kept["_merged_from"] is not None) == folded


def test_each_apple_health_row_folds_into_its_closest_match_only() -> None:
    rows = [
        ride("peloton", "Peloton", "2024-03-01 12:00:00", "2024-03-01 12:20:00", title="A"),
        ride("peloton", "Peloton", "2024-03-01 12:21:00", "2024-03-01 12:41:00", title="B"),
        ride("apple_health", "Peloton", "2024-03-01 12:20:30", "2024-03-01 12:41:00", avg_hr_bpm=150.0),
    ]
    out = resolve("workouts", rows)
    assert [(r["title"], r["avg_hr_bpm"]) for r in out] == [("A", None), ("B", 150.0)]


def meal(source: str, ts: str, meal_name: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "_source": source,
        "source_name": "MyFitnessPal",
        "ts_utc": ts,
        "local_ts": ts,
        "local_date": ts[:10],
        "meal": meal_name,
        **fields,
    }


def test_myfitnesspal_meal_synced_to_apple_health_counts_once_and_takes_its_time() -> None:
    rows = [
        meal("myfitnesspal", "2024-03-01 00:00:00", "lunch", carbs_g=80.0, entry_count=3, time_known=False),
        meal("apple_health", "2024-03-01 12:35:00", "Lunch", carbs_g=50.0),
        meal("apple_health", "2024-03-01 12:40:00", "Lunch", carbs_g=30.0),
        meal("apple_health", "2024-03-01 19:00:00", "Dinner", carbs_g=60.0),  # no MFP dinner that day
    ]
    out = resolve("nutrition_entries", rows)
    assert [(r["_source"], r["meal"], r["carbs_g"]) for r in out] == [
        ("myfitnesspal", "lunch", 80.0),
        ("apple_health", "Dinner", 60.0),
    ]
    lunch = out[0]
    assert str(lunch["local_ts"]) == "2024-03-01 12:35:00" and lunch["time_known"] is True
    assert json.loads(lunch["_field_sources"]) == {
        "ts_utc": "apple_health",
        "local_ts": "apple_health",
        "time_known": "apple_health",
    }
    assert len(json.loads(lunch["_merged_from"])) == 2
    assert sum(r["carbs_g"] for r in out) == 140.0  # 80 + 60: nothing counted twice, nothing lost


def test_meal_with_its_own_time_keeps_it() -> None:
    rows = [
        meal("myfitnesspal", "2024-03-01 08:10:00", "breakfast", carbs_g=40.0, time_known=True),
        meal("apple_health", "2024-03-01 08:15:00", "Breakfast", carbs_g=40.0),
    ]
    [row] = resolve("nutrition_entries", rows)
    assert str(row["local_ts"]) == "2024-03-01 08:10:00"
    assert json.loads(row["_field_sources"]) == {}


@pytest.mark.parametrize(("synced", "folded"), [(81.6466, True), (81.7, True), (82.5, False)])
def test_weight_synced_from_myfitnesspal(synced: float, folded: bool) -> None:
    def weight(source: str, ts: str, value: float) -> dict[str, Any]:
        return {
            "_source": source,
            "source_name": "MyFitnessPal",
            "metric": "weight_kg",
            "value": value,
            "start_utc": ts,
            "end_utc": ts,
            "local_date": ts[:10],
        }

    rows = [
        weight("myfitnesspal", "2024-03-01 05:00:00", 81.65),
        weight("apple_health", "2024-03-01 12:00:00", synced),
    ]
    out = resolve("body_measurements", rows)
    assert len(out) == (1 if folded else 2)
    assert out[0]["_source"] == "myfitnesspal" and out[0]["value"] == 81.65


def test_oura_night_written_into_apple_health_is_one_session() -> None:
    def night(source: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
        return {"_source": source, "source_name": "Oura", "start_utc": start, "end_utc": end, **fields}

    rows = [
        night("oura", "2024-03-01 04:10:00", "2024-03-01 11:55:00", avg_hrv_ms=48.0, deep_s=5400.0),
        night("apple_health", "2024-03-01 04:12:00", "2024-03-01 11:50:00", deep_s=5100.0),
        night("apple_health", "2024-03-01 18:00:00", "2024-03-01 18:40:00"),  # a nap Oura's export lacks
    ]
    out = resolve("sleep_sessions", rows)
    assert [(r["_source"], r["deep_s"], r["avg_hrv_ms"]) for r in out] == [
        ("oura", 5400.0, 48.0),
        ("apple_health", None, None),
    ]
