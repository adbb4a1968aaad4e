"""Idempotency: re-imports are no-ops, overlapping exports add only what is new, rebuild reproduces silver."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    CGM,
    DEXCOM_G7,
    HK_1DAY,
    RunCli,
    activity_summary,
    count,
    dexcom_csv,
    heart_rate_day,
    lib_ingest,
    query,
    snapshot,
    write_synthetic,
)

LIBRE_US = CGM / "libreview_us_mgdl_ampm_synthetic.csv"
SILVER = (
    "measurements",
    "body_measurements",
    "sleep_stages",
    "workouts",
    "activity_daily",
    "glucose_readings",
    "cgm_events",
    "subject_profile",
    "workout_routes",
    "nutrition_entries",
)


def ingest_json(run_cli: RunCli, *paths: Path, args: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    proc = run_cli("--format", "json", "ingest", *args, *paths)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


def record_keys(path: Path) -> set[tuple[str | None, ...]]:
    """Natural keys of the top-level Records of an export (Records inside a Correlation repeat
    top-level ones and are not facts of their own)."""
    root = ET.parse(path).getroot()
    return {
        tuple(r.get(a) for a in ("type", "sourceName", "startDate", "endDate", "value"))
        for r in root.findall("Record")
    }


def top_level(path: Path, tag: str) -> list[ET.Element]:
    return ET.parse(path).getroot().findall(tag)


def silver_rows(lake: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every silver and quarantine row, sorted, per table present."""
    tables = [
        t
        for (t,) in query(lake, "SELECT table_name FROM information_schema.tables")  # type: ignore[misc]
        if t in SILVER or str(t).startswith("quarantine__")
    ]
    return {t: sorted(query(lake, f"SELECT * FROM {t}"), key=repr) for t in sorted(tables)}  # type: ignore[arg-type]


# --- the same file twice -------------------------------------------------------------------------


