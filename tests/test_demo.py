"""``biolake demo``: the files are what the apps write, the same seed gives the same silver, and the
relationships planted in the simulation (docs/demo.md) are found in silver with plain SQL."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import xml.parsers.expat
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from biolake.demo.run import Manifest, demo, generate
from biolake.demo.timeline import DEFAULT_END, timeline_for
from biolake.lake.schema import ENTITIES
from conftest import RunCli, count, query, settings_for, silver_files

# --- helpers -----------------------------------------------------------------------------------------


def corr_p(r: float, n: int) -> float:
    """Two-sided p-value of a Pearson correlation: t = r·sqrt((n−2)/(1−r²)), normal approximation."""
    t = r * math.sqrt((n - 2) / (1 - r * r))
    return math.erfc(abs(t) / math.sqrt(2))


def one(lake: Path, sql: str) -> tuple[Any, ...]:
    rows = query(lake, sql)
    assert len(rows) == 1, rows
    return rows[0]


def files_of(manifest: Manifest, source: str) -> list[Path]:
    return [f.path for f in manifest.files if f.source == source]


def silver_content(lake: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every silver view's rows, sorted, without the import time."""
    tables = {r[0] for r in query(lake, "SELECT table_name FROM information_schema.tables")}
    names = [n for n in tables if n in ENTITIES or n.removesuffix("_by_source") in ENTITIES]
    return {
        name: query(lake, f"SELECT * EXCLUDE (_ingested_at) FROM {name} ORDER BY ALL")
        for name in sorted(names)
    }


# --- the files: real formats -------------------------------------------------------------------------

SMALL_DAYS = 45  # ends 2026-11-14: holds the trip (Oct 10–18) and the US fall-back change (Nov 1)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(tmp_path_factory.mktemp("small") / "exports", days=SMALL_DAYS, seed=3)


PELOTON_HEADER = (
    "Workout Timestamp,Live/On-Demand,Instructor Name,Length (minutes),Fitness Discipline,Type,Title,"
    "Class Timestamp,Total Output,Avg. Watts,Avg. Resistance,Avg. Cadence (RPM),Avg. Speed (mph),"
    "Distance (mi),Calories Burned,Avg. Heartrate,Avg. Incline,Avg. Pace (min/mi)"
)


def test_peloton_csv_is_the_imperial_export(small: Manifest) -> None:
    (path,) = files_of(small, "peloton")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == PELOTON_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d \([+-]\d\d\)$")
    for row in rows:
        assert stamp.match(row["Workout Timestamp"]) and stamp.match(row["Class Timestamp"]), row
        if row["Fitness Discipline"] == "Cycling":
            assert row["Avg. Resistance"].endswith("%")
            kj, watts, minutes = (
                float(row["Total Output"]),
                float(row["Avg. Watts"]),
                int(row["Length (minutes)"]),
            )
            assert kj == pytest.approx(watts * minutes * 60 / 1000, abs=0.5 + minutes * 0.03)  # watts rounded
        else:
            assert row["Total Output"] == "" and row["Avg. Watts"] == ""
    assert {r["Workout Timestamp"][-5:] for r in rows} >= {"(-04)", "(-05)", "(+02)"}  # DST and the trip


DEXCOM_HEADER = (
    '"Index","Timestamp (YYYY-MM-DDThh:mm:ss)","Event Type","Event Subtype","Patient Info","Device Info",'
    '"Source Device ID","Glucose Value (mg/dL)","Insulin Value (u)","Carb Value (grams)",'
    '"Duration (hh:mm:ss)","Glucose Rate of Change (mg/dL/min)","Transmitter Time (Long Integer)",'
    '"Transmitter ID"'
)


