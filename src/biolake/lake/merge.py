"""Silver writes: validate staged rows (bad ones to quarantine) and merge the rest on natural keys.

A merge rewrites only the partitions (years) the new rows touch: the existing rows of those partitions
and the new rows are deduplicated on the entity's key — the oldest copy wins for immutable samples,
the newest for values a later export revises — and written as new files for those partitions. The
deduplication runs in slices of the key's hash, so memory stays flat whatever the input size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from biolake.lake.catalog import sql_string
from biolake.lake.schema import Entity
from biolake.lake.staging import Staging

BUCKET_ROWS = 250_000  # rows deduplicated at once; bounds the merge's memory
# Row groups of 32k rows: writers buffer one per partition and thread, so this bounds memory (and is
# faster than DuckDB's default of 122,880 rows) while keeping min/max statistics useful.
PARQUET = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768"
WORK_PARQUET = "FORMAT parquet, COMPRESSION lz4, ROW_GROUP_SIZE 32768"  # temporary files: fast beats small


@dataclass
class EntityCounts:
    """Rows of one entity in one import."""

    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    folded: int = 0  # rows of the entity folded into another source's copy of the same fact (crosssource)


def reason_sql(ent: Entity) -> str:
    """SQL giving the first failed check's reason for a row, or NULL for a valid row."""
    if not ent.checks:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(f"WHEN {cond} THEN '{reason}'" for cond, reason in ent.checks)
    return f"CASE {whens} END"


def stage_rows(con: duckdb.DuckDBPyConnection, ent: Entity, silver_sql: str, out: Path) -> int:
    """Write contract-shaped rows with their ``_reason`` (the mapping's ``_problem`` or the first failed
    check) and partition value to ``out``; return the row count."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partition = ent.partition or "NULL"
    sql = (
        f"COPY (SELECT * EXCLUDE (_problem), coalesce(_problem, {reason_sql(ent)}) AS _reason, "
        f"CAST({partition} AS INTEGER) AS year FROM ({silver_sql})) TO {sql_string(out)} ({WORK_PARQUET})"
    )
    return _count(con, sql)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _hash_collisions(con: duckdb.DuckDBPyConnection, rows: str, key: str) -> bool:
    """Whether two of ``rows`` share a hash of ``key`` (then they may be duplicates; else they are not)."""
    sql = f"SELECT count(*) FROM (SELECT hash({key}) AS h FROM ({rows}) GROUP BY h HAVING count(*) > 1)"
    return _count(con, sql) > 0


def _existing_files(folder: Path, ent: Entity, years: list[int]) -> list[Path]:
    if not folder.is_dir():
        return []
    if ent.partition is None:
        return sorted(folder.glob("*.parquet"))
    return sorted(p for y in years for p in (folder / f"year={y}").glob("*.parquet"))


def merge_entity(
    con: duckdb.DuckDBPyConnection,
    ent: Entity,
    work_glob: str,  # a SQL string literal (see catalog.glob_literal)
    lake_folder: Path,
    staging: Staging,
    ingest_id: str,
    fresh: bool = False,
) -> EntityCounts:
    """Quarantine invalid staged rows of ``ent`` and merge the valid ones into its silver partitions
    (``fresh``: ignore what the lake holds, as a rebuild does)."""
    work = f"read_parquet({work_glob}, union_by_name = true)"
    counts = EntityCounts()
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE _reason IS NOT NULL), count(*) FILTER (WHERE _reason IS NULL), "
        f"list(DISTINCT year) FILTER (WHERE _reason IS NULL AND year IS NOT NULL) FROM {work}"
    ).fetchone()
    assert row is not None
    counts.quarantined, n_valid, years = int(row[0]), int(row[1]), list(row[2] or [])
    if counts.quarantined:
        quarantine = staging.mirror(staging.lake.quarantine / ent.name / f"{ingest_id}.parquet")
        quarantine.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY (SELECT * EXCLUDE (year) FROM {work} WHERE _reason IS NOT NULL) "
            f"TO {sql_string(quarantine)} ({PARQUET})"
        )
    if n_valid == 0:
        return counts

    columns = ", ".join(f'"{c}"' for c in ent.column_names)
    parts = [f"SELECT {columns}, year FROM {work} WHERE _reason IS NULL"]
    existing = [] if fresh else _existing_files(lake_folder, ent, years)
    n_existing = 0
    if existing:
        listing = "[" + ", ".join(sql_string(p) for p in existing) + "]"
        rel = f"read_parquet({listing}, hive_partitioning = true, union_by_name = true)"
        year = "year" if ent.partition else "CAST(NULL AS INTEGER) AS year"
        parts.insert(0, f"SELECT {columns}, {year} FROM {rel}")
        n_existing = _count(con, f"SELECT count(*) FROM {rel}")

    union = " UNION ALL ".join(parts)
    key = ", ".join(f'"{k}"' for k in ent.key)
    order = "ASC" if ent.keep == "first" else "DESC"
    target = staging.mirror(lake_folder)
    target.mkdir(parents=True, exist_ok=True)
    if not existing and not _hash_collisions(con, parts[-1], key):
        buckets = 1  # nothing to deduplicate: every key is distinct and the partitions are new
        union = parts[-1]
        dedupe = ""
    else:
        buckets = max(1, -(-(n_valid + n_existing) // BUCKET_ROWS))
        newest = f"coalesce(_exported_at, _ingested_at) {order}, _ingested_at {order}"
        dedupe = f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {newest}) = 1"
    written = 0
    for b in range(buckets):
        where = f"WHERE hash({key}) % {buckets} = {b}" if buckets > 1 else ""
        merged = f"SELECT * FROM ({union}) {where} {dedupe}"
        name = f"part-{ingest_id}-{b:03d}"
        if ent.partition:
            options = f"{PARQUET}, PARTITION_BY (year), FILENAME_PATTERN '{name}-{{i}}', OVERWRITE_OR_IGNORE"
            written += _count(con, f"COPY ({merged}) TO {sql_string(target)} ({options})")
        else:
            out = sql_string(target / f"{name}.parquet")
            written += _count(con, f"COPY (SELECT * EXCLUDE (year) FROM ({merged})) TO {out} ({PARQUET})")
    staging.replaced.extend(existing)
    counts.new = written - n_existing
    counts.duplicate = n_valid - counts.new
    return counts
