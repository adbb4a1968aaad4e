"""The CLI as users and scripts see it: help, exit codes, JSON/CSV output, options and settings."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer

import biolake
from biolake.cli.app import app
from biolake.lake.lock import lake_lock
from conftest import (
    DEXCOM_G7,
    HK_SIMONW,
    RunCli,
    assert_one_error_line,
    dexcom_csv,
    lib_ingest,
    query,
    snapshot,
)

COMMANDS = (
    *("init", "ingest", "status", "sql", "rebuild", "log", "demo", "build", "run", "docs", "pull"),
    *("glucose", "insights", "experiment", "whatif", "ml", "ask", "report", "alerts", "briefing"),
    *("schedule", "export", "sync"),
)
INGEST_KEYS = {"file", "status", "source", "rows_new", "rows_duplicate", "rows_quarantined", "entities"}
STATUS_KEYS = {"entity", "rows", "subjects", "first", "last", "last_import", "freshness_days"}


def json_out(proc: Any) -> Any:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def filled(lake: Path) -> Path:
    """A lake with one Apple Health and one Dexcom import."""
    lib_ingest(lake, HK_SIMONW, DEXCOM_G7)
    return lake


# --- help and version ----------------------------------------------------------------------------


def _registered() -> dict[str, Any]:
    """Name → command object of every command registered on the root Typer app."""
    group = typer.main.get_command(app)
    commands = getattr(group, "commands", None)
    assert isinstance(commands, dict), group
    return dict(commands)


def test_every_command_is_registered_and_documented() -> None:
    commands = _registered()
    assert set(COMMANDS) <= set(commands)
    for name, command in commands.items():
        assert (command.help or "").strip(), f"{name} has no help text"
        for param in command.params:
            if param.name == "help":
                continue
            assert (getattr(param, "help", None) or "").strip(), f"{name}: {param.name} has no help text"


@pytest.mark.parametrize("name", sorted(_registered()))
def test_command_help(name: str, run_cli: RunCli) -> None:
    proc = run_cli(name, "--help", lake=None)
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout and name in proc.stdout
    summary = " ".join((_registered()[name].help or "").split())[:40]
    assert summary in " ".join(proc.stdout.split()), proc.stdout


def test_root_help_lists_commands_and_global_options(run_cli: RunCli) -> None:
    proc = run_cli("--help", lake=None)
    assert proc.returncode == 0
    for word in (*COMMANDS, "--lake", "--format", "--quiet", "--version", "--config"):
        assert word in proc.stdout, word


def test_version(run_cli: RunCli) -> None:
    proc = run_cli("--version", lake=None)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"biolake {biolake.__version__}"


def test_usage_error_exit_code(run_cli: RunCli) -> None:
    proc = run_cli("ingest", "--no-such-option", "x.csv")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "--no-such-option" in proc.stderr


# --- status --------------------------------------------------------------------------------------


def test_status_json(filled: Path, run_cli: RunCli) -> None:
    rows = json_out(run_cli("--format", "json", "status"))
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) >= STATUS_KEYS, row
    by_entity = {r["entity"]: r for r in rows}
    assert {"glucose_readings", "cgm_events", "measurements", "workouts", "activity_daily"} <= set(by_entity)
    glucose = by_entity["glucose_readings"]
    assert glucose["rows"] == 7 and glucose["subjects"] == 1
    assert datetime.fromisoformat(glucose["first"]) == datetime.fromisoformat("2025-03-01T07:55:12+00:00")
    assert datetime.fromisoformat(glucose["last"]) == datetime.fromisoformat("2025-03-01T08:25:12+00:00")
    assert datetime.fromisoformat(glucose["last_import"]).year >= 2025
    assert isinstance(glucose["freshness_days"], float) and glucose["freshness_days"] > 0
    assert by_entity["activity_daily"]["first"] == "2016-11-15"
    for row in rows:
        [(n,)] = query(filled, f"SELECT count(*) FROM {row['entity']}")
        assert row["rows"] == n


def test_status_of_an_empty_lake(lake: Path, run_cli: RunCli) -> None:
    assert run_cli("init").returncode == 0
    assert json_out(run_cli("--format", "json", "status")) == []
    table = run_cli("status")
    assert table.returncode == 0 and "empty" in table.stderr


def test_status_table_and_csv(filled: Path, run_cli: RunCli) -> None:
    table = run_cli("status")
    assert table.returncode == 0 and "glucose_readings" in table.stdout and "freshness_days" in table.stdout
    rows = list(csv.DictReader(io.StringIO(run_cli("--format", "csv", "status").stdout)))
    assert set(rows[0]) >= STATUS_KEYS
    assert {r["entity"]: r["rows"] for r in rows}["glucose_readings"] == "7"


# --- sql -----------------------------------------------------------------------------------------

GLUCOSE_SQL = "SELECT local_ts, glucose_mgdl, censored FROM glucose_readings ORDER BY ts_utc LIMIT 3"


def test_sql_json(filled: Path, run_cli: RunCli) -> None:
    rows = json_out(run_cli("--format", "json", "sql", GLUCOSE_SQL))
    assert rows == [
        {"local_ts": "2025-03-01T07:55:12", "glucose_mgdl": 112.0, "censored": None},
        {"local_ts": "2025-03-01T08:00:12", "glucose_mgdl": 400.0, "censored": "high"},
        {"local_ts": "2025-03-01T08:05:12", "glucose_mgdl": 398.0, "censored": None},
    ]
    assert json_out(run_cli("--format", "json", "sql", "SELECT 1 AS a WHERE false")) == []


def test_sql_csv(filled: Path, run_cli: RunCli) -> None:
    proc = run_cli("--format", "csv", "sql", GLUCOSE_SQL)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows == [
        ["local_ts", "glucose_mgdl", "censored"],
        ["2025-03-01T07:55:12", "112.0", ""],
        ["2025-03-01T08:00:12", "400.0", "high"],
        ["2025-03-01T08:05:12", "398.0", ""],
    ]
    header_only = run_cli("--format", "csv", "sql", "SELECT 1 AS a, 2 AS b WHERE false")
    assert header_only.stdout.splitlines() == ["a,b"]


def test_sql_table(filled: Path, run_cli: RunCli) -> None:
    proc = run_cli("sql", "SELECT metric, count(*) AS n FROM measurements GROUP BY ALL ORDER BY 1")
    assert proc.returncode == 0, proc.stderr
    assert "metric" in proc.stdout and "heart_rate" in proc.stdout
    assert proc.stderr == ""


def test_sql_reads_catalog_views(filled: Path, run_cli: RunCli) -> None:
    log = json_out(
        run_cli("--format", "json", "sql", "SELECT source, rows_new FROM ingestion_log ORDER BY 1")
    )
    assert [r["source"] for r in log] == ["apple_health", "dexcom"]
    bronze = json_out(run_cli("--format", "json", "sql", "SELECT count(*) AS n FROM bronze_dexcom__records"))
    assert bronze == [{"n": 25}]


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("DROP VIEW glucose_readings", ("DROP",)),
        ("COPY (SELECT * FROM glucose_readings) TO '{out}'", ("COPY",)),
        ("COPY glucose_readings TO '{out}' (FORMAT parquet)", ("COPY",)),
        ("CREATE TABLE t AS SELECT * FROM glucose_readings", ("CREATE",)),
        ("INSERT INTO glucose_readings SELECT * FROM glucose_readings", ("INSERT",)),
        ("ATTACH '{out}' AS other", ("ATTACH",)),
        ("SELECT 1; SELECT 2", ("2 statements",)),
        ("SELECT 1; DROP VIEW glucose_readings", ("2 statements",)),
        ("SELEC 1", ("parse",)),
        ("SELECT * FROM no_such_table", ("no_such_table",)),
    ],
    ids=[
        "drop",
        "copy_to",
        "copy_table",
        "create",
        "insert",
        "attach",
        "two_selects",
        "select_then_drop",
        "syntax",
        "unknown_table",
    ],
)
def test_sql_refuses_writes_and_bad_queries(
    statement: str, words: tuple[str, ...], filled: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    out = tmp_path / "leak.out"
    before = snapshot(filled)
    proc = run_cli("sql", statement.format(out=out))
    assert_one_error_line(proc, *words)
    assert proc.stdout == ""
    assert not out.exists()
    assert snapshot(filled) == before


def test_sql_refuses_explain_analyze_of_a_write(filled: Path, run_cli: RunCli) -> None:
    planted = filled / "silver" / "glucose_readings" / "planted.parquet"
    before = snapshot(filled)
    proc = run_cli("sql", f"EXPLAIN ANALYZE COPY (SELECT 42 AS x) TO '{planted}' (FORMAT parquet)")
    assert not planted.exists()
    assert snapshot(filled) == before
    assert_one_error_line(proc, "read-only")


def test_plain_explain_is_allowed(filled: Path, run_cli: RunCli) -> None:
    proc = run_cli("sql", "EXPLAIN SELECT count(*) FROM glucose_readings")
    assert proc.returncode == 0, proc.stderr


# --- ingest --------------------------------------------------------------------------------------


def test_ingest_json_shape(lake: Path, run_cli: RunCli) -> None:
    results = json_out(run_cli("--format", "json", "ingest", DEXCOM_G7, HK_SIMONW))
    assert [Path(r["file"]).name for r in results] == [DEXCOM_G7.name, HK_SIMONW.name]
    for r in results:
        assert set(r) >= INGEST_KEYS
        assert r["status"] == "imported" and r["error"] is None
        assert len(r["sha256"]) == 64
        for counts in r["entities"].values():
            assert set(counts) == {"new", "duplicate", "quarantined", "folded"}
        assert r["rows_new"] == sum(c["new"] for c in r["entities"].values())
        assert r["rows_duplicate"] == sum(c["duplicate"] for c in r["entities"].values())
    dexcom, health = results
    assert dexcom["source"] == "dexcom" and health["source"] == "apple_health"
    assert dexcom["entities"] == {
        "glucose_readings": {"new": 7, "duplicate": 0, "quarantined": 0, "folded": 0},
        "cgm_events": {"new": 6, "duplicate": 0, "quarantined": 0, "folded": 0},
    }
    assert (dexcom["rows_new"], dexcom["rows_duplicate"], dexcom["rows_quarantined"]) == (13, 0, 0)


def test_ingest_table_summary_and_quiet(lake: Path, run_cli: RunCli) -> None:
    proc = run_cli("ingest", DEXCOM_G7)
    assert proc.returncode == 0 and proc.stderr == ""
    assert "glucose_readings" in proc.stdout and "imported" in proc.stdout
    quiet = run_cli("--quiet", "ingest", HK_SIMONW)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_source_override(lake: Path, run_cli: RunCli) -> None:
    # forcing the wrong source proves the override is used instead of detection
    wrong = run_cli("ingest", "--source", "cgm_generic", DEXCOM_G7)
    assert_one_error_line(wrong, DEXCOM_G7.name, "missing required column 'id'")
    [right] = json_out(run_cli("--format", "json", "ingest", "--source", "dexcom", DEXCOM_G7))
    assert right["source"] == "dexcom" and right["rows_new"] == 13


def test_unknown_source(lake: Path, run_cli: RunCli) -> None:
    proc = run_cli("ingest", "--source", "fitbit", DEXCOM_G7)
    line = assert_one_error_line(proc, "fitbit")
    for name in ("apple_health", "dexcom", "libreview", "cgm_generic"):
        assert name in line
    assert not lake.exists()


def test_subject_and_tz(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    # readings every 12 h across the start of US daylight time (2024-03-10 02:00 local)
    path = dexcom_csv(tmp_path / "clarity.csv", datetime(2024, 3, 9), 6, step_min=12 * 60)
    json_out(run_cli("--format", "json", "ingest", "--subject", "p7", "--tz", "America/New_York", path))
    rows = query(
        lake,
        "SELECT subject_id, CAST(local_ts AS VARCHAR), "
        "date_diff('minute', local_ts, CAST(ts_utc AS TIMESTAMP)) / 60 "
        "FROM glucose_readings ORDER BY ts_utc",
    )
    assert rows == [
        ("p7", "2024-03-09 00:00:00", 5.0),
        ("p7", "2024-03-09 12:00:00", 5.0),
        ("p7", "2024-03-10 00:00:00", 5.0),
        ("p7", "2024-03-10 12:00:00", 4.0),
        ("p7", "2024-03-11 00:00:00", 4.0),
        ("p7", "2024-03-11 12:00:00", 4.0),
    ]
    [entry] = json_out(run_cli("--format", "json", "log"))
    assert entry["subject"] == "p7"
    [(tz,)] = query(lake, "SELECT timezone FROM ingestion_log")
    assert tz == "America/New_York"


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [("--tz", "Mars/Olympus", ("Mars/Olympus", "time zone")), ("--subject", " ", ("subject",))],
)
def test_bad_option_values(
    option: str, value: str, words: tuple[str, ...], lake: Path, run_cli: RunCli
) -> None:
    proc = run_cli("ingest", option, value, DEXCOM_G7)
    assert_one_error_line(proc, *words)
    assert not (lake / "silver").exists()


# --- log -----------------------------------------------------------------------------------------


def test_log_lists_imports(lake: Path, run_cli: RunCli) -> None:
    assert run_cli("log").stderr.strip() == "no imports yet"
    lib_ingest(lake, DEXCOM_G7)
    lib_ingest(lake, HK_SIMONW)
    entries = json_out(run_cli("--format", "json", "log"))
    assert [Path(e["file"]).name for e in entries] == [DEXCOM_G7.name, HK_SIMONW.name]
    assert [e["source"] for e in entries] == ["dexcom", "apple_health"]
    assert entries[0]["rows_new"] == 13 and len(entries[0]["sha256"]) == 64
    assert {"ingest_id", "started_at", "subject", "rows_duplicate", "rows_quarantined"} <= set(entries[0])
    last = json_out(run_cli("--format", "json", "log", "--limit", "1"))
    assert [Path(e["file"]).name for e in last] == [HK_SIMONW.name]
    table = run_cli("log")
    assert table.returncode == 0 and table.stderr == ""
    assert "dexcom" in table.stdout and "apple_health" in table.stdout


def test_rebuild_table_output(filled: Path, run_cli: RunCli) -> None:
    proc = run_cli("rebuild")
    assert proc.returncode == 0, proc.stderr
    assert "glucose_readings" in proc.stdout


# --- init and settings ---------------------------------------------------------------------------


def test_init_writes_commented_config(lake: Path, run_cli: RunCli) -> None:
    proc = run_cli("init", env={"BIOLAKE_SUBJECT": "jane", "BIOLAKE_TZ": "Europe/Paris"})
    assert proc.returncode == 0, proc.stderr
    assert str(lake) in proc.stdout
    for folder in ("bronze/files", "silver", "quarantine", "log/ingestion"):
        assert (lake / folder).is_dir(), folder
    assert (lake / "biolake.duckdb").is_file()
    text = (lake / "biolake.toml").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert len(comments) >= 5
    settings = tomllib.loads(text)
    assert settings == {
        "subject": "jane",
        "timezone": "Europe/Paris",
        "units": "metric",
        "lock_timeout": 10.0,
    }
    # every setting is explained by the comment line just above it
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), line
    assert any("lake" in c for c in comments)
    # init again keeps the user's edits
    (lake / "biolake.toml").write_text(text.replace('"jane"', '"jo"'), encoding="utf-8")
    before = snapshot(lake)
    assert run_cli("--quiet", "init").returncode == 0
    assert snapshot(lake) == before


@pytest.mark.slow
def test_settings_precedence(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    """flag > BIOLAKE_* env > biolake.toml > default, seen in the rows an import writes."""
    work = tmp_path / "work"
    work.mkdir()
    assert run_cli("init", cwd=work).returncode == 0
    (lake / "biolake.toml").unlink()

    def ingest(*args: str, env: dict[str, str | None] | None = None) -> None:
        proc = run_cli("--format", "json", "ingest", *args, DEXCOM_G7, env=env, cwd=work)
        assert json_out(proc)[0]["status"] == "imported"

    ingest()  # defaults: subject 'me', the machine's zone (TZ=UTC)
    (lake / "biolake.toml").write_text('subject = "from_toml"\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    ingest()
    env = {"BIOLAKE_SUBJECT": "from_env", "BIOLAKE_TZ": "America/New_York"}
    ingest(env=env)
    ingest("--subject", "from_flag", "--tz", "Europe/Berlin", env=env)
    # ./biolake.toml (the working folder's) is read before the lake's
    (work / "biolake.toml").write_text('subject = "from_cwd_toml"\n', encoding="utf-8")
    ingest()

    offsets = query(
        lake,
        "SELECT subject_id, any_value(date_diff('minute', local_ts, CAST(ts_utc AS TIMESTAMP)))"
        " FROM glucose_readings GROUP BY ALL ORDER BY 1",
    )
    assert dict(offsets) == {
        "me": 0,
        "from_toml": -540,
        "from_env": 300,
        "from_flag": -60,
        "from_cwd_toml": 0,
    }


def test_lake_location_precedence(tmp_path: Path, run_cli: RunCli) -> None:
    work = tmp_path / "work"
    work.mkdir()

    def init(*args: str, env: dict[str, str | None] | None = None) -> None:
        proc = run_cli(*args, "--quiet", "init", env=env, lake=None, cwd=work)
        assert proc.returncode == 0, proc.stderr

    init()
    assert (work / "lake" / "biolake.toml").is_file()
    (work / "biolake.toml").write_text('lake = "from_toml"\n', encoding="utf-8")
    init()
    assert (work / "from_toml" / "biolake.duckdb").is_file()
    init(env={"BIOLAKE_HOME": str(tmp_path / "from_env")})
    assert (tmp_path / "from_env" / "biolake.duckdb").is_file()
    init("--lake", str(tmp_path / "from_flag"), env={"BIOLAKE_HOME": str(tmp_path / "from_env2")})
    assert (tmp_path / "from_flag" / "biolake.duckdb").is_file()
    assert not (tmp_path / "from_env2").exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("subject = [\n", ("not valid TOML",)),
        ('colour = "blue"\n', ("unknown setting", "colour")),
        ('timezone = "Nowhere/Special"\n', ("Nowhere/Special",)),
        ('units = "furlongs"\n', ("furlongs",)),
        ('lock_timeout = "soon"\n', ("lock_timeout",)),
    ],
    ids=["syntax", "unknown_key", "bad_zone", "bad_units", "bad_timeout"],
)
def test_bad_config_file(content: str, words: tuple[str, ...], lake: Path, run_cli: RunCli) -> None:
    lib_ingest(lake, DEXCOM_G7)
    (lake / "biolake.toml").write_text(content, encoding="utf-8")
    before = snapshot(lake)
    proc = run_cli("ingest", HK_SIMONW)
    assert_one_error_line(proc, "biolake.toml", *words)
    assert snapshot(lake) == before


def test_bad_config_file_stops_every_command(lake: Path, run_cli: RunCli) -> None:
    lib_ingest(lake, DEXCOM_G7)
    (lake / "biolake.toml").write_text("subject = [\n", encoding="utf-8")
    for args in (("status",), ("sql", "SELECT 1"), ("log",), ("rebuild",)):
        assert_one_error_line(run_cli(*args), "biolake.toml", "not valid TOML")


def test_missing_config_flag(lake: Path, tmp_path: Path, run_cli: RunCli) -> None:
    proc = run_cli("--config", tmp_path / "nope.toml", "status")
    assert_one_error_line(proc, "nope.toml", "not found")


# --- the lake lock -------------------------------------------------------------------------------


def test_busy_lake(lake: Path, run_cli: RunCli) -> None:
    lib_ingest(lake, DEXCOM_G7)
    before = snapshot(lake)
    with lake_lock(lake / ".lock", 0):
        started = time.monotonic()
        proc = run_cli("ingest", HK_SIMONW, env={"BIOLAKE_LOCK_TIMEOUT": "0.5"})
        waited = time.monotonic() - started
        rebuild = run_cli("rebuild", env={"BIOLAKE_LOCK_TIMEOUT": "0"})
        reader = run_cli("--format", "json", "sql", "SELECT count(*) AS n FROM glucose_readings")
    assert_one_error_line(proc, "busy", str(lake))
    assert waited >= 0.5
    assert_one_error_line(rebuild, "busy")
    assert json_out(reader) == [{"n": 7}]  # readers are not blocked
    assert snapshot(lake) == before
    # once the lock is released, the same import goes through
    assert run_cli("ingest", HK_SIMONW).returncode == 0


# --- known defects -------------------------------------------------------------------------------


def test_lake_path_with_spaces_and_quotes(tmp_path: Path, run_cli: RunCli) -> None:
    odd = tmp_path / "Jane's health lake"
    proc = run_cli("--quiet", "ingest", DEXCOM_G7, HK_SIMONW, lake=odd)
    assert proc.returncode == 0, proc.stderr
    assert json_out(
        run_cli("--format", "json", "sql", "SELECT count(*) AS n FROM glucose_readings", lake=odd)
    ) == [{"n": 7}]
    assert run_cli("--quiet", "rebuild", lake=odd).returncode == 0


def test_lake_path_with_glob_characters(tmp_path: Path, run_cli: RunCli) -> None:
    odd = tmp_path / "health [2024]" / "lake"
    proc = run_cli("--quiet", "ingest", DEXCOM_G7, lake=odd)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert json_out(
        run_cli("--format", "json", "sql", "SELECT count(*) AS n FROM glucose_readings", lake=odd)
    ) == [{"n": 7}]


def test_status_and_sql_while_the_catalog_is_open_elsewhere(filled: Path, run_cli: RunCli) -> None:
    holder = duckdb.connect(str(filled / "biolake.duckdb"))
    try:
        status = run_cli("--format", "json", "status")
        sql = run_cli("--format", "json", "sql", "SELECT count(*) AS n FROM glucose_readings")
    finally:
        holder.close()
    for proc in (status, sql):
        assert "Traceback" not in proc.stderr, proc.stderr[-400:]
        if proc.returncode:
            assert_one_error_line(proc, "biolake.duckdb")
    assert json.loads(sql.stdout) == [{"n": 7}]


def test_startup_imports_no_heavy_library() -> None:
    """`biolake --help` stays instant: loading the CLI imports none of the heavy libraries."""
    heavy = "numpy scipy pandas sklearn lightgbm statsmodels anthropic weasyprint matplotlib dbt pyarrow"
    heavy += " duckdb boto3 botocore sqlglot fhir jinja2 yaml"
    code = f"import sys, biolake.cli.app\nprint(' '.join(m for m in {heavy.split()!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"imported at start-up: {proc.stdout.strip()}"
