"""``biolake ingest``: import exports (files, folders, zips) with a progress bar and a summary per file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from biolake.cli.render import emit, err
from biolake.cli.state import OutputFormat, state

if TYPE_CHECKING:
    from biolake.lake.ingest import FileResult


class RowsColumn(ProgressColumn):
    """Rows parsed so far and rows per second."""

    def render(self, task: Task) -> Text:
        rows = int(task.fields.get("rows", 0))
        elapsed = task.elapsed or 0.0
        rate = f"{rows / elapsed:,.0f} rows/s" if elapsed > 0.2 and rows else ""
        return Text(f"{rows:,} rows {rate}".rstrip(), style="cyan")


def _summary_rows(results: list[FileResult]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in results:
        if r.status == "failed":
            continue  # already reported on stderr, one line each
        counted = {k: c for k, c in sorted(r.entities.items()) if c.new or c.duplicate or c.quarantined}
        if r.status == "imported" and counted:
            for name, c in counted.items():
                rows.append(
                    {
                        "file": r.file,
                        "source": r.source,
                        "status": r.status,
                        "entity": name,
                        "new": c.new,
                        "duplicate": c.duplicate,
                        "quarantined": c.quarantined,
                        "folded": c.folded,
                    }
                )
        else:
            rows.append(
                {
                    "file": r.file,
                    "source": r.source,
                    "status": r.status,
                    "entity": "",
                    "new": 0,
                    "duplicate": 0,
                    "quarantined": 0,
                    "folded": 0,
                }
            )
    return rows


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Export files, folders or zip archives.")],
    source: Annotated[
        str | None, typer.Option("--source", help="Read every input as this source instead of detecting it.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Subject id for the imported rows.")
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="IANA time zone for exports whose times have no offset.")
    ] = None,
) -> None:
    """Import exports into the lake. Formats are detected from content; re-imports are no-ops."""
    from biolake.sources.helpers import prestart

    prestart(paths)  # parsing helpers for a big Apple Health export start while the imports below run
    from biolake.lake.ingest import ingest as ingest_files

    st = state(ctx)
    settings = st.settings(subject=subject, timezone=tz)
    show_progress = not st.quiet and err.is_terminal
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        RowsColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not show_progress,
    )
    tasks: dict[str, Any] = {}

    def on_progress(name: str, done: int, total: int | None, rows: int) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(escape(Path(name).name), total=total)
        progress.update(tasks[name], completed=done, total=total, rows=rows)

    def on_result(result: FileResult) -> None:
        if result.file in tasks:
            progress.remove_task(tasks.pop(result.file))
        if result.error:
            err.print(f"[bold red]error:[/] {escape(result.error)}", highlight=False)

    with progress:
        results = ingest_files(settings, paths, source=source, on_progress=on_progress, on_result=on_result)

    if st.format is OutputFormat.json:
        emit([r.to_dict() for r in results], st.format)
    elif not st.quiet and (rows := _summary_rows(results)):
        emit(rows, st.format, title="ingest summary")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
