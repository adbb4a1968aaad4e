"""``biolake report``: the weekly report and the AGP report, as HTML and PDF."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from biolake.cli.delivering import deliver_and_report
from biolake.cli.render import emit, out
from biolake.cli.state import DAY_FORMATS, OutputFormat, state

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Reports as HTML and PDF: the weekly report and the AGP (glucose) report.",
    no_args_is_help=True,
)
Pdf = Annotated[bool, typer.Option("--pdf", help="Also write a PDF.")]
OutDir = Annotated[Path | None, typer.Option("--out", help="Folder for the files (default <lake>/reports).")]
Open = Annotated[bool, typer.Option("--open", help="Open the report when written.")]


class Units(StrEnum):
    mgdl = "mgdl"
    mmol = "mmol"


def _written(ctx: typer.Context, row: dict[str, Any], line: str, opened: Path | None) -> None:
    """Say what was written (a line, or the row as JSON/CSV) and open it when asked."""
    st = state(ctx)
    if st.format is not OutputFormat.table:
        emit([row], st.format)
    elif not st.quiet:
        out.print(line, highlight=False)
    if opened is not None:
        typer.launch(str(opened))


@app.command("weekly")
def weekly(
    ctx: typer.Context,
    week_ending: Annotated[
        datetime | None,
        typer.Option(
            "--week-ending",
            formats=DAY_FORMATS,
            help="Last day of the week (default: the last day in gold).",
        ),
    ] = None,
    pdf: Pdf = False,
    out_dir: OutDir = None,
    open_: Open = False,
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
    written = files.pdf or files.html
    _written(ctx, row, f"weekly report {report.label}: {written}", written if open_ else None)
    if send and not deliver_and_report(st, [report_message(files)]):
        raise typer.Exit(1)


@app.command("agp")
def agp(
    ctx: typer.Context,
    start: Annotated[
        datetime | None,
        typer.Option("--from", formats=DAY_FORMATS, help="First day (default: 14 days before --to)."),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", formats=DAY_FORMATS, help="Last day (default: the last day with CGM readings)."),
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Whose readings (default: the configured subject).")
    ] = None,
    units: Annotated[Units, typer.Option("--units", help="Glucose units.")] = Units.mgdl,
    pdf: Pdf = False,
    out_dir: OutDir = None,
    open_: Open = False,
) -> None:
    """The one-page Ambulatory Glucose Profile report (consensus layout): statistics and targets, time in
    ranges, the AGP percentile curves and the daily profiles, by default of the last 14 days with data."""
    from biolake.reports.agp import agp_report

    files = agp_report(
        state(ctx).settings(),
        start.date() if start else None,
        end.date() if end else None,
        subject,
        units.value,
        pdf,
        out_dir,
    )
    report = files.report
    stats = report.stats
    row = {
        "subject": report.subject,
        "start": report.start,
        "end": report.end,
        "days": report.days,
        "units": report.units,
        "active_percent": report.active_percent,
        "mean": stats["mean"],
        "gmi": stats["gmi"],
        "cv": stats["cv"],
        **{r.name.lower().replace(" ", "_"): r.percent for r in report.ranges},
        "sufficient_data": report.targets["sufficient_data"],
        "html": str(files.html),
        "pdf": str(files.pdf) if files.pdf else None,
    }
    written = files.pdf or files.html
    _written(ctx, row, f"AGP report {report.label} ({report.subject}): {written}", written if open_ else None)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="report")
