"""The weekly report's sections. Each builder reads gold (silver where needed) for one week and returns a
:class:`Section`, or None when the lake holds no data for it, so a report never shows an empty section.

Week-over-week numbers compare the seven days ending on the report's last day with the seven before.
Daily means skip days without a value; sums add what was recorded."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from biolake.reports import charts
from biolake.reports.context import WeekContext, mean, total
from biolake.reports.model import Metric, Section, Table, metric_facts

SectionBuilder = Callable[[WeekContext], Section | None]

log = logging.getLogger(__name__)


def _pair(ctx: WeekContext, column: str, agg: Callable[[list[Any]], float | None] = mean) -> tuple[Any, Any]:
    daily = ctx.daily()
    return (
        agg([r[column] for r in ctx.week_rows(daily)]),
        agg([r[column] for r in ctx.week_rows(daily, previous=True)]),
    )


def _metric(ctx: WeekContext, label: str, column: str, unit: str = "", **kw: Any) -> Metric:
    agg = kw.pop("agg", mean)
    value, previous = _pair(ctx, column, agg)
    return Metric(label, value, unit, previous, **kw)


def _wow(label: str, values: tuple[float | None, float | None], **kw: Any) -> Metric:
    """A metric from (this week, last week)."""
    return Metric(label, values[0], previous=values[1], **kw)


def _has_any(rows: list[dict[str, Any]], *columns: str) -> bool:
    return any(r[c] is not None for r in rows for c in columns)


def overview(ctx: WeekContext) -> Section | None:
    """Key metrics of the week beside last week's."""
    week = ctx.week_rows(ctx.daily())
    if not week:
        return None
    candidates = [
        _metric(ctx, "Readiness", "readiness_score"),
        _metric(ctx, "Sleep score", "sleep_score"),
        _metric(ctx, "Sleep", "sleep_hours", "h", decimals=1),
        _metric(ctx, "HRV (night)", "sleep_hrv_ms", "ms"),
        _metric(ctx, "Resting HR", "resting_hr_bpm", "bpm", better="down"),
        _metric(ctx, "Steps", "steps", "/day"),
        _metric(ctx, "Training load", "tss", "TSS", agg=total, better="none"),
        _metric(ctx, "Workouts", "workouts", "", agg=total, better="none"),
    ]
    weight_now, weight_prev = _pair(ctx, "weight_kg")
    candidates.append(
        Metric("Weight", ctx.weight(weight_now), ctx.weight_unit, ctx.weight(weight_prev), 1, "none")
    )
    metrics = [m for m in candidates if m.value is not None]
    if not metrics:
        return None
    facts = metric_facts(metrics)
    return Section("overview", "The week at a glance", metrics=metrics, facts=facts)


def recovery(ctx: WeekContext) -> Section | None:
    """Readiness, sleep score, HRV and resting HR over four weeks, this week shaded."""
    rows = ctx.daily(28)
    panels = [
        ("Readiness score", "readiness_score", charts.PALETTE["blue"]),
        ("Sleep score", "sleep_score", charts.PALETTE["purple"]),
        ("HRV during sleep (ms)", "sleep_hrv_ms", charts.PALETTE["green"]),
        ("Resting heart rate (bpm)", "resting_hr_bpm", charts.PALETTE["pink"]),
    ]
    present = [p for p in panels if _has_any(rows, p[1])]
    if not _has_any(ctx.week_rows(rows), *(p[1] for p in present)):
        return None
    days = [r["date_day"] for r in rows]
    series = [(title, [r[col] for r in rows], colour) for title, col, colour in present]
    notes: list[str] = []
    week = [r for r in ctx.week_rows(rows) if r["readiness_score"] is not None]
    if week:
        best = max(week, key=lambda r: r["readiness_score"])
        worst = min(week, key=lambda r: r["readiness_score"])
        notes.append(
            f"Best readiness {best['readiness_score']:.0f} on {best['date_day']:%a %d %b}; "
            f"lowest {worst['readiness_score']:.0f} on {worst['date_day']:%a %d %b}."
        )
    if ctx.has_table("gold", "temperature_trends"):
        ill = ctx.rows(
            "SELECT date_day FROM gold.temperature_trends WHERE subject_id = ? AND date_day BETWEEN ? AND ? "
            "AND illness_signal ORDER BY date_day",
            ctx.subject,
            ctx.start,
            ctx.end,
        )
        if ill:
            days_txt = ", ".join(f"{r['date_day']:%a %d}" for r in ill)
            notes.append(f"Raised skin temperature with an illness signal on {days_txt}.")
    return Section(
        "recovery",
        "Recovery trends",
        chart=charts.trend_panels(days, series, (ctx.start, ctx.end)),
        chart_caption="The last four weeks; this week is shaded.",
        notes=notes,
        facts={"notes": notes},
    )


