"""``biolake briefing``: a short morning summary — last night's sleep, readiness, today's training
recommendation, glucose overnight and any alerts — guarded against stale data: if today's night has
not arrived in the lake, the briefing says so instead of describing an old night as last night."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from biolake.alerts.engine import Alert, evaluate, history, user_today
from biolake.config import Settings
from biolake.lake.catalog import open_catalog
from biolake.lake.paths import LakePaths

OVERNIGHT = (0, 6)  # local hours: glucose "overnight" is 00:00–06:00 of the briefing's day


@dataclass
class Briefing:
    day: date
    latest_day: date | None  # the last day with sleep or readiness data
    sleep: dict[str, Any] | None = None
    readiness: dict[str, Any] | None = None
    recommendation: dict[str, Any] | None = None
    glucose: dict[str, Any] | None = None
    alerts: list[Alert] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def fresh(self) -> bool:
        return self.latest_day is not None and self.latest_day >= self.day

    @property
    def days_behind(self) -> int | None:
        return None if self.latest_day is None else (self.day - self.latest_day).days

    @property
    def title(self) -> str:
        return f"Morning briefing — {self.day:%a %d %b %Y}"

    def message(self) -> Any:
        """The briefing as a delivery message (Markdown text and HTML)."""
        from biolake.delivery.message import Message

        data = {"day": self.day.isoformat(), "fresh": self.fresh, "latest_day": str(self.latest_day)}
        return Message("briefing", self.title, self.markdown(), self.html(), data=data)

    def save(self, settings: Settings) -> Path:
        """Write the Markdown to ``<lake>/reports/briefing-<day>.md``."""
        from biolake.reports.render import write_text

        folder = LakePaths.at(settings.lake).reports
        return write_text(self.markdown(), folder / f"briefing-{self.day.isoformat()}.md")

    def markdown(self) -> str:
        from biolake.reports.render import render_template

        return render_template("briefing.md.j2", b=self)

    def html(self) -> str:
        """The Markdown rendered to HTML (markdown-it, CommonMark) inside the e-mail/file template."""
        from markdown_it import MarkdownIt

        from biolake.reports.render import render_template

        body = MarkdownIt("commonmark").render(self.markdown())
        return render_template("briefing.html.j2", b=self, markdown_html=body)


def _one(con: Any, sql: str, *params: Any) -> dict[str, Any] | None:
    rel = con.execute(sql, list(params))
    row = rel.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in rel.description], row, strict=True))


def _has(con: Any, schema: str, table: str) -> bool:
    sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    return con.execute(sql, [schema, table]).fetchone() is not None


def overnight_glucose(con: Any, subject: str, day: date) -> dict[str, Any] | None:
    """The CGM readings 00:00–06:00 local on ``day`` through :mod:`biolake.glucose` (the catalogue and
    the consensus episodes, docs/glucose.md): readings, mean, min, max, % below 70 and above 180 mg/dL,
    and the low (< 70) and high (> 180) episodes starting in those hours; None without readings."""
    import numpy as np

    from biolake.glucose.episodes import table
    from biolake.glucose.readings import US_PER_DAY, US_PER_MIN, from_connection
    from biolake.glucose.summary import catalogue

    readings = from_connection(con, subject=subject, start=day, end=day)
    hour = (readings.time_us % US_PER_DAY) // (60 * US_PER_MIN)
    night = readings.select((hour >= OVERNIGHT[0]) & (hour < OVERNIGHT[1]))
    if not len(night.glucose):
        return None
    stats = catalogue(night)[0]
    found = table(night)
    lows = [e for e in found if e["episode_type"] == "hypo" and e["level"] == "level_1"]
    return {
        "readings": stats["n_obs"],
        "mean": stats["mean"],
        "min": stats["quantile_0"],
        "max": stats["quantile_100"],
        "below_70": stats["below_70"],
        "above_180": stats["above_180"],
        "lows": len(lows),
        "nadir": float(np.min([e["extreme_mgdl"] for e in lows])) if lows else None,
        "highs": sum(1 for e in found if e["episode_type"] == "hyper" and e["level"] == "level_1"),
    }


def build_briefing(
    settings: Settings, day: date | None = None, now: datetime | None = None, check_alerts: bool = True
) -> Briefing:
    """The briefing for ``day`` (default: today in the user's time zone). ``check_alerts`` evaluates the
    alert rules first, so alerts that fire now are included."""
    day = day or user_today(settings, now)
    if check_alerts:
        evaluate(settings, now=now)
    paths = LakePaths.at(settings.lake)
    con = open_catalog(paths)
    subject = settings.subject
    try:
        if not _has(con, "gold", "daily_summary"):
            return Briefing(day, None, alerts=history(settings, day - timedelta(days=1)))
        latest = _one(
            con,
            "SELECT max(date_day) AS d FROM gold.daily_summary WHERE subject_id = ? AND date_day <= ? "
            "AND (sleep_hours IS NOT NULL OR readiness_score IS NOT NULL)",
            subject,
            day,
        )
        brief = Briefing(day, latest["d"] if latest else None)
        brief.alerts = history(settings, day - timedelta(days=1))
        if not brief.fresh:
            return brief
        brief.sleep = _one(
            con,
            "SELECT d.sleep_hours, d.sleep_score, d.sleep_efficiency_pct, d.deep_sleep_min, d.rem_sleep_min, "
            "d.sleep_hrv_ms, d.sleep_lowest_hr_bpm, b.sleep_hours_30d, b.sleep_hrv_ms_30d "
            "FROM gold.daily_summary d LEFT JOIN gold.dashboard_30day b USING (subject_id, date_day) "
            "WHERE d.subject_id = ? AND d.date_day = ?",
            subject,
            day,
        )
        if _has(con, "gold", "sleep_architecture") and brief.sleep is not None:
            times = _one(
                con,
                "SELECT sleep_onset_local, wake_time_local FROM gold.sleep_architecture "
                "WHERE subject_id = ? AND date_day = ?",
                subject,
                day,
            )
            brief.sleep.update(times or {})
        brief.readiness = _one(
            con,
            "SELECT readiness_score, readiness_score_7d, readiness_score_30d, temperature_deviation_c "
            "FROM gold.dashboard_30day WHERE subject_id = ? AND date_day = ?",
            subject,
            day,
        )
        if _has(con, "gold", "workout_recommendations"):
            brief.recommendation = _one(
                con,
                "SELECT recommendation, recommendation_reasons, tsb, ctl, risk_level "
                "FROM gold.workout_recommendations WHERE subject_id = ? AND date_day = ?",
                subject,
                day,
            )
        brief.glucose = overnight_glucose(con, subject, day)
    finally:
        con.close()
    return brief
