"""Workout type → next-day recovery: the change in readiness from the workout day to the next morning,
grouped by the day's main activity type (the one with the most training stress) and rest days;
Kruskal-Wallis across the groups (ε²), and each type against rest days (Mann-Whitney, rank-biserial r)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.data import LakeData
from biolake.insights.frames import inside, numeric
from biolake.insights.narrate import p_text, stats_text
from biolake.insights.stats import kruskal, mann_whitney

if TYPE_CHECKING:
    import pandas as pd

MIN_GROUP = 5
REST = "rest"


class WorkoutType(BaseAnalyzer):
    name = "workout_type_recovery"
    title = "Workout type and next-day recovery"

    def load(self, data: LakeData) -> pd.DataFrame:
        return data.frame(
            f"""
            WITH main AS (
                SELECT local_date AS date_day, arg_max(activity_type, tss) AS activity_type
                FROM intermediate.int_workouts_stress
                WHERE subject_id = $subject AND tss > 0
                GROUP BY local_date
            )
            SELECT d.date_day, coalesce(m.activity_type, '{REST}') AS activity_type,
                   lead(d.readiness_score) OVER w - d.readiness_score AS readiness_change,
                   lead(d.sleep_hrv_ms) OVER w - d.sleep_hrv_ms AS hrv_change,
                   {"d.date_day >= $start::DATE" if data.start else "true"} AS in_range
            FROM gold.daily_summary d LEFT JOIN main m USING (date_day)
            WHERE {data.where("d.date_day")}
            WINDOW w AS (ORDER BY d.date_day)
            ORDER BY d.date_day
            """
        )

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = inside(frame)
        f = f[numeric(f, "readiness_change").notna()]
        sizes = f["activity_type"].value_counts()
        kept = [t for t in sizes.index if sizes[t] >= MIN_GROUP]
        n = int(sizes[kept].sum()) if kept else 0
        if len(kept) < 2 or n < self.min_n:
            return self.thin(n, f"days in activity groups of at least {MIN_GROUP} days (two groups needed)")
        change = {t: numeric(f[f["activity_type"] == t], "readiness_change") for t in kept}
        main = kruskal(list(change.values()), "readiness change by activity type")
        findings = [main]
        if REST in change:
            for t in kept:
                if t != REST:
                    findings.append(mann_whitney(change[t], change[REST], f"{t} days vs rest days"))
        medians = {t: float(change[t].median()) for t in kept}
        summary = {
            "groups": {
                t: {"days": int(sizes[t]), "median_readiness_change": round(medians[t], 2)} for t in kept
            }
        }
        chart = Chart(
            "bar",
            "activity type",
            "median next-day readiness change",
            kept,
            {"median_change": [round(medians[t], 2) for t in kept]},
        )
        return Result(self.name, self.title, verdict_of(main), n, findings, summary, chart)

    def describe(self, result: Result) -> str:
        main = result.findings[0]
        groups = result.summary["groups"]
        parts = ", ".join(
            f"{t} {g['median_readiness_change']:+.1f} (n = {g['days']})" for t, g in groups.items()
        )
        head = (
            "Next-morning readiness changes differed between activity types"
            if result.verdict == "signal"
            else "No clear difference in next-morning readiness changes between activity types"
        )
        text = f"{head} ({stats_text(main, 3)}). Median change by type: {parts}."
        for f in result.findings[1:]:
            if f.effect is not None:
                text += f" {f.label}: rank-biserial r = {f.effect:.2f} ({p_text(f.p_value)})."
        return (
            text
            + " Differences between groups of days are associations; other things differ on those days too."
        )
