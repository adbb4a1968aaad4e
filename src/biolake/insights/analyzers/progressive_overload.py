"""Progressive overload: weekly training output (TSS and cycling kJ summed over complete Monday weeks) and
its trend, as a Theil-Sen slope per week with Sen's interval and the Mann-Kendall p-value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.data import LakeData
from biolake.insights.frames import floats, numeric
from biolake.insights.narrate import stats_text
from biolake.insights.stats import theil_sen

if TYPE_CHECKING:
    import pandas as pd

RECENT_WEEKS = 12


class ProgressiveOverload(BaseAnalyzer):
    name = "progressive_overload"
    title = "Progressive overload (weekly output)"
    min_n = 6

    def load(self, data: LakeData) -> pd.DataFrame:
        return data.frame(
            f"""
            SELECT date_trunc('week', date_day)::DATE AS week_start, count(*) AS days,
                   sum(tss) AS tss, sum(coalesce(workout_output_kj, 0)) AS output_kj,
                   sum(coalesce(workout_min, 0)) AS workout_min
            FROM gold.daily_summary WHERE {data.where()}
            GROUP BY 1 HAVING count(*) = 7 ORDER BY 1
            """
        )

    def analyze(self, frame: pd.DataFrame) -> Result:
        n = len(frame)
        if n < self.min_n:
            return self.thin(n, "complete weeks")
        recent = frame.tail(RECENT_WEEKS)
        main = theil_sen(
            numeric(recent, "tss"),
            label=f"weekly TSS trend over the last {len(recent)} weeks",
            unit="TSS/week per week",
        )
        findings = [
            main,
            theil_sen(
                numeric(recent, "output_kj"),
                label=f"weekly output trend over the last {len(recent)} weeks",
                unit="kJ/week per week",
            ),
            theil_sen(
                numeric(frame, "tss"), label="weekly TSS trend over the whole range", unit="TSS/week per week"
            ),
        ]
        weeks = [str(w)[:10] for w in frame["week_start"]]
        summary = {
            "last_week": weeks[-1],
            "last_week_tss": round(float(frame["tss"].iloc[-1]), 1),
            "mean_weekly_tss": round(float(numeric(recent, "tss").mean()), 1),
        }
        chart = Chart(
            "bar",
            "week",
            "weekly load",
            weeks,
            {"tss": floats(numeric(frame, "tss")), "output_kj": floats(numeric(frame, "output_kj"))},
        )
        return Result(self.name, self.title, verdict_of(main), n, findings, summary, chart)

    def describe(self, result: Result) -> str:
        main = result.findings[0]
        if result.verdict == "signal" and main.effect is not None:
            head = f"Weekly training load has been {'rising' if main.effect > 0 else 'falling'}"
        else:
            head = "No clear trend in weekly training load"
        return (
            f"{head} ({stats_text(main, 1)}); cycling output: {stats_text(result.findings[1], 1)}. "
            f"Mean weekly TSS {result.summary['mean_weekly_tss']}, last complete week "
            f"{result.summary['last_week_tss']}. "
            "Planned deload weeks make week-to-week numbers noisy."
        )
