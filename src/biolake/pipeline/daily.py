"""The consumer steps of ``biolake run``: alerts, the morning briefing, the weekly report on its day,
and delivery of what they produced (plus anything a channel failed to take on an earlier run)."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from biolake.config import Settings
from biolake.errors import ConfigError

if TYPE_CHECKING:
    from biolake.pipeline.runner import Outcome, RunContext

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _outcome(status: str, detail: str) -> Outcome:
    from biolake.pipeline.runner import Outcome

    return Outcome(status, detail)


def alerts_step(settings: Settings, context: RunContext) -> Outcome:
    """Evaluate the alert rules; new alerts go to the outbox."""
    from biolake.alerts.engine import alerts_message, evaluate

    run = evaluate(settings)
    if (message := alerts_message(run.fired)) is not None:
        context.outbox.append(message)
    urgent = sum(a.severity == "urgent" for a in run.fired)
    detail = f"{len(run.fired)} new, {len(run.ongoing)} ongoing" + (f", {urgent} urgent" if urgent else "")
    return _outcome("warn" if urgent else "ok", detail)


def briefing_step(settings: Settings, context: RunContext) -> Outcome:
    """Write today's briefing (or the notice that today's data has not arrived) and queue it."""
    from biolake.briefing import build_briefing

    brief = build_briefing(settings, check_alerts=False)
    path = brief.save(settings)
    context.outbox.append(brief.message())
    if not brief.fresh:
        return _outcome("warn", f"today's data has not arrived (latest {brief.latest_day}); notice in {path}")
    return _outcome("ok", f"written to {path}")


def report_options(settings: Settings) -> dict[str, Any]:
    """``[reports]``: ``weekly_day`` (default monday; "never" turns it off) and ``weekly_pdf`` (true)."""
    section: dict[str, Any] = settings.sections.get("reports", {})
    day = str(section.get("weekly_day", "monday")).lower()
    if day not in (*WEEKDAYS, "never"):
        raise ConfigError(f"[reports] weekly_day must be a weekday name or 'never', not {day!r}")
    return {"weekly_day": day, "weekly_pdf": bool(section.get("weekly_pdf", True))}


def weekly_report_step(settings: Settings, context: RunContext) -> Outcome:
    """On ``[reports] weekly_day``, the report of the seven days ending yesterday (once)."""
    from biolake.alerts.engine import user_today
    from biolake.lake.paths import LakePaths
    from biolake.reports.model import ReportError
    from biolake.reports.weekly import report_message, weekly_report

    options = report_options(settings)
    today = user_today(settings)
    if options["weekly_day"] == "never":
        return _outcome("ok", "turned off ([reports] weekly_day = never)")
    if WEEKDAYS[today.weekday()] != options["weekly_day"]:
        return _outcome("ok", f"not today (weekly report on {options['weekly_day']}s)")
    end = today - timedelta(days=1)
    done = LakePaths.at(settings.lake).reports / f"weekly-{end.isoformat()}.html"
    if done.exists():
        return _outcome("ok", f"already written: {done}")
    try:
        files = weekly_report(settings, week_ending=end, pdf=options["weekly_pdf"])
    except ReportError as exc:  # e.g. no data this week: worth a warning, not a failed run
        return _outcome("warn", str(exc))
    context.outbox.append(report_message(files))
    return _outcome("ok", f"written to {files.pdf or files.html}")


def deliver_step(settings: Settings, context: RunContext) -> Outcome:
    """Send the outbox through the configured channels; retry what failed before."""
    from biolake.delivery.outbox import deliver

    report = deliver(settings, context.outbox, write=sys.stderr.write)
    done = sum(r.status == "delivered" for r in report.results)
    detail = f"{done} delivered, {report.pending} queued for the next run"
    if report.failed:
        detail += ": " + "; ".join(f"{r.channel}: {r.detail}" for r in report.failed[:3])
        return _outcome("warn", detail)
    return _outcome("ok", detail)