def test_dexcom_csv_is_the_g7_export(small: Manifest) -> None:
    paths = files_of(small, "dexcom")
    assert len(paths) == 3  # home, the trip (read in Europe/Berlin), home again
    assert [f.timezone for f in small.files if f.source == "dexcom"] == [
        "America/New_York",
        "Europe/Berlin",
        "America/New_York",
    ]
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == DEXCOM_HEADER
        assert all(line.startswith('"') and line.endswith('"') for line in lines)
        rows = list(csv.reader(lines[1:]))
        kinds = [r[2] for r in rows]
        assert kinds[:3] == ["FirstName", "LastName", "Device"] and "Alert" in kinds
        egvs = [r for r in rows if r[2] == "EGV"]
        assert egvs and all(len(r) == 14 for r in egvs)
        assert all(r[7] in ("Low", "High") or 40 <= int(r[7]) <= 400 for r in egvs)
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", r[1]) for r in egvs)
    stamps = [
        r[1] for r in csv.reader(paths[-1].read_text(encoding="utf-8").splitlines()[1:]) if r[2] == "EGV"
    ]
    back = [b for a, b in itertools.pairwise(stamps) if b < a]
    assert back and all(b.startswith("2026-11-01T01:") for b in back)  # the fall-back hour, written twice


def test_myfitnesspal_zip_members(small: Manifest) -> None:
    for path in files_of(small, "myfitnesspal"):
        assert re.fullmatch(r"File-Export-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.zip", path.name)
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            assert all(
                re.fullmatch(r"(Nutrition|Exercise|Measurement)-Summary-[\d-]+-to-[\d-]+\.csv", n)
                for n in names
            )
            nutrition = next(n for n in names if n.startswith("Nutrition"))
            header = zf.read(nutrition).decode().splitlines()[0]
            assert header.startswith("Date,Meal,Time,Calories,Fat (g),Saturated Fat,")
            assert header.endswith("Protein (g),Vitamin A,Vitamin C,Calcium,Iron,Note")
            rows = list(csv.DictReader(io.StringIO(zf.read(nutrition).decode())))
            assert all(re.fullmatch(r"(0\d|1[0-2]):\d\d [AP]M", r["Time"]) for r in rows)
            exercise = next((n for n in names if n.startswith("Exercise")), None)
            if exercise:
                head = zf.read(exercise).decode().splitlines()[0]
                assert (
                    head
                    == "Date,Exercise,Type,Exercise Calories,Exercise Minutes,Sets,Reps Per Set,Pounds,Steps,"
                    "Note"
                )


OURA_REQUIRED = {
    "daily_readiness": {"id", "contributors", "day", "timestamp", "score", "temperature_deviation"},
    "daily_sleep": {"id", "contributors", "day", "timestamp", "score"},
    "daily_activity": {
        "id",
        "active_calories",
        "contributors",
        "day",
        "met",
        "steps",
        "timestamp",
        "total_calories",
    },
    "sleep": {
        "id",
        "bedtime_end",
        "bedtime_start",
        "day",
        "low_battery_alert",
        "period",
        "time_in_bed",
        "type",
    },
    "daily_spo2": {"id", "day", "spo2_percentage"},
    "workout": {"id", "activity", "day", "end_datetime", "intensity", "source", "start_datetime"},
}


def test_oura_pages_follow_the_api(small: Manifest) -> None:
    paths = {p.stem: p for p in files_of(small, "oura")}
    assert set(paths) == set(OURA_REQUIRED)
    for endpoint, path in paths.items():
        page = json.loads(path.read_text(encoding="utf-8"))
        assert set(page) == {"data", "next_token"} and page["next_token"] is None
        assert page["data"], endpoint
        for item in page["data"]:
            assert OURA_REQUIRED[endpoint] <= set(item), endpoint
    sleep = json.loads(paths["sleep"].read_text())["data"]
    assert {s["type"] for s in sleep} <= {"long_sleep", "sleep", "late_nap", "rest"}
    assert {s["bedtime_start"][-6:] for s in sleep} >= {"-04:00", "-05:00", "+02:00"}
    missing = [r for r in json.loads(paths["daily_readiness"].read_text())["data"] if r["score"] is None]
    assert missing and all(v is None for r in missing for v in r["contributors"].values())


def test_apple_health_zip_parses_and_carries_the_other_apps(small: Manifest) -> None:
    (path,) = files_of(small, "apple_health")
    seen: dict[str, int] = {}
    offsets: set[str] = set()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name in ("Record", "Workout"):
            key = f"{name}:{attrs.get('sourceName')}"
            seen[key] = seen.get(key, 0) + 1
            offsets.add(attrs["startDate"][-5:])

    with zipfile.ZipFile(path) as zf, zf.open("apple_health_export/export.xml") as fh:
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = start
        parser.ParseFile(fh)
    assert seen["Workout:Peloton"] > 0 and seen["Record:MyFitnessPal"] > 0
    assert offsets == {"-0400", "-0500", "+0200"}


