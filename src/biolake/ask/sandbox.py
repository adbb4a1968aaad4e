"""Where questions run: a read-only connection to the catalog that can read only materialized tables.

The connection is opened ``read_only`` with ``enable_external_access = false`` (no files, no URLs, no
extension loading) and then ``lock_configuration = true``, so no statement can loosen it; queries get a
row limit and a timeout (``interrupt()`` from a timer thread).

What questions may read: every gold table (the glucose marts among them: glucose_daily,
glucose_period_summary, glucose_episodes, glucose_agp, meal_glucose_response) plus one intermediate table
at finer grain (:data:`EXTRA_RELATIONS`: one row per workout). These are real tables in
``<lake>/biolake.duckdb``. Silver views read Parquet files and cannot work without external access, so
silver is not exposed: everything the questions need is in gold already, and copying silver into a
snapshot would duplicate the lake for no gain."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb

from biolake.ask.safety import validate
from biolake.errors import QueryError
from biolake.lake.paths import LakePaths

GOLD = "gold"
EXTRA_RELATIONS = {"intermediate": ("int_workouts_stress",)}
ROW_LIMIT = 1000
TIMEOUT_S = 10.0


@dataclass
class SandboxResult:
    """Columns and rows of one query (``truncated`` when the row limit cut it), and how long it took."""

    sql: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    seconds: float = 0.0

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class Sandbox:
    """``with Sandbox(paths) as box: box.run(sql)``: validate, then run on the locked connection."""

    paths: LakePaths
    row_limit: int = ROW_LIMIT
    timeout: float = TIMEOUT_S
    relations: dict[str, str] = field(default_factory=dict)  # bare name -> schema.name
    _con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> Sandbox:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        if self._con is not None:
            return
        if not self.paths.catalog.is_file():
            raise QueryError(f"no lake catalog at {self.paths.catalog}: import data and run 'biolake build'")
        try:
            con = duckdb.connect(
                str(self.paths.catalog),
                read_only=True,
                config={"enable_external_access": False, "threads": 2, "memory_limit": "512MB"},
            )
        except duckdb.Error as exc:
            raise QueryError(
                f"cannot open the lake catalog read-only ({str(exc).splitlines()[0]}); "
                "is a build running? try again when it ends"
            ) from None
        self.relations = _exposed(con)
        if not any(q.startswith(GOLD + ".") for q in self.relations.values()):
            con.close()
            raise QueryError("the lake has no gold tables yet: run 'biolake build' first")
        schemas = ",".join([GOLD, *EXTRA_RELATIONS])
        con.execute(f"SET search_path = '{schemas}'")
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET lock_configuration = true")
        self._con = con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def allowed(self) -> set[str]:
        """Names SQL may use: each relation bare and schema-qualified."""
        return set(self.relations) | set(self.relations.values())

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        self.open()
        assert self._con is not None
        return self._con

    def run(self, sql: str) -> SandboxResult:
        """Validate ``sql`` against the allowlist, run it with the row limit and the timeout."""
        con = self.connection
        checked = validate(sql, self.allowed)
        timer = threading.Timer(self.timeout, con.interrupt)
        start = time.perf_counter()
        timer.start()
        try:
            cursor = con.execute(checked)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchmany(self.row_limit + 1)
        except duckdb.InterruptException:
            raise QueryError(f"the query took longer than {self.timeout:g} s and was stopped") from None
        except duckdb.Error as exc:
            if not timer.is_alive():
                raise QueryError(f"the query took longer than {self.timeout:g} s and was stopped") from None
            raise QueryError(str(exc).splitlines()[0]) from None
        finally:
            timer.cancel()
        truncated = len(rows) > self.row_limit
        return SandboxResult(checked, columns, rows[: self.row_limit], truncated, time.perf_counter() - start)


def _exposed(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema IN (SELECT unnest($schemas)) "
        "ORDER BY table_schema = 'gold' DESC, table_name",
        {"schemas": [GOLD, *EXTRA_RELATIONS]},
    ).fetchall()
    out: dict[str, str] = {}
    for schema, name in rows:
        if schema == GOLD or name in EXTRA_RELATIONS.get(schema, ()):
            out.setdefault(name.lower(), f"{schema}.{name}".lower())
    return out
