"""`biolake run`: the daily pipeline's steps, their log, failure propagation; `biolake docs`."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from conftest import FIXTURES, RunCli, dexcom_csv, query

pytestmark = pytest.mark.slow  # builds run dbt


def steps(proc_stdout: str) -> dict[str, dict[str, object]]:
    return {r["step"]: r for r in json.loads(proc_stdout)}


def test_run_imports_the_inbox_builds_and_logs_each_step(run_cli: RunCli, lake: Path) -> None:
    inbox = lake / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(FIXTURES / "peloton" / "peloton_workouts_imperial_synthetic.csv", inbox)
    (inbox / "notes.csv").write_text("what,is,this\n1,2,3\n", encoding="utf-8")  # not an export

    first = run_cli("--format", "json", "run")
    assert first.returncode == 0, first.stderr
    ran = steps(first.stdout)
    assert ran["import"]["status"] == "warn" and "1 imported" in str(ran["import"]["detail"])
    assert "notes.csv" in str(ran["import"]["detail"])
    assert ran["build"]["status"] in ("ok", "warn")  # warn: the fixture's 2020 rides are not fresh
    assert query(lake, "SELECT count(*) FROM gold.daily_summary WHERE workouts > 0")[0][0] > 0

    again = run_cli("--format", "json", "run")
    assert again.returncode == 0
    assert "up to date" in str(steps(again.stdout)["build"]["detail"])
    logged = query(lake, "SELECT step, status FROM pipeline_runs ORDER BY started_at, step DESC")
    assert [s for s, _ in logged if s in ("import", "build")] == ["import", "build", "import", "build"]


def test_a_failing_gate_fails_the_run(run_cli: RunCli, lake: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "exports"
    inbox.mkdir()
    dexcom_csv(inbox / "clarity.csv", datetime(2024, 1, 10), 12, bad=(3, "700"))
    run_cli("init")
    (lake / "biolake.toml").write_text(
        f'timezone = "UTC"\n[pipeline]\ninbox = ["{inbox}"]\n', encoding="utf-8"
    )
    proc = run_cli("--quiet", "run")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: step build failed: gate failed")
    assert query(lake, "SELECT status FROM pipeline_runs WHERE step = 'build'") == [("failed",)]


def test_docs_is_one_html_file(run_cli: RunCli, lake: Path) -> None:
    run_cli("init")
    proc = run_cli("docs")
    assert proc.returncode == 0, proc.stderr
    page = lake / "docs" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "daily_summary" in html and "stg_silver__workouts" in html
