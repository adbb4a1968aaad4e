"""Bronze → silver: run a source's mapping SQL and shape the result to the silver contract."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import duckdb

from biolake.lake.schema import Entity, entity
from biolake.sources.base import ParseContext, SilverMapping

_PLACEHOLDER = re.compile(r"\{bronze(?::([a-z_]+))?\}")


def set_context(con: duckdb.DuckDBPyConnection, ctx: ParseContext) -> None:
    """Expose the parse context to mapping SQL as ``getvariable('subject'|'tz'|'units')``."""
    con.execute("SET VARIABLE subject = ?", [ctx.subject])
    con.execute("SET VARIABLE tz = ?", [ctx.timezone])
    con.execute("SET VARIABLE units = ?", [ctx.units])


def mapping_sql(mapping: SilverMapping, relation: Callable[[str], str]) -> str:
    """The mapping's SQL with ``{bronze}`` / ``{bronze:<entity>}`` replaced by ``relation(entity)``."""
    return _PLACEHOLDER.sub(lambda m: relation(m.group(1) or mapping.bronze), mapping.sql)


PROBLEM = "_problem"


def contract_sql(ent: Entity, query: str, produced: Iterable[str], lineage: dict[str, str]) -> str:
    """``query`` projected onto the entity's columns in contract order, cast to contract types;
    columns the query lacks become NULL, lineage columns come from ``lineage`` (SQL literals).

    A mapping may also return ``_problem``: text saying why a row is bad (the row is quarantined with
    it), NULL for a good row. It is passed through as the last column."""
    have = set(produced)
    extra = have - set(ent.column_names) - {PROBLEM}
    if extra:
        raise ValueError(f"mapping for {ent.name} returns columns outside the contract: {sorted(extra)}")
    select = []
    for name, sql_type in ent.all_columns:
        if name in lineage:
            expr = lineage[name]
        elif name in have:
            expr = f'"{name}"'
        else:
            expr = "NULL"
        select.append(f'CAST({expr} AS {sql_type}) AS "{name}"')
    select.append(f"CAST({PROBLEM if PROBLEM in have else 'NULL'} AS VARCHAR) AS {PROBLEM}")
    return f"SELECT {', '.join(select)} FROM ({query})"


def silver_relation(
    con: duckdb.DuckDBPyConnection,
    mapping: SilverMapping,
    relation: Callable[[str], str],
    lineage: dict[str, str],
) -> str:
    """SQL producing the silver rows of one mapping (contract-shaped, lineage stamped)."""
    query = mapping_sql(mapping, relation)
    produced = [row[0] for row in con.execute(f"DESCRIBE {query}").fetchall()]
    return contract_sql(entity(mapping.silver), query, produced, lineage)


def lineage_literals(source: str, file_sha256: str, ingested_at_iso: str) -> dict[str, str]:
    """SQL literals for the lineage columns."""
    return {
        "_source": f"'{source}'",
        "_file_sha256": f"'{file_sha256}'",
        "_ingested_at": f"TIMESTAMPTZ '{ingested_at_iso}'",
    }
