"""`biolake build`: dbt builds gold from silver; failing data tests are the gate."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from conftest import FIXTURES, RunCli, dexcom_csv, query

pytestmark = pytest.mark.slow  # each build starts dbt (~8 s)


def test_build_on_an_empty_lake_builds_every_model(run_cli: RunCli) -> None:
    run_cli("init")
    proc = run_cli("--format", "json", "build")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["success"] is True
    models = {n["name"] for n in result["nodes"] if n["resource_type"] == "model"}
    assert {"stg_silver__workouts", "int_calendar_spine", "daily_summary"} <= models


def test_build_joins_sources_per_day(run_cli: RunCli, lake: Path, tmp_path: Path) -> None:
    run_cli("ingest", FIXTURES / "peloton", FIXTURES / "oura", "--tz", "America/New_York")
    dexcom_csv(tmp_path / "clarity.csv", datetime(2024, 1, 10, 0, 0), 288)
    run_cli("ingest", tmp_path / "clarity.csv", "--tz", "America/New_York")
    proc = run_cli("build")
    assert proc.returncode == 0, proc.stderr
    assert "passed, 0 failed" in proc.stdout
    [(readings, mean, tir)] = query(
        lake,
        "SELECT glucose_readings, glucose_mean_mgdl, tir_70_180_pct FROM gold.daily_summary "
        "WHERE date_day = DATE '2024-01-10'",
    )
    # values 70 + (minute of day % 150): hand-computed over one day of 5-minute readings
    values = [70 + (m % 150) for m in range(0, 24 * 60, 5)]
    assert readings == len(values) == 288
    assert mean == pytest.approx(sum(values) / len(values))
    assert tir == pytest.approx(100 * sum(70 <= v <= 180 for v in values) / len(values))
    days = query(lake, "SELECT count(*), count(DISTINCT date_day) FROM gold.daily_summary")[0]
    assert days[0] == days[1]  # one row per subject and day


def test_gate_stops_downstream_models_on_a_bad_row(run_cli: RunCli, lake: Path, tmp_path: Path) -> None:
    # 700 mg/dL passes silver's plausibility check (10–1000) but not the gate's CGM range (20–600)
    dexcom_csv(tmp_path / "clarity.csv", datetime(2024, 1, 10, 0, 0), 12, bad=(5, "700"))
    run_cli("ingest", tmp_path / "clarity.csv", "--tz", "UTC")
    proc = run_cli("build")
    assert proc.returncode == 1
    assert "stg_silver__glucose_readings__checks" in proc.stdout  # the failing test
    assert "accepted_range(glucose_mgdl, 20..600): 1 row" in proc.stdout  # its failing rule
    assert "700" in proc.stdout  # an example failing row is shown
    assert proc.stderr.startswith("error: gate failed")
    tables = {
        r[0]
        for r in query(lake, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gold'")
    }
    assert "daily_summary" not in tables  # nothing downstream of the failing test was built
