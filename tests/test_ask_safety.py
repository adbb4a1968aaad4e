"""The safety layer and the sandbox against hostile SQL: nothing outside the allowlist parses as
acceptable, and the engine-side guard holds even for SQL that skips the validator."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from biolake.ask.safety import UnsafeSQL, validate
from biolake.ask.sandbox import Sandbox
from biolake.errors import QueryError
from biolake.lake.paths import LakePaths

ALLOWED = {"daily_summary", "gold.daily_summary", "int_workouts_stress", "intermediate.int_workouts_stress"}

HOSTILE = {
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_csv_auto scalar": "SELECT (SELECT count(*) FROM read_csv_auto('/etc/passwd'))",
    "read_text": "SELECT read_text('/etc/passwd')",
    "parquet path": "SELECT * FROM '/tmp/x.parquet'",
    "s3 table name": "SELECT * FROM 's3://bucket/key.parquet'",
    "http table name": 'SELECT * FROM "https://example.com/x.csv"',
    "glob": "SELECT * FROM glob('/etc/*')",
    "attach": "ATTACH '/tmp/evil.duckdb' AS evil",
    "detach": "DETACH evil",
    "copy out": "COPY gold.daily_summary TO '/tmp/out.csv'",
    "copy select": "COPY (SELECT 1) TO '/tmp/out.csv'",
    "pragma": "PRAGMA database_list",
    "set": "SET enable_external_access = true",
    "reset": "RESET lock_configuration",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "create": "CREATE TABLE t AS SELECT 1",
    "temp view": "CREATE TEMP VIEW v AS SELECT * FROM daily_summary",
    "insert": "INSERT INTO daily_summary VALUES (1)",
    "delete": "DELETE FROM daily_summary",
    "update": "UPDATE daily_summary SET steps = 0",
    "drop": "DROP TABLE gold.daily_summary",
    "two statements": "SELECT 1; SELECT 2",
    "select then drop": "SELECT * FROM daily_summary; DROP TABLE gold.daily_summary",
    "comment trick": "SELECT 1 --\n; DROP TABLE x",
    "cte shadowing a forbidden read": "WITH daily_summary AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM daily_summary",  # noqa: E501
    "cte shadowing silver": "WITH daily_summary AS (SELECT * FROM main.workouts) SELECT * FROM daily_summary",
    "cte out of scope": "SELECT * FROM (WITH w AS (SELECT 1) SELECT * FROM w) AS a, w",
    "silver view": "SELECT * FROM workouts",
    "information_schema": "SELECT * FROM information_schema.tables",
    "duckdb_settings": "SELECT * FROM duckdb_settings()",
    "duckdb_tables": "SELECT * FROM duckdb_tables()",
    "pragma function": "SELECT * FROM pragma_table_info('daily_summary')",
    "current_setting": "SELECT current_setting('enable_external_access')",
    "getenv": "SELECT getenv('ANTHROPIC_API_KEY')",
    "query function": "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')",
    "three-part name": "SELECT * FROM biolake.gold.daily_summary",
    "other schema": "SELECT * FROM main.daily_scores",
    "explain analyze": "EXPLAIN ANALYZE SELECT 1",
    "describe": "DESCRIBE daily_summary",
    "summarize": "SUMMARIZE daily_summary",
    "checkpoint": "CHECKPOINT",
    "export": "EXPORT DATABASE '/tmp/x'",
    "begin": "BEGIN TRANSACTION",
    "list bomb": "SELECT len(range(30000000))",
    "series table": "SELECT count(*) FROM generate_series(1, 3000000000)",
    "string bomb": "SELECT length(repeat('x', 300000000))",
    "pad bomb": "SELECT lpad('x', 1000000000, 'y')",
    "empty": "   ",
    "garbage": "SELEC * FRM x",
}


@pytest.mark.parametrize("sql", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_sql_is_rejected(sql: str) -> None:
    with pytest.raises(UnsafeSQL):
        validate(sql, ALLOWED)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT avg(readiness_score) FROM daily_summary WHERE subject_id = 'me'",
        "SELECT d.date_day FROM gold.daily_summary AS d JOIN intermediate.int_workouts_stress w "
        "ON w.local_date = d.date_day",
        "WITH last AS (SELECT * FROM gold.daily_summary) SELECT max(date_day) FROM last",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
        "SELECT * FROM daily_summary UNION ALL SELECT * FROM gold.daily_summary",
        "SELECT unnest([1, 2, 3])",
    ],
)
def test_read_only_queries_pass(sql: str) -> None:
    checked = validate(sql, ALLOWED)
    assert duckdb.extract_statements(checked)[0].type == duckdb.StatementType.SELECT


def test_too_long_sql() -> None:
    with pytest.raises(UnsafeSQL, match="too long"):
        validate("SELECT 1" + " " * 30_000, ALLOWED)


@pytest.fixture(scope="module")
def box(demo_lake: Path) -> Sandbox:
    sandbox = Sandbox(LakePaths.at(demo_lake), row_limit=50, timeout=1.0)
    sandbox.open()
    return sandbox


def test_sandbox_exposes_gold_and_the_workouts_table(box: Sandbox) -> None:
    assert "daily_summary" in box.relations and box.relations["daily_summary"] == "gold.daily_summary"
    assert {r for r in box.relations.values() if not r.startswith("gold.")} == {
        "intermediate.int_workouts_stress"
    }
    marts = (
        "glucose_daily",
        "glucose_period_summary",
        "glucose_episodes",
        "glucose_agp",
        "meal_glucose_response",
    )
    assert all(box.relations[m] == f"gold.{m}" for m in marts)  # the glucose marts (dbt Python models)
    assert box.run("SELECT count(*) FROM daily_summary").rows == [(366,)]


def test_engine_guard_holds_without_the_validator(box: Sandbox) -> None:
    """Even SQL sent straight to the connection cannot read files or loosen the settings."""
    con = box.connection
    with pytest.raises(duckdb.PermissionException):
        con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    with pytest.raises(duckdb.PermissionException):
        con.execute("SELECT count(*) FROM main.workouts").fetchall()  # silver: a view over Parquet files
    with pytest.raises(duckdb.Error, match="lock"):
        con.execute("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("CREATE TABLE gold.x AS SELECT 1")


def test_row_limit_and_timeout(box: Sandbox) -> None:
    result = box.run("SELECT * FROM daily_summary")
    assert len(result.rows) == 50 and result.truncated
    start = time.perf_counter()
    with pytest.raises(QueryError, match="longer than 1 s"):
        box.run("SELECT count(*) FROM daily_summary a, daily_summary b, daily_summary c, daily_summary d")
    assert time.perf_counter() - start < 5
    assert box.run("SELECT 1").rows == [(1,)]  # still usable after an interrupt
