"""Read-only SQL over the catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from biolake.errors import QueryError
from biolake.lake.catalog import open_catalog
from biolake.lake.paths import LakePaths

ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
EXPLAIN_RE = re.compile(r"^\s*EXPLAIN\s+(ANALY[SZ]E\b)?", re.IGNORECASE)


@dataclass
class QueryResult:
    """Column names and rows of a query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def check_read_only(sql: str) -> None:
    """Accept exactly one SELECT (or EXPLAIN) statement; raise QueryError otherwise."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"cannot parse the query: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryError(f"give exactly one query (got {len(statements)} statements)")
    kind = statements[0].type
    if kind not in ALLOWED:
        raise QueryError(f"only read-only queries are allowed ({kind.name} is not)")
    if kind == duckdb.StatementType.EXPLAIN:  # pybind11 enum values are not singletons: no `is`
        match = EXPLAIN_RE.match(sql)
        if match is None or match.group(1):
            raise QueryError("only read-only queries are allowed (EXPLAIN ANALYZE runs what it explains)")
        check_read_only(sql[match.end() :])


def run_query(paths: LakePaths, sql: str) -> QueryResult:
    """Run one read-only query over the lake's catalog."""
    check_read_only(sql)
    return fetch_and_close(open_catalog(paths), sql)


def fetch_and_close(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """Run ``sql`` (already checked) on ``con``, then close it; DuckDB errors become one QueryError line."""
    try:
        rel = con.sql(sql)
        return QueryResult(list(rel.columns), rel.fetchall())
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    finally:
        con.close()
