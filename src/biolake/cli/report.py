"""``biolake report``: the weekly report as HTML and PDF."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from biolake.cli.delivering import deliver_and_report
from biolake.cli.render import emit, out
from biolake.cli.state import OutputFormat, state

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Reports built from gold: the weekly report (HTML, PDF).",
    no_args_is_help=True,
)


@app.command("weekly")
def weekly(
    ctx: typer.Context,
    week_ending: Annotated[
        datetime | None,
        typer.Option(
            "--week-ending",
            formats=["%Y-%m-%d"],
            help="Last day of the week (default: the last day in gold).",
        ),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF.")] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the files (default <lake>/reports).")
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Open the report when written.")] = False,
    send: Annotated[bool, typer.Option("--deliver", help="Send it through the [delivery] channels.")] = False,
) -> None:
    """The week's report: key metrics with week-over-week change, trends, training load, sleep, workouts,
    nutrition, glucose and a narrative; sections without data are left out."""
    from biolake.reports.weekly import report_message, weekly_report

    st = state(ctx)
    files = weekly_report(st.settings(), week_ending.date() if week_ending else None, pdf, out_dir)
    report = files.report
    row = {
        "week_start": report.start,
        "week_end": report.end,
        "sections": [s.key for s in report.sections],
        "narrative": report.narrative.author,
        "html": str(files.html),
        "pdf": str(files.pdf) if files.pdf else None,
    }
    if st.format is not OutputFormat.table:
        emit([row], st.format)
    elif not st.quiet:
        out.print(f"weekly report {report.label}: {files.pdf or files.html}", highlight=False)
    if open_:
        typer.launch(str(files.pdf or files.html))
    if send and not deliver_and_report(st, [report_message(files)]):
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="report")
