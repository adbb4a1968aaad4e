"""Workout intensity → recovery: on training days, the day's training stress (TSS) against the next
morning's readiness and HRV (Spearman), with a LOWESS curve for the shape."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.frames import inside, numeric
from biolake.insights.narrate import association, stats_text
from biolake.insights.stats import correlation, lowess

if TYPE_CHECKING:
    import pandas as pd


class IntensityRecovery(BaseAnalyzer):
    name = "intensity_recovery"
    title = "Workout intensity and next-day recovery"
    columns = ("tss", "readiness_score", "sleep_hrv_ms", "sleep_lowest_hr_bpm")
    min_n = 20

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = frame.copy()
        for col in ("readiness_score", "sleep_hrv_ms", "sleep_lowest_hr_bpm"):
            f[f"next_{col}"] = numeric(f, col).shift(-1)
        f = inside(f)
        f = f[numeric(f, "tss") > 0]
        tss = numeric(f, "tss")
        ready = numeric(f, "next_readiness_score")
        n = int((ready.notna()).sum())
        if n < self.min_n:
            return self.thin(n, "training days followed by a readiness score")
        main = correlation(tss, ready, "spearman", "day's TSS vs next-morning readiness")
        findings = [
            main,
            correlation(tss, numeric(f, "next_sleep_hrv_ms"), "spearman", "day's TSS vs next-night HRV"),
            correlation(
                tss, numeric(f, "next_sleep_lowest_hr_bpm"), "spearman", "day's TSS vs next-night lowest HR"
            ),
        ]
        xs, ys = lowess(tss, ready)
        chart = Chart(
            "line", "training stress (TSS)", "next-morning readiness (LOWESS)", xs, {"readiness": list(ys)}
        )
        return Result(self.name, self.title, verdict_of(main, 0.1), n, findings, chart=chart)

    def describe(self, result: Result) -> str:
        main, hrv, hr = result.findings
        text = association(main, "training stress on a training day", "readiness the next morning")
        return text + f" Next-night HRV: {stats_text(hrv)}. Next-night lowest heart rate: {stats_text(hr)}."
