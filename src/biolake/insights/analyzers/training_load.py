"""Training load: the Performance Management Chart state of the last day (CTL, ATL, TSB, ramp rate from
gold.training_load_daily), its form band, and "recovery impaired" when form is low while resting heart rate
or HRV deviate from their baseline. The statistic: TSB against the same day's readiness (Spearman).

Form bands after Friel / TrainingPeaks' Performance Management Chart guide: TSB > +25 transition
(detraining), +5..+25 fresh, −10..+5 neutral, −30..−10 productive training, < −30 high fatigue.
A CTL ramp above 8 per week is called aggressive (TrainingPeaks: 5–8 is a sustainable build).
Recovery impaired: TSB < −10 and (resting HR robust z ≥ +1.5 or HRV robust z ≤ −1.5) against the trailing
28 days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.analyzers.anomalies import rolling_z
from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.frames import days, floats, inside, numeric
from biolake.insights.narrate import association
from biolake.insights.stats import correlation

if TYPE_CHECKING:
    import pandas as pd

LOW_TSB = -10.0
DEVIATION_Z = 1.5
RAMP_AGGRESSIVE = 8.0


def form_band(tsb: float) -> str:
    if tsb > 25:
        return "transition"
    if tsb > 5:
        return "fresh"
    if tsb >= -10:
        return "neutral"
    if tsb >= -30:
        return "productive"
    return "high_fatigue"


class TrainingLoad(BaseAnalyzer):
    name = "training_load"
    title = "Training load and form"
    columns = ("tss", "ctl", "atl", "tsb", "readiness_score", "resting_hr_bpm", "sleep_hrv_ms")
    pad_before = 28

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = frame.copy()
        f["rhr_z"] = rolling_z(numeric(f, "resting_hr_bpm"))[0]
        f["hrv_z"] = rolling_z(numeric(f, "sleep_hrv_ms"))[0]
        f = inside(f)
        tsb, rhr_z, hrv_z = numeric(f, "tsb"), numeric(f, "rhr_z"), numeric(f, "hrv_z")
        impaired = (tsb < LOW_TSB) & ((rhr_z >= DEVIATION_Z) | (hrv_z <= -DEVIATION_Z))
        n = int((tsb.notna() & numeric(f, "readiness_score").notna()).sum())
        if n < self.min_n:
            return self.thin(n, "days with both form (TSB) and readiness")
        main = correlation(tsb, numeric(f, "readiness_score"), "spearman", "form (TSB) vs readiness")
        ctl = numeric(f, "ctl")
        last = f.iloc[-1]
        ramp = float(ctl.iloc[-1] - ctl.iloc[-8]) if len(ctl) >= 8 else None
        summary = {
            "last_day": str(last["date_day"])[:10],
            "ctl": round(float(last["ctl"]), 1),
            "atl": round(float(last["atl"]), 1),
            "tsb": round(float(last["tsb"]), 1),
            "form_band": form_band(float(last["tsb"])),
            "ramp_rate_per_week": None if ramp is None else round(ramp, 2),
            "ramp_aggressive": ramp is not None and ramp > RAMP_AGGRESSIVE,
            "recovery_impaired": bool(impaired.iloc[-1]),
            "recovery_impaired_days": int(impaired.sum()),
        }
        chart = Chart(
            "line", "day", "training load", days(f), {k: floats(numeric(f, k)) for k in ("ctl", "atl", "tsb")}
        )
        return Result(self.name, self.title, verdict_of(main, 0.1), n, [main], summary, chart)

    def describe(self, result: Result) -> str:
        s = result.summary
        text = (
            f"On {s['last_day']}: fitness (CTL) {s['ctl']}, fatigue (ATL) {s['atl']}, form (TSB) "
            f"{s['tsb']} — "
            f"the {s['form_band'].replace('_', ' ')} band; CTL ramp {s['ramp_rate_per_week']} per week"
            f"{' (aggressive)' if s['ramp_aggressive'] else ''}."
        )
        if s["recovery_impaired"]:
            text += " Recovery looks impaired: form is low and resting HR or HRV is off your baseline."
        text += f" {s['recovery_impaired_days']} day(s) in the range met the recovery-impaired rule. "
        return text + association(result.findings[0], "form (TSB)", "readiness")
