"""``biolake sync``: mirror the lake to S3 (and Glue/Athena), restore it, or share a private copy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from biolake.cli.render import emit, err
from biolake.cli.state import OutputFormat, State, state

if TYPE_CHECKING:
    from biolake.sync.push import Progress, SyncResult

DEFAULT_BUDGET = 1.0


@contextmanager
def _bar(st: State, label: str) -> Iterator[Progress | None]:
    """A rich progress bar on stderr (None when quiet, not a terminal, or not table output)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    if st.quiet or not err.is_terminal or st.format is not OutputFormat.table:
        yield None
        return
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        class Report:
            def start(self, files: int, total_bytes: int) -> None:
                bar.update(task, total=total_bytes, description=f"{files} files")

            def advance(self, nbytes: int) -> None:
                bar.update(task, advance=nbytes)

        yield Report()


def _summary(result: SyncResult) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for name, items in (
        ("files", result.plan.items),
        ("moved", result.uploaded),
        ("unchanged", result.plan.unchanged),
    ):
        for i in items:
            row = rows.setdefault(
                i.layer, {"layer": i.layer, "files": 0, "moved": 0, "bytes_moved": 0, "unchanged": 0}
            )
            row[name] += 1
            if name == "moved":
                row["bytes_moved"] += i.size
    for i in result.resumed:
        rows[i.layer]["unchanged"] += 1
    if result.dry_run:  # what would move
        for i in result.plan.uploads:
            rows[i.layer]["moved"] += 1
            rows[i.layer]["bytes_moved"] += i.size
    return list(rows.values())


def sync(
    ctx: typer.Context,
    destination: Annotated[str, typer.Argument(help="s3://BUCKET/PREFIX of the mirror.")],
    layers: Annotated[
        str | None, typer.Option("--layers", help="Comma-separated layers: bronze,silver,gold (default all).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move; change nothing.")] = False,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", help="S3-compatible endpoint (MinIO, a test server).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="AWS profile (default: the standard chain).")
    ] = None,
    sse: Annotated[
        str | None, typer.Option("--sse", help="Server-side encryption: AES256 or aws:kms.")
    ] = None,
    delete: Annotated[
        bool,
        typer.Option("--delete", help="Delete remote objects the lake no longer has (never by default)."),
    ] = False,
    pull: Annotated[bool, typer.Option("--pull", help="Restore the lake from the mirror instead.")] = False,
    athena: Annotated[
        bool, typer.Option("--athena", help="Register Glue tables and Athena views for the synced layers.")
    ] = False,
    database: Annotated[str, typer.Option("--database", help="Glue/Athena database.")] = "biolake",
    workgroup: Annotated[str, typer.Option("--workgroup", help="Athena workgroup.")] = "primary",
    share: Annotated[
        bool, typer.Option("--share", help="Pseudonymised copy for others: keyed subject ids, no free text.")
    ] = False,
    shift_weeks: Annotated[
        int, typer.Option("--shift-weeks", help="With --share: shift each subject's dates by up to N weeks.")
    ] = 0,
    epsilon: Annotated[
        float | None,
        typer.Option("--epsilon", help="With --share: only Laplace-noised aggregates, with this ε."),
    ] = None,
    period: Annotated[str, typer.Option("--period", help="With --epsilon: week or month.")] = "month",
    export_name: Annotated[
        str | None,
        typer.Option("--export-name", help="With --epsilon: the budget to charge (default: destination)."),
    ] = None,
) -> None:
    """Mirror the lake's Parquet layers to S3 (incremental, by content hash), or restore it (--pull)."""
    from biolake.errors import SyncError
    from biolake.lake.paths import LakePaths
    from biolake.sync.push import SyncOptions, parse_layers, push
    from biolake.sync.s3 import Connection

    st = state(ctx)
    settings = st.settings()
    paths = LakePaths.at(settings.lake)
    conn = Connection(endpoint_url=endpoint_url, profile=profile)
    if (shift_weeks or epsilon is not None) and not share:
        raise SyncError("--shift-weeks and --epsilon only go with --share")
    if pull:
        from biolake.sync.pull import pull as run_pull

        with _bar(st, "pull") as bar:
            restored = run_pull(paths, destination, conn, bar, settings.lock_timeout)
        if not st.quiet:
            emit(
                [
                    {
                        "source": restored.source,
                        "downloaded": len(restored.downloaded),
                        "already_present": len(restored.present),
                        "gold_tables": len(restored.gold_tables),
                        "seconds": round(restored.seconds, 2),
                    }
                ],
                st.format,
                title="lake restored from the mirror (hashes verified)",
            )
        return
    chosen = (
        parse_layers(layers) if layers else (("silver", "gold") if share else ("bronze", "silver", "gold"))
    )
    options = SyncOptions(
        layers=chosen,
        dry_run=dry_run,
        delete=delete,
        sse=sse,
        connection=conn,
        athena_database=database if athena else None,
        athena_workgroup=workgroup,
        lock_timeout=settings.lock_timeout,
    )
    if share:
        options.share = _share_maker(
            st, destination, chosen, shift_weeks, epsilon, period, export_name, dry_run
        )
    with _bar(st, "sync") as bar:
        result = push(paths, destination, options, bar)
    if st.quiet:
        return
    title = f"{'dry run: ' if dry_run else ''}{result.destination}"
    emit(_summary(result), st.format, title=title)
    if result.plan.stale and st.format is OutputFormat.table:
        verb = "deleted" if result.deleted and not dry_run else ("would be deleted" if delete else "kept")
        err.print(
            f"{len(result.plan.stale)} remote object(s) the lake no longer has: {verb}", highlight=False
        )
    if result.athena:
        emit(result.athena, st.format, title=f"Athena database {database}")


def _share_maker(
    st: State,
    destination: str,
    layers: tuple[str, ...],
    shift_weeks: int,
    epsilon: float | None,
    period: str,
    export_name: str | None,
    dry_run: bool,
) -> Any:
    from biolake.errors import SyncError
    from biolake.sync.privacy import AggregateExport
    from biolake.sync.share import ShareExport

    if shift_weeks < 0:
        raise SyncError(f"--shift-weeks {shift_weeks}: must be 0 or more")
    if epsilon is not None:
        section = st.settings().sections.get("privacy", {})
        budget = float(section.get("budget", DEFAULT_BUDGET)) if isinstance(section, dict) else DEFAULT_BUDGET
        return AggregateExport(epsilon, export_name or destination, budget, period, dry_run)
    return ShareExport(layers, shift_weeks, dry_run)


def register(app: typer.Typer) -> None:
    app.command()(sync)