def test_same_file_twice_is_a_no_op(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    [first_hk, first_dx] = ingest_json(run_cli, HK_1DAY, DEXCOM_G7)
    assert first_hk["status"] == first_dx["status"] == "imported"
    assert first_hk["rows_new"] > 700 and first_dx["rows_new"] == 13
    before = snapshot(lake)
    rows_before = silver_rows(lake)

    copy = tmp_path / "same_bytes_other_name.csv"
    shutil.copy(DEXCOM_G7, copy)
    again = ingest_json(run_cli, HK_1DAY, DEXCOM_G7, copy)
    assert [r["status"] for r in again] == ["skipped", "skipped", "skipped"]
    assert [r["source"] for r in again] == ["apple_health", "dexcom", "dexcom"]
    assert all(r["rows_new"] == 0 and r["rows_duplicate"] == 0 and r["error"] is None for r in again)
    assert again[0]["sha256"] == first_hk["sha256"]
    assert snapshot(lake) == before  # silver, bronze, log and catalog byte-for-byte
    assert silver_rows(lake) == rows_before
    log = run_cli("--format", "json", "log")
    assert len(json.loads(log.stdout)) == 2


def test_same_file_twice_in_one_command(lake: Path, run_cli: RunCli) -> None:
    first, second = ingest_json(run_cli, DEXCOM_G7, DEXCOM_G7)
    assert (first["status"], second["status"]) == ("imported", "skipped")
    assert count(lake, "glucose_readings") == 7
    assert len(list((lake / "log" / "ingestion").glob("*.parquet"))) == 1


def test_same_file_for_another_subject_is_imported(lake: Path, run_cli: RunCli) -> None:
    ingest_json(run_cli, DEXCOM_G7)
    [other] = ingest_json(run_cli, DEXCOM_G7, args=("--subject", "p02"))
    assert other["status"] == "imported" and other["rows_new"] == 13
    assert query(lake, "SELECT subject_id, count(*) FROM glucose_readings GROUP BY ALL ORDER BY 1") == [
        ("me", 7),
        ("p02", 7),
    ]


# --- overlapping exports -------------------------------------------------------------------------

DAYS = ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05"]


@pytest.fixture
def overlapping_healthkit(make_export: Any) -> tuple[Path, Path]:
    """Export A: days 1–3, exported on day 3 mid-morning (day 3's activity totals are partial).
    Export B: days 2–5, exported later (day 3 revised)."""
    a_records = [r for d in DAYS[:3] for r in heart_rate_day(d)]
    b_records = [r for d in DAYS[1:] for r in heart_rate_day(d)]
    a_summaries = (
        activity_summary(DAYS[0], 610.5)
        + activity_summary(DAYS[1], 580.25)
        + activity_summary(DAYS[2], 120.0, exercise=5)
    )
    b_summaries = "".join(
        activity_summary(d, 580.25 if d == DAYS[1] else 640.0 + i) for i, d in enumerate(DAYS[1:])
    )
    a = make_export("a/export.xml", a_records, a_summaries, export_date="2024-03-03 10:00:00 -0500")
    b = make_export("b/export.xml", b_records, b_summaries, export_date="2024-03-05 23:00:00 -0500")
    return a, b


def test_overlapping_healthkit_exports(
    lake: Path, run_cli: RunCli, overlapping_healthkit: tuple[Path, Path]
) -> None:
    a, b = overlapping_healthkit
    keys_a, keys_b = record_keys(a), record_keys(b)
    assert keys_a != keys_b and keys_a & keys_b

    res_a, res_b = ingest_json(run_cli, a, b)
    assert res_a["entities"]["measurements"] == {
        "new": len(keys_a),
        "duplicate": 0,
        "quarantined": 0,
        "folded": 0,
    }
    assert res_b["entities"]["measurements"] == {
        "new": len(keys_b - keys_a),
        "duplicate": len(keys_a & keys_b),
        "quarantined": 0,
        "folded": 0,
    }
    assert count(lake, "measurements") == len(keys_a | keys_b) == 24 * 5
    # no fact twice
    assert query(
        lake,
        "SELECT count(*) FROM (SELECT metric, start_utc, value FROM measurements "
        "GROUP BY ALL HAVING count(*) > 1)",
    ) == [(0,)]
    # activity_daily: days 2 and 3 are in both; day 3 was revised by B and keeps B's (the latest) value
    assert res_b["entities"]["activity_daily"] == {"new": 2, "duplicate": 2, "quarantined": 0, "folded": 0}
    days = dict(query(lake, "SELECT CAST(local_date AS VARCHAR), active_energy_kcal FROM activity_daily"))
    assert days == {DAYS[0]: 610.5, DAYS[1]: 580.25, DAYS[2]: 641.0, DAYS[3]: 642.0, DAYS[4]: 643.0}
    assert query(lake, f"SELECT exercise_time_min FROM activity_daily WHERE local_date = '{DAYS[2]}'") == [
        (30.0,)
    ]
    # the profile is a 'last' entity too: B's export date
    assert query(lake, "SELECT CAST(as_of AS VARCHAR) FROM subject_profile") == [("2024-03-06 04:00:00+00",)]

    # importing either again changes nothing
    before = snapshot(lake)
    assert [r["status"] for r in ingest_json(run_cli, b, a)] == ["skipped", "skipped"]
    assert snapshot(lake) == before


@pytest.mark.slow
def test_overlapping_realistic_exports(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    """This month's export holds last month's: the demo generator with one seed, two lengths."""
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    days_a = write_synthetic(a, 1_500_000, start="2022-06-01", seed=5)
    days_b = write_synthetic(b, 3_500_000, start="2022-06-01", seed=5)
    assert days_b > days_a >= 2
    assert b.read_bytes().startswith(a.read_bytes().removesuffix(b"</HealthData>\n"))
    keys_a, keys_b = record_keys(a), record_keys(b)
    assert keys_a < keys_b

    res_a, res_b = ingest_json(run_cli, a, b)
    record_entities = ("measurements", "body_measurements", "sleep_stages")

    def total(res: dict[str, Any], what: str) -> int:
        return sum(res["entities"].get(e, {}).get(what, 0) for e in record_entities)

    assert total(res_a, "new") == len(keys_a)
    assert total(res_b, "new") == len(keys_b - keys_a)
    assert total(res_b, "duplicate") == len(keys_a)
    assert sum(count(lake, e, missing_ok=True) for e in record_entities) == len(keys_a | keys_b)
    assert res_b["entities"]["workouts"]["duplicate"] == len(top_level(a, "Workout"))
    assert count(lake, "workouts") == len(top_level(b, "Workout"))
    assert res_b["entities"]["activity_daily"] == {
        "new": days_b - days_a,
        "duplicate": days_a,
        "quarantined": 0,
        "folded": 0,
    }
    assert count(lake, "activity_daily") == days_b


def test_overlapping_dexcom_exports(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    a = dexcom_csv(tmp_path / "clarity_jan.csv", datetime(2024, 1, 10, 0, 0), 121)  # 00:00–10:00
    b = dexcom_csv(tmp_path / "clarity_feb.csv", datetime(2024, 1, 10, 5, 0), 121)  # 05:00–15:00
    res_a, res_b = ingest_json(run_cli, a, b)
    assert res_a["entities"]["glucose_readings"] == {
        "new": 121,
        "duplicate": 0,
        "quarantined": 0,
        "folded": 0,
    }
    assert res_b["entities"]["glucose_readings"] == {
        "new": 60,
        "duplicate": 61,
        "quarantined": 0,
        "folded": 0,
    }
    assert (res_b["rows_new"], res_b["rows_duplicate"]) == (60, 61)
    assert count(lake, "glucose_readings") == 181
    assert query(
        lake, "SELECT count(DISTINCT ts_utc), min(local_ts), max(local_ts) FROM glucose_readings"
    ) == [(181, datetime(2024, 1, 10, 0, 0), datetime(2024, 1, 10, 15, 0))]
    # the overlapping readings keep the first import's lineage (immutable samples: keep='first')
    [(sha_a,)] = query(lake, f"SELECT sha256 FROM ingestion_log WHERE file LIKE '%{a.name}'")
    assert query(
        lake,
        "SELECT count(*) FROM glucose_readings WHERE local_ts BETWEEN "
        f"'2024-01-10 05:00' AND '2024-01-10 10:00' AND _file_sha256 = '{sha_a}'",
    ) == [(61,)]


# --- rebuild -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_rebuild_reproduces_silver(
    lake: Path, tmp_path: Path, run_cli: RunCli, overlapping_healthkit: tuple[Path, Path], make_export: Any
) -> None:
    a, b = overlapping_healthkit
    bad_row = make_export(
        "q/export.xml",
        heart_rate_day("2024-04-01", 3),
        ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Test Watch" '
        'unit="count/min" startDate="2024-04-01 12:00:00 -0500" '
        'endDate="2024-04-01 12:00:00 -0500" value="n/a"/>\n',
    )
    dx_a = dexcom_csv(tmp_path / "dx_a.csv", datetime(2024, 1, 10), 50)
    dx_b = dexcom_csv(tmp_path / "dx_b.csv", datetime(2024, 1, 10, 2), 50)
    lib_ingest(lake, a, b, bad_row, dx_a, dx_b, DEXCOM_G7)
    assert count(lake, "quarantine__measurements") == 1
    before = silver_rows(lake)
    assert {
        "measurements",
        "activity_daily",
        "glucose_readings",
        "cgm_events",
        "subject_profile",
        "quarantine__measurements",
    } <= set(before)

    proc = run_cli("--format", "json", "rebuild")
    assert proc.returncode == 0, proc.stderr
    totals = {r["entity"]: r for r in json.loads(proc.stdout)}
    assert totals["measurements"]["rows"] == count(lake, "measurements")
    assert totals["measurements"]["quarantined"] == 1
    after = silver_rows(lake)
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    # the revised day still holds the latest export's value after a rebuild
    assert query(lake, f"SELECT active_energy_kcal FROM activity_daily WHERE local_date = '{DAYS[2]}'") == [
        (641.0,)
    ]
    # and a second rebuild is stable too
    silver_after = silver_rows(lake)
    assert run_cli("--quiet", "rebuild").returncode == 0
    assert silver_rows(lake) == silver_after


def test_latest_export_wins_whatever_the_import_order(
    lake: Path, overlapping_healthkit: tuple[Path, Path]
) -> None:
    a, b = overlapping_healthkit
    lib_ingest(lake, b)  # the newer export first
    lib_ingest(lake, a)  # then an older one that holds day 3 before it ended
    assert query(lake, f"SELECT active_energy_kcal FROM activity_daily WHERE local_date = '{DAYS[2]}'") == [
        (641.0,)
    ]


def test_zip_of_cgm_exports_and_the_same_file_outside_it(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    archive = tmp_path / "cgm.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(DEXCOM_G7, "clarity/g7.csv")
        zf.write(LIBRE_US, "libre/us.csv")
        zf.writestr("__MACOSX/clarity/._g7.csv", b"\x00\x05\x16\x07")
    first = ingest_json(run_cli, archive)
    assert [(r["file"], r["source"], r["status"]) for r in first] == [
        (f"{archive}!clarity/g7.csv", "dexcom", "imported"),
        (f"{archive}!libre/us.csv", "libreview", "imported"),
    ]
    before = snapshot(lake)
    again = ingest_json(run_cli, archive, DEXCOM_G7)
    assert [r["status"] for r in again] == ["skipped", "skipped", "skipped"]
    assert snapshot(lake) == before
