"""Sleep → readiness: the night's sleep score against the readiness of the morning it ends on (and of the
day after), Pearson and Spearman correlations with Fisher-z intervals and the OLS slope with its CI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.frames import floats, inside, numeric
from biolake.insights.narrate import association, stats_text
from biolake.insights.stats import correlation, ols_slope

if TYPE_CHECKING:
    import pandas as pd


class SleepReadiness(BaseAnalyzer):
    name = "sleep_readiness"
    title = "Sleep and next-morning readiness"
    columns = ("sleep_score", "sleep_hours", "readiness_score")

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = inside(frame)
        sleep, ready, hours = (
            numeric(f, "sleep_score"),
            numeric(f, "readiness_score"),
            numeric(f, "sleep_hours"),
        )
        n = int((sleep.notna() & ready.notna()).sum())
        if n < self.min_n:
            return self.thin(n, "nights with both a sleep score and a readiness score")
        spearman = correlation(sleep, ready, "spearman", "sleep score vs readiness the same morning")
        findings = [
            spearman,
            correlation(sleep, ready, "pearson", "sleep score vs readiness the same morning"),
            ols_slope(sleep, ready, "readiness points per sleep-score point", "points/point"),
            correlation(sleep, ready.shift(-1), "spearman", "sleep score vs readiness a day later"),
            correlation(hours, ready, "spearman", "hours asleep vs readiness the same morning"),
        ]
        slope = findings[2]
        paired = f[sleep.notna() & ready.notna()]
        xs = numeric(paired, "sleep_score")
        intercept = float(ready.mean() - (slope.effect or 0) * sleep[ready.notna()].mean())
        chart = Chart(
            "scatter",
            "sleep score",
            "readiness score",
            floats(xs),
            {
                "readiness": floats(numeric(paired, "readiness_score")),
                "fit": floats(intercept + (slope.effect or 0) * xs),
            },
        )
        return Result(self.name, self.title, verdict_of(spearman, 0.1), n, findings, chart=chart)

    def describe(self, result: Result) -> str:
        main, _, slope, lagged, hours = result.findings
        text = association(main, "sleep scores", "readiness the next morning", "Nights")
        if slope.effect is not None:
            text += (
                f" On average, readiness differed by {slope.effect:.2f} points per sleep-score point "
                f"({stats_text(slope)})."
            )
        if lagged.effect is not None:
            text += f" With readiness one day later: {stats_text(lagged)}."
        if hours.effect is not None:
            text += f" Hours asleep: {stats_text(hours)}."
        return text
