"""``biolake report agp``: the one-page Ambulatory Glucose Profile report.

Layout of the International Consensus AGP report (v5; Battelino et al., "Clinical Targets for Continuous
Glucose Monitoring Data Interpretation", Diabetes Care 2019;42:1593, figure 2; Bergenstal et al., J
Diabetes Sci Technol 2013;7:562): glucose statistics and targets with the time in ranges bar, the AGP
percentile curve and the daily glucose profiles. Every number comes from :mod:`biolake.glucose` (the
catalogue, the consensus targets, the AGP and the episodes), so the report agrees with ``biolake
glucose`` and the gold marts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from biolake import __version__
from biolake.config import Settings
from biolake.lake.paths import LakePaths
from biolake.reports.model import ReportError
from biolake.reports.render import render_template, report_stem, save_report

Units = Literal["mgdl", "mmol"]
PERIOD_DAYS = 14  # the consensus period (Battelino et al. 2019)
DAILY_DAYS = 14  # daily profiles shown: the period's last two weeks

# The five ranges of the time-in-ranges bar, top to bottom: name, summary keys (value = first − second),
# bounds in mg/dL and in mmol/L (consensus labels), colour.
RANGES = (
    ("Very high", ("above_250", None), (">250", ">13.9"), "#f08a24"),
    ("High", ("above_180", "above_250"), ("181–250", "10.1–13.9"), "#fcc21b"),
    ("Target range", ("in_range_70_180", None), ("70–180", "3.9–10.0"), "#3ba935"),
    ("Low", ("below_70", "below_54"), ("54–69", "3.0–3.8"), "#e8262c"),
    ("Very low", ("below_54", None), ("<54", "<3.0"), "#8e1b1b"),
)
# The consensus targets for type 1 and type 2 diabetes, as the report lists them: summary key, label
# bounds (mg/dL, mmol/L), target text, target time per day (as the consensus table prints it).
TARGET_ROWS = (
    ("in_range_70_180", "Target range {}", ("70–180", "3.9–10.0"), "Greater than 70%", "16h 48min"),
    ("below_70", "Below {}", ("70", "3.9"), "Less than 4%", "58min"),
    ("below_54", "Below {}", ("54", "3.0"), "Less than 1%", "14min"),
    ("above_180", "Above {}", ("180", "10.0"), "Less than 25%", "6h"),
    ("above_250", "Above {}", ("250", "13.9"), "Less than 5%", "1h 12min"),
)
MMOL_LABELS = {54: "3.0", 70: "3.9", 180: "10.0", 250: "13.9"}  # the consensus' mmol/L thresholds


@dataclass(frozen=True)
class RangeShare:
    """One band of the time-in-ranges bar."""

    name: str
    bounds: str  # e.g. "70–180 mg/dL"
    percent: float
    colour: str

    @property
    def time_per_day(self) -> str:
        return time_of_day(self.percent)


@dataclass(frozen=True)
class TargetRow:
    label: str
    target: str
    target_time: str
    percent: float | None
    met: bool | None

    @property
    def time_per_day(self) -> str:
        return "" if self.percent is None else time_of_day(self.percent)


@dataclass
class AgpReport:
    subject: str
    start: date
    end: date
    units: str  # "mg/dL" or "mmol/L"
    stats: dict[str, Any]  # biolake.glucose.summary record of the period
    active_percent: float
    targets: dict[str, Any]  # biolake.glucose.targets.consensus
    ranges: list[RangeShare]
    target_rows: list[TargetRow]
    episodes: dict[str, int]  # hypo / hyper episodes (level 1, level 2) in the period
    charts: dict[str, str]  # tir, agp, daily: inline SVG
    daily_days: list[date]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """``1 Nov – 14 Nov 2026``."""
        first = f"{self.start:%-d %b}" + (f" {self.start:%Y}" if self.start.year != self.end.year else "")
        return f"{first} – {self.end:%-d %b %Y}"

    def level(self, mgdl: int) -> str:
        """A consensus threshold in the report's units: 70 → "70 mg/dL" or "3.9 mmol/L"."""
        return f"{MMOL_LABELS[mgdl] if self.units == 'mmol/L' else mgdl} {self.units}"

    @property
    def target_range(self) -> str:
        low, high = ("3.9", "10.0") if self.units == "mmol/L" else ("70", "180")
        return f"{low}–{high} {self.units}"

    def glucose(self, mgdl_value: float | None) -> str:
        """A glucose value (in the report's units already) as printed."""
        if mgdl_value is None:
            return "–"
        return f"{mgdl_value:.1f}" if self.units == "mmol/L" else f"{mgdl_value:.0f}"


