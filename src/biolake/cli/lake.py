"""Lake commands: init, status, sql, rebuild, log."""

from __future__ import annotations

from typing import Annotated

import typer

from biolake.cli.render import emit, err, out
from biolake.cli.state import OutputFormat, state


def init(ctx: typer.Context) -> None:
    """Create the lake (folders, DuckDB catalog) and a commented biolake.toml."""
    from biolake.lake.ingest import ensure_lake

    st = state(ctx)
    paths = ensure_lake(st.settings())
    if not st.quiet:
        out.print(f"lake ready at {paths.root}  (settings: {paths.config})", highlight=False)


def status(ctx: typer.Context) -> None:
    """Per entity: rows, subjects, first/last time, last import and freshness (days since the last row)."""
    from biolake.lake.paths import LakePaths
    from biolake.lake.status import lake_status

    st = state(ctx)
    rows = lake_status(LakePaths.at(st.settings().lake))
    if not rows and st.format is OutputFormat.table:
        err.print("the lake is empty: import exports with 'biolake ingest PATH'")
        return
    emit(rows, st.format, title="lake status")


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One read-only SELECT over the catalog's views.")],
    remote: Annotated[
        str | None,
        typer.Option("--remote", help="Query the S3 mirror at s3://BUCKET/PREFIX instead (biolake sync)."),
    ] = None,
) -> None:
    """Run a read-only SQL query over the catalog (silver views, ingestion_log, bronze_* views)."""
    from biolake.lake.paths import LakePaths
    from biolake.lake.query import run_query

    st = state(ctx)
    if remote is not None:
        from biolake.sync.remote import run_remote_query

        result = run_remote_query(remote, query)
    else:
        result = run_query(LakePaths.at(st.settings().lake), query)
    emit(result.records(), st.format, columns=result.columns)


def rebuild(ctx: typer.Context) -> None:
    """Recreate silver (and quarantine) from bronze and the ingestion log."""
    from biolake.lake.ingest import rebuild as rebuild_lake

    st = state(ctx)
    totals = rebuild_lake(st.settings())
    if st.quiet:
        return
    rows = [
        {"entity": k, "rows": v.new, "duplicate": v.duplicate, "quarantined": v.quarantined}
        for k, v in totals.items()
    ]
    emit(rows, st.format, title="silver rebuilt from bronze")


def log(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show the last N imports (0: all).")] = 50,
) -> None:
    """The ingestion log: one row per completed import, oldest first."""
    from biolake.lake.ingestlog import read_entries
    from biolake.lake.paths import LakePaths

    st = state(ctx)
    entries = read_entries(LakePaths.at(st.settings().lake))
    if limit:
        entries = entries[-limit:]
    rows = [
        {
            "ingest_id": e.ingest_id,
            "started_at": e.started_at,
            "file": e.file,
            "source": e.source,
            "subject": e.subject_id,
            "sha256": e.sha256 if st.format is not OutputFormat.table else e.sha256[:12],
            "rows_new": e.rows_new,
            "rows_duplicate": e.rows_duplicate,
            "rows_quarantined": e.rows_quarantined,
        }
        for e in entries
    ]
    if not rows and st.format is OutputFormat.table:
        err.print("no imports yet")
        return
    emit(rows, st.format, title="ingestion log")


def register(app: typer.Typer) -> None:
    for command in (init, status, sql, rebuild, log):
        app.command()(command)
