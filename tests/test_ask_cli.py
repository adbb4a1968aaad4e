"""``biolake ask`` end to end: JSON keys, declines, bad input, the query log, interactive mode, Claude
through the local Messages API server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from anthropic_stub import MessagesStub, message
from biolake.lake.logs import read_log
from biolake.lake.paths import LakePaths
from conftest import RunCli, assert_one_error_line, biolake_cmd, clean_env, snapshot

PIN = {"BIOLAKE_TODAY": "2026-11-14", "ANTHROPIC_API_KEY": None}


@pytest.fixture(scope="module")
def lake(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    copy = tmp_path_factory.mktemp("ask") / "lake"
    shutil.copytree(demo_lake, copy)
    return copy


def test_json_answer_and_log(lake: Path) -> None:
    proc = RunCli(lake)(
        "--format", "json", "ask", "--offline", "What was my average readiness last week?", env=PIN
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {"question", "engine", "sql", "columns", "rows", "answer", "confidence"} <= set(doc)
    assert doc["engine"] == "offline" and doc["today"] == "2026-11-14" and len(doc["rows"]) == 1
    logged = read_log(LakePaths.at(lake), "ask")[-1]
    assert logged["status"] == "answered" and logged["row_count"] == 1 and logged["sql"] == doc["sql"]


def test_table_output_with_sql(lake: Path) -> None:
    proc = RunCli(lake)(
        "ask", "--offline", "--show-sql", "Show days my readiness dropped below 70 last month", env=PIN
    )
    assert proc.returncode == 0 and "readiness score was below 70" in proc.stdout and "SELECT" in proc.stdout


@pytest.mark.slow
def test_decline_and_bad_input_execute_nothing(lake: Path) -> None:
    run = RunCli(lake)
    proc = run("ask", "--offline", "What is my blood pressure? ; DROP TABLE gold.daily_summary", env=PIN)
    assert proc.returncode == 1 and "no blood pressure" in proc.stdout
    before = snapshot(lake)
    assert_one_error_line(run("ask", "", env=PIN), "empty")
    assert_one_error_line(run("ask", "x" * 10_240, env=PIN), "too long")
    assert_one_error_line(run("ask", "--today", "soon", "steps", env=PIN), "--today")
    assert snapshot(lake) == before


def test_interactive_mode(lake: Path) -> None:
    env = clean_env(BIOLAKE_TODAY="2026-11-14")
    env.pop("ANTHROPIC_API_KEY", None)
    proc = subprocess.run(
        biolake_cmd("ask", "--offline", lake=lake),
        input="average steps last week\nbest temperature\nquit\nnever asked\n",
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "steps was" in proc.stdout and "ambiguous" in proc.stdout and "never" not in proc.stdout
    history = (lake / "state" / "ask_history").read_text().splitlines()
    assert history[-2:] == ["average steps last week", "best temperature"]


def test_schema_listing_and_missing_lake(lake: Path, tmp_path: Path) -> None:
    proc = RunCli(lake)("--format", "json", "ask", "--schema", env=PIN)
    relations = {row["relation"] for row in json.loads(proc.stdout)}
    assert "gold.daily_summary" in relations and "intermediate.int_workouts_stress" in relations
    assert not any(r.startswith("main.") for r in relations)
    assert_one_error_line(RunCli(tmp_path / "nowhere")("ask", "--offline", "steps today", env=PIN), "build")


@pytest.mark.slow
def test_claude_through_the_stub(lake: Path) -> None:
    body = {"answerable": True, "sql": "SELECT max(steps) AS most FROM gold.daily_summary WHERE subject_id = 'me'",  # noqa: E501
            "explanation": "max steps", "assumptions": [], "confidence": 0.8}  # fmt: skip
    with MessagesStub() as stub:
        stub.push(message(json.dumps(body)), message("Your best day had 17,000 steps."))
        proc = RunCli(lake)(
            "--format", "json", "ask", "most steps ever?", env={**stub.env(), "BIOLAKE_TODAY": "2026-11-14"}
        )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (
        doc["engine"] == "claude" and doc["answer"].startswith("Your best day") and doc["confidence"] == 0.8
    )
