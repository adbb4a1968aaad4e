"""``biolake report weekly``: the week's report as HTML (and PDF), saved under ``<lake>/reports``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from biolake import __version__
from biolake.config import Settings
from biolake.lake.catalog import open_catalog
from biolake.lake.paths import LakePaths
from biolake.reports.context import WeekContext
from biolake.reports.model import ReportError, Section
from biolake.reports.narrative import Narrative, narrative
from biolake.reports.render import render_template, report_stem, save_report
from biolake.reports.sections import SECTIONS, SectionBuilder, week_label


@dataclass
class WeeklyReport:
    subject: str
    start: date
    end: date
    label: str
    sections: list[Section]
    narrative: Narrative
    generated_at: datetime


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path | None
    report: WeeklyReport


def latest_day(paths: LakePaths, subject: str) -> date:
    """The last day gold's daily summary holds for ``subject`` (the default week ends there)."""
    con = open_catalog(paths)
    try:
        _require_gold(con)
        row = con.execute(
            "SELECT max(date_day) FROM gold.daily_summary WHERE subject_id = ?", [subject]
        ).fetchone()
    finally:
        con.close()
    if row is None or row[0] is None:
        raise ReportError(f"no data for subject '{subject}' in gold.daily_summary")
    return row[0]  # type: ignore[no-any-return]


def _require_gold(con: object) -> None:
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    found = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'gold' AND table_name = 'daily_summary'"
    ).fetchone()
    if found is None:
        raise ReportError("gold is not built yet: run 'biolake build' (or 'biolake run') first")


def build_weekly(
    settings: Settings, week_ending: date | None = None, builders: list[SectionBuilder] | None = None
) -> WeeklyReport:
    """Gather every section with data for the seven days ending on ``week_ending`` (default: the last
    day in gold) and write the narrative."""
    paths = LakePaths.at(settings.lake)
    end = week_ending or latest_day(paths, settings.subject)
    con = open_catalog(paths)
    try:
        _require_gold(con)
        ctx = WeekContext(con, settings.subject, end, settings.units, paths)
        sections = [s for build in (builders or SECTIONS) if (s := build(ctx)) is not None]
    finally:
        con.close()
    if not any(s.of_the_week for s in sections):
        raise ReportError(
            f"no data for the week {ctx.start}–{end} (subject '{settings.subject}'); "
            "pick another week with --week-ending"
        )
    label = week_label(ctx)
    return WeeklyReport(
        settings.subject,
        ctx.start,
        end,
        label,
        sections,
        narrative(settings, sections, label),
        datetime.now(UTC),
    )


def render_weekly_html(report: WeeklyReport) -> str:
    return render_template("weekly_report.html.j2", report=report, version=__version__)


def weekly_report(
    settings: Settings,
    week_ending: date | None = None,
    pdf: bool = False,
    out_dir: Path | None = None,
    builders: list[SectionBuilder] | None = None,
) -> ReportFiles:
    """Build the report and write ``weekly-<end>.html`` (and ``.pdf``) to ``out_dir`` (default
    ``<lake>/reports``)."""
    report = build_weekly(settings, week_ending, builders)
    folder = out_dir or LakePaths.at(settings.lake).reports
    stem = report_stem("weekly", report.end, settings.subject)
    html_path, pdf_path = save_report(render_weekly_html(report), folder, stem, pdf)
    return ReportFiles(html_path, pdf_path, report)


def report_message(files: ReportFiles) -> Any:
    """The report as a delivery message: the narrative as text, the HTML, the PDF (or HTML) attached."""
    from biolake.delivery.message import Message

    report = files.report
    title = f"Weekly health report — {report.label}"
    text = f"# {title}\n\n" + "\n\n".join(report.narrative.paragraphs) + "\n"
    attachment = files.pdf or files.html
    data = {
        "week_start": report.start.isoformat(),
        "week_end": report.end.isoformat(),
        "sections": [s.key for s in report.sections],
    }
    return Message("report", title, text, files.html.read_text(encoding="utf-8"), (str(attachment),), data)
