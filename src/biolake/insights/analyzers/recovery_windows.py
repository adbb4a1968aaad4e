"""Recovery windows by intensity: next-day readiness change after days whose hardest workout falls in
each intensity band (Allen & Coggan IF bands, from intermediate.int_workouts_stress), Kruskal-Wallis across
bands (ε²), plus gold.workout_recovery_windows (days until HRV / resting HR are back to baseline)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.data import LakeData
from biolake.insights.frames import inside, numeric
from biolake.insights.narrate import stats_text
from biolake.insights.stats import kruskal

if TYPE_CHECKING:
    import pandas as pd

BANDS = ("recovery", "endurance", "tempo", "threshold_plus")
MIN_GROUP = 5


class RecoveryWindows(BaseAnalyzer):
    name = "recovery_windows"
    title = "Recovery windows by intensity"

    def load(self, data: LakeData) -> pd.DataFrame:
        frame = data.frame(
            f"""
            WITH band AS (
                SELECT local_date AS date_day, arg_max(intensity_band, intensity_factor) AS intensity_band
                FROM intermediate.int_workouts_stress WHERE subject_id = $subject AND tss > 0
                GROUP BY local_date
            )
            SELECT d.date_day, b.intensity_band,
                   lead(d.readiness_score) OVER w - d.readiness_score AS readiness_change,
                   {"d.date_day >= $start::DATE" if data.start else "true"} AS in_range
            FROM gold.daily_summary d JOIN band b USING (date_day)
            WHERE {data.where("d.date_day")}
            WINDOW w AS (ORDER BY d.date_day)
            ORDER BY d.date_day
            """
        )
        windows = data.frame(
            "SELECT intensity_band, metric, events, mean_days_to_baseline, share_back_day1, share_back_day2 "
            "FROM gold.workout_recovery_windows WHERE subject_id = $subject ORDER BY band_order, metric"
        )
        frame.attrs["windows"] = windows.to_dict("records")
        return frame

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = inside(frame)
        f = f[numeric(f, "readiness_change").notna()]
        sizes = f["intensity_band"].value_counts()
        kept = [b for b in BANDS if sizes.get(b, 0) >= MIN_GROUP]
        n = int(sum(sizes[b] for b in kept))
        if len(kept) < 2 or n < self.min_n:
            return self.thin(n, f"training days in intensity bands of at least {MIN_GROUP} days")
        groups = {b: numeric(f[f["intensity_band"] == b], "readiness_change") for b in kept}
        main = kruskal(list(groups.values()), "next-day readiness change by intensity band")
        medians = {b: round(float(groups[b].median()), 2) for b in kept}
        windows: list[dict[str, Any]] = [
            {k: (None if v != v else v) for k, v in row.items()} for row in frame.attrs.get("windows", [])
        ]
        summary = {
            "median_readiness_change": medians,
            "days": {b: int(sizes[b]) for b in kept},
            "windows": windows,
        }
        chart = Chart(
            "bar",
            "intensity band",
            "median next-day readiness change",
            kept,
            {"median_change": [medians[b] for b in kept]},
        )
        return Result(self.name, self.title, verdict_of(main), n, [main], summary, chart)

    def describe(self, result: Result) -> str:
        med = ", ".join(f"{b} {v:+.1f}" for b, v in result.summary["median_readiness_change"].items())
        head = (
            "Next-day readiness changes differed by intensity"
            if result.verdict == "signal"
            else "No clear difference in next-day readiness changes by intensity"
        )
        text = f"{head} ({stats_text(result.findings[0], 3)}); median change: {med}."
        hrv = [
            w
            for w in result.summary["windows"]
            if w.get("metric") == "hrv" and w.get("mean_days_to_baseline") is not None
        ]
        if hrv:
            text += (
                " HRV back to baseline after "
                + ", ".join(f"{w['intensity_band']} {w['mean_days_to_baseline']:.1f} d" for w in hrv)
                + " on average."
            )
        return text