def training(ctx: WeekContext) -> Section | None:
    """Training load: the PMC chart (fitness, fatigue, form) over 90 days and the week's load."""
    rows = ctx.daily(90)
    week = ctx.week_rows(rows)
    if not _has_any(rows, "ctl") or not _has_any(week, "tss", "ctl"):
        return None
    end, prev_end = week[-1], next((r for r in rows if r["date_day"] == ctx.prev_end), None)

    def at(row: dict[str, Any] | None, col: str) -> float | None:
        return None if row is None else row[col]

    metrics = [
        _metric(ctx, "Weekly load", "tss", "TSS", agg=total, better="none"),
        Metric("Fitness (CTL)", at(end, "ctl"), "", at(prev_end, "ctl"), 1, "up"),
        Metric("Fatigue (ATL)", at(end, "atl"), "", at(prev_end, "atl"), 1, "none"),
        Metric("Form (TSB)", at(end, "tsb"), "", at(prev_end, "tsb"), 1, "none"),
        _metric(ctx, "Workout time", "workout_min", "min", agg=total, better="none"),
    ]
    notes: list[str] = []
    if ctx.has_table("gold", "overtraining_risk"):
        risk = ctx.rows(
            "SELECT risk_level, count(*) AS days FROM gold.overtraining_risk WHERE subject_id = ? "
            "AND date_day BETWEEN ? AND ? AND risk_level <> 'low' GROUP BY risk_level ORDER BY risk_level",
            ctx.subject,
            ctx.start,
            ctx.end,
        )
        if risk:
            notes.append(
                "Overtraining risk: "
                + ", ".join(f"{r['risk_level']} on {r['days']} day{'s' * (r['days'] > 1)}" for r in risk)
                + "."
            )
    chart = charts.pmc_chart(
        [r["date_day"] for r in rows],
        [r["tss"] for r in rows],
        [r["ctl"] for r in rows],
        [r["atl"] for r in rows],
        [r["tsb"] for r in rows],
        (ctx.start, ctx.end),
    )
    facts = metric_facts(metrics)
    return Section(
        "training",
        "Training load",
        metrics=[m for m in metrics if m.value is not None],
        chart=chart,
        chart_caption="Performance Management Chart, last 90 days: fitness = 42-day and fatigue = 7-day "
        "exponentially weighted TSS; form = fitness − fatigue.",
        notes=notes,
        facts={**facts, "notes": notes},
    )


def sleep(ctx: WeekContext) -> Section | None:
    """Sleep architecture night by night (deep, REM, light, awake) and the week's averages."""
    if not ctx.has_table("gold", "sleep_architecture"):
        return None
    sql = (
        "SELECT * FROM gold.sleep_architecture WHERE subject_id = ? AND date_day BETWEEN ? AND ? "
        "AND total_sleep_min IS NOT NULL ORDER BY date_day"
    )
    nights = ctx.rows(sql, ctx.subject, ctx.start, ctx.end)
    if not nights:
        return None
    before = ctx.rows(sql, ctx.subject, ctx.prev_start, ctx.prev_end)

    def pair(col: str, scale: float = 1.0) -> tuple[float | None, float | None]:
        now, prev = mean([n[col] for n in nights]), mean([n[col] for n in before])
        return (None if now is None else now * scale, None if prev is None else prev * scale)

    metrics = [
        _wow("Total sleep", pair("total_sleep_min", 1 / 60), unit="h", decimals=1),
        _wow("Efficiency", pair("efficiency_pct"), unit="%"),
        _wow("Deep", pair("deep_pct"), unit="%", decimals=1),
        _wow("REM", pair("rem_pct"), unit="%", decimals=1),
        Metric("Regularity (7 d)", nights[-1]["regularity_score_7d"], "/100", None),
    ]
    hours = 1 / 60
    chart = charts.stacked_bars(
        [f"{n['date_day']:%a %d}" for n in nights],
        [
            ("Deep", [_scaled(n["deep_min"], hours) for n in nights], charts.PALETTE["deep"]),
            ("REM", [_scaled(n["rem_min"], hours) for n in nights], charts.PALETTE["rem"]),
            ("Light", [_scaled(n["light_min"], hours) for n in nights], charts.PALETTE["light"]),
            ("Awake", [_scaled(n["awake_min"], hours) for n in nights], charts.PALETTE["awake"]),
        ],
        "hours",
    )
    facts = metric_facts(metrics)
    return Section(
        "sleep",
        "Sleep architecture",
        metrics=[m for m in metrics if m.value is not None],
        chart=chart,
        chart_caption="Sleep stages per night (the night ending on the morning shown).",
        facts=facts,
    )


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


