"""Sleep architecture: mean stage shares and efficiency (intervals with an AR(1) effective n) against
adult reference ranges, sleep on free-day nights against work-day nights (Mann-Whitney, rank-biserial r)
and regularity (gold.sleep_architecture).

Reference ranges for healthy adults (Ohayon et al. 2004, Sleep 27:1255; AASM): deep (N3) 13–23 %, REM
20–25 %, efficiency ≥ 85 %."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Result, verdict_of
from biolake.insights.frames import inside, numeric
from biolake.insights.narrate import stats_text
from biolake.insights.stats import mann_whitney, mean_interval

if TYPE_CHECKING:
    import pandas as pd

REFERENCE = {"deep_pct": (13.0, 23.0), "rem_pct": (20.0, 25.0), "efficiency_pct": (85.0, 100.0)}


class SleepArchitecture(BaseAnalyzer):
    name = "sleep_architecture"
    title = "Sleep architecture"
    table = "gold.sleep_architecture"
    columns = (
        "total_sleep_min",
        "deep_pct",
        "rem_pct",
        "efficiency_pct",
        "is_free_day_night",
        "midpoint_sd_28d_min",
        "social_jetlag_28d_min",
        "regularity_score_28d",
    )
    min_n = 14

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = inside(frame)
        total = numeric(f, "total_sleep_min") / 60
        n = int(total.notna().sum())
        if n < self.min_n:
            return self.thin(n, "nights")
        free = f["is_free_day_night"].fillna(False).astype(bool)
        main = mann_whitney(total[free], total[~free], "hours asleep, free-day vs work-day nights")
        findings = [main] + [mean_interval(numeric(f, c), f"mean {c}", "%") for c in REFERENCE]
        findings.append(mean_interval(total, "mean hours asleep", "h"))
        last = f.iloc[-1]
        summary = {
            "free_day_median_h": round(float(total[free].median()), 2) if free.any() else None,
            "work_day_median_h": round(float(total[~free].median()), 2) if (~free).any() else None,
            "reference_ranges_pct": {k: list(v) for k, v in REFERENCE.items()},
            "outside_reference": [
                c
                for c, (lo, hi) in REFERENCE.items()
                if (m := numeric(f, c).mean()) == m and not lo <= m <= hi
            ],
            "midpoint_sd_28d_min": None
            if last["midpoint_sd_28d_min"] != last["midpoint_sd_28d_min"]
            else round(float(last["midpoint_sd_28d_min"]), 1),
            "social_jetlag_28d_min": None
            if last["social_jetlag_28d_min"] != last["social_jetlag_28d_min"]
            else round(float(last["social_jetlag_28d_min"]), 1),
        }
        return Result(self.name, self.title, verdict_of(main, 0.1), n, findings, summary)

    def describe(self, result: Result) -> str:
        main, deep, rem, eff, hours = result.findings
        s = result.summary
        text = (
            f"Over {result.n} nights you slept on average {stats_text(hours)}; deep {deep.effect:.1f} %, REM "
            f"{rem.effect:.1f} %, efficiency {eff.effect:.1f} %."
            if None not in (deep.effect, rem.effect, eff.effect, hours.effect)
            else f"Over {result.n} nights:"
        )
        if s["outside_reference"]:
            text += f" Outside the adult reference ranges: {', '.join(s['outside_reference'])}."
        text += (
            f" Free-day nights {s['free_day_median_h']} h vs work-day nights "
            f"{s['work_day_median_h']} h (median; "
            f"{stats_text(main)})."
        )
        if s["social_jetlag_28d_min"] is not None:
            text += (
                f" Social jet lag (28 d): {s['social_jetlag_28d_min']} min; "
                f"midpoint SD {s['midpoint_sd_28d_min']} min."
            )
        return text
