"""DuckDB connections and the catalog's views over the lake's Parquet files.

The catalog file (``biolake.duckdb``) holds views for external tools (the DuckDB CLI, a notebook).
biolake's own readers open it read-only and lay temporary views over the same files, so a lake that
was moved or copied still reads correctly.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import duckdb

from biolake.lake.paths import LakePaths
from biolake.lake.schema import BY_SOURCE, ENTITIES, PROVENANCE

log = logging.getLogger(__name__)

SESSION_SETTINGS = ("SET TimeZone = 'UTC'",)


def sql_string(value: Path | str) -> str:
    """A SQL string literal for a path or text."""
    return "'" + str(value).replace("'", "''") + "'"


def glob_literal(folder: Path, pattern: str) -> str:
    """A SQL string of ``pattern`` under ``folder``, with glob characters in the folder's own path
    escaped as bracket classes (a lake may live in ``health [2024]/``)."""
    escaped = re.sub(r"[\[*?]", lambda m: f"[{m.group(0)}]", str(folder))
    return sql_string(f"{escaped}/{pattern}")


def _has_parquet(folder: Path) -> bool:
    return folder.is_dir() and next(folder.rglob("*.parquet"), None) is not None


def parquet_glob(folder: Path) -> str:
    """``read_parquet`` over every Parquet file under ``folder`` (Hive partitions become columns)."""
    pattern = glob_literal(folder, "**/*.parquet")
    return f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"


def view_definitions(paths: LakePaths) -> dict[str, str]:
    """View name → SELECT for every silver entity, quarantine and bronze table that has data."""
    views: dict[str, str] = {}
    for name in ENTITIES:
        for view in (name, name + BY_SOURCE):
            folder = paths.silver_entity(view)
            if _has_parquet(folder):
                views[view] = f"SELECT * FROM {parquet_glob(folder)}"
        if _has_parquet(paths.quarantine / name):
            views[f"quarantine__{name}"] = f"SELECT * FROM {parquet_glob(paths.quarantine / name)}"
    if _has_parquet(paths.ingestion_log):
        views["ingestion_log"] = f"SELECT * FROM {parquet_glob(paths.ingestion_log)} ORDER BY started_at"
    if _has_parquet(paths.pipeline_log):
        views["pipeline_runs"] = f"SELECT * FROM {parquet_glob(paths.pipeline_log)} ORDER BY started_at"
    log_root = paths.ingestion_log.parent
    if log_root.is_dir():  # every other log/<name> (ask, alerts, sync, …) is the view <name>_log
        for folder in sorted(p for p in log_root.iterdir() if p.is_dir()):
            if folder not in (paths.ingestion_log, paths.pipeline_log) and _has_parquet(folder):
                views[f"{folder.name}_log"] = f"SELECT * FROM {parquet_glob(folder)}"
    if paths.bronze.is_dir():
        for source_dir in sorted(p for p in paths.bronze.iterdir() if p.is_dir() and p.name != "files"):
            for entity_dir in sorted(p for p in source_dir.iterdir() if _has_parquet(p)):
                views[f"bronze_{source_dir.name}__{entity_dir.name}"] = (
                    f"SELECT * FROM {parquet_glob(entity_dir)}"
                )
    return views


def empty_views(present: set[str]) -> dict[str, str]:
    """Typed, empty views for the silver entities without data yet, so SQL over silver (dbt, consumers)
    never fails on a table a lake has not filled."""
    from biolake.lake.crosssource import has_rule

    views: dict[str, str] = {}
    for name, ent in ENTITIES.items():
        if name in present:
            continue
        cols = [*ent.all_columns, *(PROVENANCE if has_rule(name) else ())]
        typed = ", ".join(f'CAST(NULL AS {sql_type}) AS "{col}"' for col, sql_type in cols)
        views[name] = f"SELECT {typed}, CAST(NULL AS INTEGER) AS year WHERE false"
    return views


def memory_connection(
    threads: int = 2, memory_limit: str = "192MB", temp_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for staging work: UTC session, bounded memory, spills to ``temp_dir``."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": threads,
        "memory_limit": memory_limit,
        "preserve_insertion_order": False,
        # Rows a thread buffers per PARTITION_BY write before flushing (default 524,288): two row groups'
        # worth keeps a big import's merge ~100 MB smaller, and as fast.
        "partitioned_write_flush_threshold": 65536,
    }
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    con = duckdb.connect(config=config)
    for statement in SESSION_SETTINGS:
        con.execute(statement)
    return con


def refresh_catalog(paths: LakePaths) -> None:
    """(Re)create the persistent views in the catalog file; a busy catalog is logged, not fatal."""
    try:
        con = duckdb.connect(str(paths.catalog))
    except duckdb.Error as exc:  # another process has it open
        log.warning("catalog views not refreshed (%s); biolake's own commands are unaffected", exc)
        return
    try:
        existing = {
            row[0]
            for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        }
        wanted = view_definitions(paths)
        wanted.update(empty_views(set(wanted)))
        con.execute("BEGIN TRANSACTION")  # one commit (and WAL flush) for all the views
        for name in existing - set(wanted):
            con.execute(f'DROP VIEW IF EXISTS "{name}"')
        for name, sql in wanted.items():
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
        con.execute("COMMIT")
    finally:
        con.close()


def open_catalog(paths: LakePaths) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the catalog with temporary views over this lake's current files."""
    try:
        catalog = str(paths.catalog)
        con = duckdb.connect(catalog, read_only=True) if paths.catalog.is_file() else duckdb.connect()
    except duckdb.IOException as exc:  # another process holds the catalog: the views below suffice
        log.debug("catalog busy (%s); reading the lake's files directly", exc)
        con = duckdb.connect()
    for statement in SESSION_SETTINGS:
        con.execute(statement)
    views = view_definitions(paths)
    views.update(empty_views(set(views)))
    for name, sql in views.items():
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')
    return con