def time_of_day(percent: float) -> str:
    """A share of the day as time per day: 68 % → "16h 19min", 1.5 % → "22min"."""
    minutes = round(percent / 100 * 1440)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}min"
    return f"{hours}h" + (f" {rest}min" if rest else "")


def default_period(
    settings: Settings, subject: str, start: date | None, end: date | None
) -> tuple[date, date]:
    """The period: ``start``–``end`` as given; an open end is 14 days from the other, and with neither,
    the 14 days ending on the last day with CGM readings."""
    from biolake.glucose.readings import cgm_days

    if start and end:
        return start, end
    if start:
        return start, start + timedelta(days=PERIOD_DAYS - 1)
    if end is None:
        found = cgm_days(settings, subject)
        if found is None:
            raise ReportError(
                f"no CGM readings for subject '{subject}' in the lake: import a Dexcom, Libre or "
                "other CGM export first (an AGP report needs continuous glucose data)"
            )
        end = found[1]
    return end - timedelta(days=PERIOD_DAYS - 1), end


def build_agp(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    subject: str | None = None,
    units: Units = "mgdl",
) -> AgpReport:
    """Everything the AGP report shows for ``subject`` (default: the configured one) over the period."""
    from biolake.errors import ConfigError
    from biolake.glucose import agp, episodes, targets
    from biolake.glucose.readings import MGDL_PER_MMOL, load
    from biolake.glucose.summary import catalogue
    from biolake.reports import agp_charts

    subject = subject or settings.subject
    start, end = default_period(settings, subject, start, end)
    if start > end:
        raise ConfigError(f"--from {start} is after --to {end}")
    readings = load(settings, subject=subject, start=start, end=end)
    if not len(readings.glucose):
        raise ReportError(f"no CGM readings for subject '{subject}' between {start} and {end}")
    days = (end - start).days + 1
    stats = catalogue(readings, units)[0]
    active = float(targets.period_active_percent(readings, days)[0])
    met = targets.consensus(stats, days, active)
    profile = agp.profile(readings, units)
    found = episodes.table(readings)
    unit_label = str(stats["units"])
    k = 1 if units == "mmol" else 0
    ranges = [
        RangeShare(name, f"{bounds[k]} {unit_label}", _share(stats, keys), colour)
        for name, keys, bounds, colour in RANGES
    ]
    rows = [
        TargetRow(label.format(f"{bounds[k]} {unit_label}"), target, t_time, stats[key], met[key])
        for key, label, bounds, target, t_time in TARGET_ROWS
    ]
    counts = {
        f"{kind}_{level}": sum(1 for e in found if e["episode_type"] == kind and e["level"] == level)
        for kind in ("hypo", "hyper")
        for level in ("level_1", "level_2")
    }
    shown = [
        max(start, end - timedelta(days=DAILY_DAYS - 1)) + timedelta(days=i)
        for i in range(min(days, DAILY_DAYS))
    ]
    scale = 1 / MGDL_PER_MMOL if units == "mmol" else 1.0
    charts = {
        "tir": agp_charts.time_in_ranges(ranges),
        "agp": agp_charts.percentile_curves(profile.profile, scale, unit_label),
        "daily": agp_charts.daily_profiles(profile.daily, shown, scale, unit_label),
    }
    return AgpReport(subject, start, end, unit_label, stats, active, met, ranges, rows, counts, charts, shown)


def _share(stats: dict[str, Any], keys: tuple[str, str | None]) -> float:
    first, second = keys
    value = float(stats[first] or 0.0) - (float(stats[second] or 0.0) if second else 0.0)
    return max(value, 0.0)


@dataclass(frozen=True)
class AgpFiles:
    html: Path
    pdf: Path | None
    report: AgpReport


def agp_report(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    subject: str | None = None,
    units: Units = "mgdl",
    pdf: bool = False,
    out_dir: Path | None = None,
) -> AgpFiles:
    """Build the report and write ``agp-<end>.html`` (and ``.pdf``) to ``out_dir`` (default
    ``<lake>/reports``)."""
    report = build_agp(settings, start, end, subject, units)
    html = render_template("agp_report.html.j2", report=report, version=__version__)
    folder = out_dir or LakePaths.at(settings.lake).reports
    html_path, pdf_path = save_report(html, folder, report_stem("agp", report.end, report.subject), pdf)
    return AgpFiles(html_path, pdf_path, report)