WORKOUTS_SQL = """
SELECT s.local_date, s.start_local, s.activity_type, d.title, s.duration_min * 60 AS duration_s,
       s.output_kj, s.avg_hr_bpm, s.energy_kcal, s.tss, s.intensity_band
FROM intermediate.int_workouts_stress AS s
LEFT JOIN intermediate.int_workouts_deduped AS d
  ON d.subject_id = s.subject_id AND d._source = s._source AND d.source_name = s.source_name
 AND d.activity_type_raw = s.activity_type_raw AND d.start_utc = s.start_utc
WHERE s.subject_id = ? AND s.local_date BETWEEN ? AND ?
ORDER BY s.start_local
"""


def _workout_rows(ctx: WeekContext, start: date, end: date) -> list[dict[str, Any]]:
    """The workouts actually done (gold's cross-source deduplicated rows with their TSS); silver's
    ``workouts`` when gold's intermediate tables are absent."""
    if ctx.has_table("intermediate", "int_workouts_stress"):
        return ctx.rows(WORKOUTS_SQL, ctx.subject, start, end)
    return ctx.rows(
        "SELECT local_date, start_local, activity_type, title, duration_s, output_kj, avg_hr_bpm, "
        "energy_kcal, NULL AS tss, NULL AS intensity_band FROM workouts WHERE subject_id = ? "
        "AND local_date BETWEEN ? AND ? AND duration_s > 0 ORDER BY start_local",
        ctx.subject,
        start,
        end,
    )


def workouts(ctx: WeekContext) -> Section | None:
    """Every workout of the week, one row each even when several apps recorded it."""
    rows = _workout_rows(ctx, ctx.start, ctx.end)
    if not rows:
        return None
    before = _workout_rows(ctx, ctx.prev_start, ctx.prev_end)

    def pair(col: str, scale: float = 1.0) -> tuple[float | None, float | None]:
        now, prev = total([r[col] for r in rows]), total([r[col] for r in before])
        return _scaled(now, scale), _scaled(prev, scale)

    metrics = [
        Metric("Workouts", len(rows), "", len(before), better="none"),
        _wow("Time", pair("duration_s", 1 / 60), unit="min", better="none"),
        _wow("Output", pair("output_kj"), unit="kJ", better="none"),
        _wow("Energy", pair("energy_kcal"), unit="kcal", better="none"),
    ]

    def cell(value: float | None, fmt: str) -> str:
        return "" if value is None or value != value else format(value, fmt)

    table = Table(
        ["Day", "Activity", "Class", "Intensity", "Minutes", "TSS", "kJ", "Avg HR", "kcal"],
        [
            [
                f"{r['start_local']:%a %d %H:%M}",
                str(r["activity_type"] or "").replace("_", " "),
                str(r["title"] or ""),
                str(r["intensity_band"] or ""),
                cell(_scaled(r["duration_s"], 1 / 60), ".0f"),
                cell(r["tss"], ".0f"),
                cell(r["output_kj"], ",.0f"),
                cell(r["avg_hr_bpm"], ".0f"),
                cell(r["energy_kcal"], ",.0f"),
            ]
            for r in rows
        ],
        numeric=frozenset(range(4, 9)),
    )
    facts = metric_facts(metrics)
    types = sorted({str(r["activity_type"]) for r in rows})
    return Section(
        "workouts",
        "Workouts",
        metrics=[m for m in metrics if m.value is not None],
        table=table,
        facts={**facts, "types": types},
    )


