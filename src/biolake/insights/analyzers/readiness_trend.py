"""Readiness trend: 7- and 14-day rolling means and the Theil-Sen slope (points per week, Sen's interval,
Mann-Kendall p) over the last 28 days and over the whole range."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Chart, Finding, Interval, Result, verdict_of
from biolake.insights.frames import days, floats, inside, numeric
from biolake.insights.narrate import stats_text
from biolake.insights.stats import theil_sen

if TYPE_CHECKING:
    import pandas as pd

RECENT_DAYS = 28


def per_week(f: Finding, unit: str = "points/week") -> Finding:
    """A per-day slope rescaled to per week."""
    scale = 7.0
    low, high = f.interval.low, f.interval.high
    return replace(
        f,
        effect=None if f.effect is None else f.effect * scale,
        interval=Interval(None if low is None else low * scale, None if high is None else high * scale),
        unit=unit,
    )


def slope(frame: pd.DataFrame, label: str) -> Finding:
    import pandas as pd

    t = (pd.to_datetime(frame["date_day"]) - pd.to_datetime(frame["date_day"]).min()).dt.days
    return per_week(theil_sen(numeric(frame, "readiness_score"), t.astype(float), label))


class ReadinessTrend(BaseAnalyzer):
    name = "readiness_trend"
    title = "Readiness trend"
    columns = ("readiness_score",)
    pad_before = 14
    min_n = 14

    def analyze(self, frame: pd.DataFrame) -> Result:
        ready = numeric(frame, "readiness_score")
        f = frame.assign(
            mean_7d=ready.rolling(7, min_periods=4).mean(), mean_14d=ready.rolling(14, min_periods=7).mean()
        )
        f = inside(f)
        recent = f.tail(RECENT_DAYS)
        n = int(numeric(recent, "readiness_score").notna().sum())
        if n < self.min_n:
            return self.thin(n, f"readiness scores in the last {RECENT_DAYS} days")
        main = slope(recent, f"readiness slope over the last {RECENT_DAYS} days")
        findings = [main, slope(f, "readiness slope over the whole range")]
        last = f.iloc[-1]
        summary = {
            "last_day": str(last["date_day"])[:10],
            "mean_7d": None if last["mean_7d"] != last["mean_7d"] else round(float(last["mean_7d"]), 2),
            "mean_14d": None if last["mean_14d"] != last["mean_14d"] else round(float(last["mean_14d"]), 2),
        }
        chart = Chart(
            "line",
            "day",
            "readiness",
            days(f),
            {
                "readiness": floats(numeric(f, "readiness_score")),
                "mean_7d": floats(f["mean_7d"]),
                "mean_14d": floats(f["mean_14d"]),
            },
        )
        return Result(self.name, self.title, verdict_of(main), n, findings, summary, chart)

    def describe(self, result: Result) -> str:
        main, whole = result.findings
        s = result.summary
        if result.verdict == "signal" and main.effect is not None:
            rising = "rising" if main.effect > 0 else "falling"
            head = f"Readiness has been {rising} over the last {RECENT_DAYS} days"
        else:
            head = f"No clear readiness trend over the last {RECENT_DAYS} days"
        return (
            f"{head} ({stats_text(main)}). Over the whole range: {stats_text(whole)}. "
            f"7-day mean {s['mean_7d']}, 14-day mean {s['mean_14d']} on {s['last_day']}."
        )