def test_same_arguments_write_the_same_bytes(small: Manifest, tmp_path: Path) -> None:
    again = generate(tmp_path / "exports", days=SMALL_DAYS, seed=3)
    for a, b in zip(small.files, again.files, strict=True):
        assert a.path.relative_to(small.out_dir) == b.path.relative_to(again.out_dir)
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name


def test_timeline_has_dst_and_trip() -> None:
    tl = timeline_for(0, 365, DEFAULT_END)
    assert tl.trip is not None and tl.trip.depart == date(2026, 10, 10)
    zones = {z for _, _, z in tl.segments()}
    assert zones == {"America/New_York", "Europe/Berlin"}
    offsets = {tl.offset(t) // 3600 for t in range(tl.t0, tl.t1, 3600)}
    assert offsets == {-5, -4, 2}


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    from biolake.errors import ConfigError

    with pytest.raises(ConfigError, match="--days"):
        generate(tmp_path, days=0)
    with pytest.raises(ConfigError, match="--subjects"):
        generate(tmp_path, days=30, subjects=0)


# --- determinism and idempotency in the lake ---------------------------------------------------------


def _demo(root: Path, seed: int, days: int = SMALL_DAYS, subjects: int = 1) -> Path:
    lake = root / "lake"
    result = demo(
        settings_for(lake),  # type: ignore[arg-type]
        out_dir=root / "exports",
        days=days,
        subjects=subjects,
        seed=seed,
        build=False,
    )
    assert all(r.status == "imported" for r in result.results), [(r.file, r.error) for r in result.results]
    return lake


def test_same_seed_same_silver_other_seed_other_silver(tmp_path: Path) -> None:
    a = silver_content(_demo(tmp_path / "a", seed=11))
    b = silver_content(_demo(tmp_path / "b", seed=11))
    assert a.keys() == b.keys() and "glucose_readings" in a and "daily_scores" in a
    for name in a:
        assert a[name] == b[name], name
    c = silver_content(_demo(tmp_path / "c", seed=12))
    assert c["glucose_readings"] != a["glucose_readings"] and c["daily_scores"] != a["daily_scores"]


def test_rerun_is_a_no_op_and_gold_is_built_once(tmp_path: Path) -> None:
    lake, exports = tmp_path / "lake", tmp_path / "exports"
    first = demo(settings_for(lake), out_dir=exports, days=14, seed=5)  # type: ignore[arg-type]
    assert first.build is not None and first.build.nodes  # gold built (its gate is dbt's business)
    before = silver_files(lake)
    again = demo(settings_for(lake), out_dir=exports, days=14, seed=5)  # type: ignore[arg-type]
    assert {r.status for r in again.results} == {"skipped"}
    assert again.build is None  # nothing new, nothing to build
    assert silver_files(lake) == before


def test_subjects_are_separate(tmp_path: Path) -> None:
    lake = _demo(tmp_path, seed=2, days=10, subjects=2)
    rows = query(lake, "SELECT subject_id, count(*) FROM glucose_readings GROUP BY ALL ORDER BY 1")
    assert [r[0] for r in rows] == ["demo01", "demo02"]
    assert count(lake, "daily_scores", "subject_id = 'demo02'") > 0


def test_cli_demo_json(run_cli: RunCli, tmp_path: Path) -> None:
    args = ("demo", "--days", "30", "--out", tmp_path / "exports", "--seed", "4", "--no-build")
    proc = run_cli("--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["manifest"]["days"] == 30 and report["manifest"]["end"] == "2026-11-14"
    assert report["build"] is None
    assert report["entities"]["glucose_readings"]["new"] > 8000
    assert {f["source"] for f in report["manifest"]["files"]} == {
        "apple_health",
        "oura",
        "peloton",
        "myfitnesspal",
        "dexcom",
    }
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "skipped" in again.stdout and "imported" not in again.stdout


# --- the planted relationships, found in a year of silver --------------------------------------------


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _demo(tmp_path_factory.mktemp("year"), seed=1, days=365)


LOAD = """
    WITH days AS (SELECT DISTINCT subject_id, local_date FROM daily_scores),
    kj AS (SELECT subject_id, local_date, sum(output_kj) AS kj FROM workouts
           WHERE _source = 'peloton' GROUP BY ALL),
    load AS (SELECT d.subject_id, d.local_date, coalesce(kj, 0) AS kj
             FROM days d LEFT JOIN kj USING (subject_id, local_date)),
    night AS (SELECT subject_id, local_date, avg_hrv_ms AS hrv, lowest_hr_bpm AS rhr FROM sleep_sessions
              WHERE _source = 'oura' AND is_main)
"""


@pytest.mark.slow
def test_sleep_score_predicts_readiness(year: Path) -> None:
    same = """
        SELECT corr(s.score, r.score), count(*) FROM daily_scores s JOIN daily_scores r
          ON r.subject_id = s.subject_id AND r.local_date = s.local_date + {lag}
        WHERE s.score_type = 'sleep' AND r.score_type = 'readiness'
          AND s._source = 'oura' AND r._source = 'oura'
    """
    r, n = one(year, same.format(lag=0))  # Oura: the night that ends on the morning of the readiness day
    assert r > 0.4 and corr_p(r, n) < 0.01, (r, n)
    r1, n1 = one(year, same.format(lag=1))  # the night before that still counts (sleep balance)
    assert r1 > 0 and corr_p(r1, n1) < 0.01, (r1, n1)


@pytest.mark.slow
def test_training_load_lowers_next_day_hrv_and_readiness(year: Path) -> None:
    r_hrv, r_rhr, n = one(
        year,
        LOAD + "SELECT corr(l.kj, n.hrv), corr(l.kj, n.rhr), count(*) FROM load l JOIN night n "
        "ON n.subject_id = l.subject_id AND n.local_date = l.local_date + 1",
    )
    assert r_hrv < 0 and corr_p(r_hrv, n) < 0.01, (r_hrv, n)
    assert r_rhr > 0 and corr_p(r_rhr, n) < 0.01, (r_rhr, n)
    r_ready, n = one(
        year,
        LOAD + "SELECT corr(l.kj, r.score), count(*) FROM load l JOIN daily_scores r "
        "ON r.subject_id = l.subject_id AND r.local_date = l.local_date + 1 "
        "AND r.score_type = 'readiness' AND r._source = 'oura'",
    )
    assert r_ready < 0 and corr_p(r_ready, n) < 0.01, (r_ready, n)
    # Periodization: rest days (Mondays) and a lighter deload week every fourth week.
    mondays, total = one(
        year,
        "SELECT count(*) FILTER (WHERE dayofweek(local_date) = 1), count(*) FROM workouts "
        "WHERE _source = 'peloton'",
    )
    assert total > 150 and mondays < 0.03 * total


@pytest.mark.slow
def test_carbs_drive_post_meal_glucose(year: Path) -> None:
    r, n, peak_min = one(
        year,
        """
        WITH m AS (SELECT subject_id, ts_utc, sum(carbs_g) AS carbs FROM nutrition_entries
                   WHERE _source = 'myfitnesspal' AND time_known GROUP BY ALL),
        x AS (
            SELECT m.carbs,
                (SELECT avg(glucose_mgdl) FROM glucose_readings g WHERE g.subject_id = m.subject_id
                   AND g.ts_utc BETWEEN m.ts_utc - INTERVAL 20 MINUTE AND m.ts_utc) AS base,
                (SELECT max(glucose_mgdl) FROM glucose_readings g WHERE g.subject_id = m.subject_id
                   AND g.ts_utc BETWEEN m.ts_utc AND m.ts_utc + INTERVAL 2 HOUR) AS peak,
                (SELECT epoch(arg_max(g.ts_utc, g.glucose_mgdl)) - epoch(m.ts_utc) FROM glucose_readings g
                   WHERE g.subject_id = m.subject_id
                     AND g.ts_utc BETWEEN m.ts_utc AND m.ts_utc + INTERVAL 2 HOUR) AS to_peak
            FROM m
        )
        SELECT corr(carbs, peak - base), count(*), median(to_peak) / 60 FROM x
        WHERE base IS NOT NULL AND peak IS NOT NULL
        """,
    )
    assert r > 0.5 and corr_p(r, n) < 0.01, (r, n)
    assert 35 <= peak_min <= 70, peak_min


@pytest.mark.slow
def test_dawn_rise_and_nocturnal_lows(year: Path) -> None:
    dawn, night = one(
        year,
        "SELECT avg(glucose_mgdl) FILTER (WHERE hour(local_ts) BETWEEN 6 AND 7), "
        "avg(glucose_mgdl) FILTER (WHERE hour(local_ts) BETWEEN 2 AND 3) FROM glucose_readings",
    )
    assert dawn > night + 8, (dawn, night)
    below_70, below_54, censored_low = one(
        year,
        "SELECT count(*) FILTER (WHERE glucose_mgdl < 70), count(*) FILTER (WHERE glucose_mgdl < 54), "
        "count(*) FILTER (WHERE censored = 'low') FROM glucose_readings",
    )
    assert below_70 > below_54 > 0 and censored_low > 0, (below_70, below_54, censored_low)
    (night_share,) = one(
        year, "SELECT avg(CAST(hour(local_ts) < 6 AS INT)) FROM glucose_readings WHERE glucose_mgdl < 70"
    )
    assert night_share > 0.9  # the lows are nocturnal


@pytest.mark.slow
def test_illness_and_missing_ring_days(year: Path) -> None:
    fever_days, readiness_fever, readiness_other = one(
        year,
        "SELECT count(*) FILTER (WHERE temperature_deviation_c >= 0.5), "
        "avg(score) FILTER (WHERE temperature_deviation_c >= 0.5), "
        "avg(score) FILTER (WHERE temperature_deviation_c < 0.3) "
        "FROM daily_scores WHERE score_type = 'readiness' AND _source = 'oura'",
    )
    assert fever_days >= 3 and readiness_fever < readiness_other - 10
    missing, total = one(
        year,
        "SELECT count(*) FILTER (WHERE score IS NULL), count(*) FROM daily_scores "
        "WHERE score_type = 'readiness' AND _source = 'oura'",
    )
    assert total == 365 and 5 <= missing <= 40


@pytest.mark.slow
def test_peloton_rides_are_also_in_apple_health(year: Path) -> None:
    table = (
        "workouts_by_source"
        if query(year, "SELECT 1 FROM information_schema.tables WHERE table_name = 'workouts_by_source'")
        else "workouts"
    )
    rides, matched = one(
        year,
        f"""
        SELECT count(DISTINCT p.start_utc), count(DISTINCT a.start_utc) FROM {table} p
        LEFT JOIN {table} a ON a.subject_id = p.subject_id
            AND a._source = 'apple_health' AND a.source_name = 'Peloton'
            AND abs(epoch(a.start_utc) - epoch(p.start_utc)) <= 60
        WHERE p._source = 'peloton'
        """,
    )
    assert rides > 150 and matched == rides


@pytest.mark.slow
def test_dst_and_trip_in_local_offsets(year: Path) -> None:
    def offsets(table: str, local: str, utc: str, where: str) -> set[float]:
        rows = query(
            year, f"SELECT DISTINCT (epoch({local}) - epoch({utc})) / 3600 FROM {table} WHERE {where}"
        )
        return {float(r[0]) for r in rows}  # type: ignore[arg-type]

    assert offsets("measurements", "start_local", "start_utc", "metric = 'heart_rate'") == {-5.0, -4.0, 2.0}
    assert offsets("sleep_sessions", "start_local", "start_utc", "_source = 'oura'") == {-5.0, -4.0, 2.0}
    assert offsets("workouts", "start_local", "start_utc", "_source = 'peloton'") == {-5.0, -4.0, 2.0}
    assert offsets("glucose_readings", "local_ts", "ts_utc", "true") == {-5.0, -4.0, 2.0}
    trip = query(
        year,
        "SELECT min(local_date), max(local_date) FROM glucose_readings "
        "WHERE epoch(local_ts) - epoch(ts_utc) = 7200",
    )
    assert trip == [(date(2026, 10, 11), date(2026, 10, 18))]