def nutrition(ctx: WeekContext) -> Section | None:
    """Logged intake per day against estimated expenditure, and the macronutrient split."""
    if not ctx.has_table("gold", "nutrition_daily"):
        return None
    sql = (
        "SELECT * FROM gold.nutrition_daily WHERE subject_id = ? AND date_day BETWEEN ? AND ? "
        "AND entries > 0 ORDER BY date_day"
    )
    days = ctx.rows(sql, ctx.subject, ctx.start, ctx.end)
    if not days:
        return None
    before = ctx.rows(sql, ctx.subject, ctx.prev_start, ctx.prev_end)

    def pair(col: str) -> tuple[float | None, float | None]:
        return mean([d[col] for d in days]), mean([d[col] for d in before])

    metrics = [
        _wow("Intake", pair("energy_kcal"), unit="kcal/day", better="none"),
        _wow("Protein", pair("protein_g"), unit="g/day", better="none"),
        _wow("Carbs", pair("carbs_g"), unit="g/day", better="none"),
        _wow("Fat", pair("fat_g"), unit="g/day", better="none"),
        _wow("Balance", pair("energy_balance_kcal"), unit="kcal/day", better="none"),
    ]
    kcal_per_g = {"protein_g": 4.0, "carbs_g": 4.0, "fat_g": 9.0}  # Atwater general factors
    chart = charts.stacked_bars(
        [f"{d['date_day']:%a %d}" for d in days],
        [
            (
                "Protein",
                [_scaled(d["protein_g"], kcal_per_g["protein_g"]) for d in days],
                charts.PALETTE["teal"],
            ),
            ("Carbs", [_scaled(d["carbs_g"], kcal_per_g["carbs_g"]) for d in days], charts.PALETTE["high"]),
            ("Fat", [_scaled(d["fat_g"], kcal_per_g["fat_g"]) for d in days], charts.PALETTE["orange"]),
        ],
        "kcal",
        line=("Expenditure", [d["expenditure_kcal"] for d in days], charts.PALETTE["ink"]),
    )
    notes = [f"Food logged on {len(days)} of 7 days."] if len(days) < 7 else []
    facts = metric_facts(metrics)
    return Section(
        "nutrition",
        "Nutrition",
        metrics=[m for m in metrics if m.value is not None],
        chart=chart,
        chart_caption="Energy from protein, carbohydrate (4 kcal/g) and fat (9 kcal/g) on logged days, "
        "against estimated expenditure.",
        notes=notes,
        facts={**facts, "days_logged": len(days)},
    )


def week_glucose(ctx: WeekContext, previous: bool = False) -> dict[str, Any] | None:
    """The week's CGM statistics from :mod:`biolake.glucose` (docs/glucose.md): the catalogue record
    (mean, GMI, CV, % of readings in the consensus ranges; Battelino et al. 2019, Diabetes Care 42:1593),
    the share of possible readings present, the consensus episodes (≥ 15 min beyond 70 / 180 mg/dL) and
    the per-day ranges; None without readings."""
    from biolake.glucose import episodes, targets
    from biolake.glucose.readings import from_connection
    from biolake.glucose.summary import catalogue

    lo, hi = (ctx.prev_start, ctx.prev_end) if previous else (ctx.start, ctx.end)
    readings = from_connection(ctx.con, subject=ctx.subject, start=lo, end=hi)
    if not len(readings.glucose):
        return None
    found = episodes.table(readings)

    def count(kind: str) -> int:
        return sum(1 for e in found if e["episode_type"] == kind and e["level"] == "level_1")

    return {
        **catalogue(readings)[0],
        "active_percent": float(targets.period_active_percent(readings, 7)[0]),
        "lows": count("hypo"),
        "highs": count("hyper"),
        "days": [d for d in targets.windows(readings, days=1) if d["n_obs"]],
    }


def glucose(ctx: WeekContext) -> Section | None:
    """Glucose of the week from biolake.glucose: mean, GMI, time in ranges, CV, episodes and CGM activity
    beside last week's, and a day-by-day range bar."""
    now = week_glucose(ctx)
    if now is None:
        return None
    prev = week_glucose(ctx, previous=True) or {}
    metrics = [
        Metric("Mean glucose", now["mean"], "mg/dL", prev.get("mean"), better="none"),
        Metric("GMI", now["gmi"], "%", prev.get("gmi"), 1, "down"),
        Metric("Time in range", now["in_range_70_180"], "%", prev.get("in_range_70_180"), 1, "up"),
        Metric("Time below 70", now["below_70"], "%", prev.get("below_70"), 1, "down"),
        Metric("Time above 180", now["above_180"], "%", prev.get("above_180"), 1, "down"),
        Metric("Variability (CV)", now["cv"], "%", prev.get("cv"), 1, "down"),
        Metric("Lows (< 70)", now["lows"], "", prev.get("lows"), better="down"),
        Metric("Highs (> 180)", now["highs"], "", prev.get("highs"), better="down"),
        Metric("CGM active", now["active_percent"], "%", None, better="none"),
    ]
    week = now["days"]
    chart = charts.stacked_bars(
        [f"{d['window_end']:%a %d}" for d in week],
        [
            ("Below 70", [d["tbr_70_pct"] for d in week], charts.PALETTE["low"]),
            ("70–180", [d["tir_70_180_pct"] for d in week], charts.PALETTE["range"]),
            ("Above 180", [d["tar_180_pct"] for d in week], charts.PALETTE["high"]),
        ],
        "% of readings",
        ylim=(0, 100),
    )
    notes = []
    if now["below_70"] is not None and now["below_70"] >= 4:
        notes.append("Time below 70 mg/dL is at or above the 4 % consensus target.")
    if now["in_range_70_180"] is not None and now["in_range_70_180"] < 70:
        notes.append("Time in range is below the 70 % consensus target.")
    notes.append("Episodes start after 15 minutes beyond the threshold (consensus definition).")
    facts = metric_facts(metrics)
    return Section(
        "glucose",
        "Glucose",
        metrics=[m for m in metrics if m.value is not None],
        chart=chart,
        chart_caption="Share of CGM readings below, within and above 70–180 mg/dL each day.",
        notes=notes,
        facts={**facts, "notes": notes},
    )


INSIGHT_DAYS = 90
SKIP_INSIGHTS = ("anomalies",)  # day-level outliers, not a finding with an effect size
EFFECT_SYMBOLS = {"rho": "ρ", "epsilon_squared": "ε²", "rank_biserial": "r (rank-biserial)"}


def _p(value: float | None) -> str:
    if value is None:
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.)])\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]


def insights(ctx: WeekContext) -> Section | None:
    """The insights engine's findings with a clear signal over the 90 days ending with the week, each
    with its effect size, 95 % interval, p-value and n (``biolake.insights``, docs/insights.md)."""
    if ctx.paths is None:
        return None
    from biolake.errors import BiolakeError
    from biolake.insights.data import LakeData
    from biolake.insights.registry import ANALYZERS, run_insights

    names = [n for n in ANALYZERS if n not in SKIP_INSIGHTS]
    data = LakeData(ctx.paths, ctx.subject, ctx.end - timedelta(days=INSIGHT_DAYS - 1), ctx.end)
    try:
        results = run_insights(data, names)["results"]
    except BiolakeError as exc:
        log.warning("insights left out of the report: %s", exc)
        return None
    found = [r for r in results if r["verdict"] == "signal" and r["findings"]]
    if not found:
        return None
    rows, facts = [], []
    for r in found:
        f = r["findings"][0]
        interval = f["interval"]
        unit = f" {f['unit']}" if f["unit"] else ""
        symbol = EFFECT_SYMBOLS.get(f["effect_name"], f["effect_name"])
        effect = f"{symbol} = {_num(f['effect'])}{unit}"
        ci = f"{_num(interval['low'])} – {_num(interval['high'])}"
        rows.append([r["title"], f["label"], effect, ci, _p(f["p_value"]), str(f["n"])])
        facts.append(
            {
                "title": r["title"],
                "finding": f["label"],
                "effect": effect,
                "ci_95": ci,
                "p": _p(f["p_value"]),
                "n": f["n"],
            }
        )
    return Section(
        "insights",
        f"Findings of the last {INSIGHT_DAYS} days",
        table=Table(["Insight", "Finding", "Effect", "95 % CI", "p", "n"], rows, frozenset({2, 3, 4, 5})),
        notes=[_first_sentence(r["narrative"]) for r in found]
        + ["These are associations in your own data, not evidence of cause and effect."],
        facts={"findings": facts},
        of_the_week=False,
    )


SECTIONS: list[SectionBuilder] = [overview, recovery, training, sleep, workouts, nutrition, glucose, insights]
"""The weekly report's sections in order; append a builder to add one (insights, …)."""


def week_label(ctx: WeekContext) -> str:
    """``8–14 Nov 2026``, or ``28 Oct – 3 Nov 2026`` across months."""
    if ctx.start.month == ctx.end.month:
        return f"{ctx.start.day}–{ctx.end.day} {ctx.end:%b %Y}"
    return f"{ctx.start.day} {ctx.start:%b} – {ctx.end.day} {ctx.end:%b %Y}"
