"""Anomaly detection: each day's value against the person's own trailing 28-day baseline (the previous
28 days, at least 14 with data) as a robust z-score (x − median)/(1.4826·MAD); |z| ≥ 3.5 is flagged
(Iglewicz & Hoaglin 1993, "How to Detect and Handle Outliers")."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from biolake.insights.base import BaseAnalyzer, Chart, Finding, Interval, Result, Verdict
from biolake.insights.frames import days, floats, inside, numeric
from biolake.insights.stats import robust_z

if TYPE_CHECKING:
    import pandas as pd

BASELINE_DAYS = 28
MIN_BASELINE = 14
THRESHOLD = 3.5
METRICS = {
    "readiness_score": "points",
    "sleep_hrv_ms": "ms",
    "resting_hr_bpm": "bpm",
    "temperature_deviation_c": "°C",
    "sleep_hours": "h",
    "steps": "steps",
    "glucose_mean_mgdl": "mg/dL",
}
MAX_LISTED = 25


def rolling_z(values: pd.Series) -> tuple[list[float | None], list[float | None], list[float | None]]:
    """Robust z, baseline median and scaled MAD of every day against the previous ``BASELINE_DAYS``."""
    zs: list[float | None] = []
    meds: list[float | None] = []
    mads: list[float | None] = []
    arr = values.to_numpy(dtype=float)
    for i, v in enumerate(arr):
        base = arr[max(0, i - BASELINE_DAYS) : i]
        base = base[~(base != base)]
        if math.isnan(v) or len(base) < MIN_BASELINE:
            zs.append(None)
            meds.append(None)
            mads.append(None)
            continue
        z, med, mad = robust_z(v, base)
        zs.append(z)
        meds.append(med)
        mads.append(mad)
    return zs, meds, mads


def two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


class Anomalies(BaseAnalyzer):
    name = "anomalies"
    title = "Unusual days against your own baseline"
    columns = tuple(METRICS)
    pad_before = BASELINE_DAYS
    min_n = 1

    def analyze(self, frame: pd.DataFrame) -> Result:
        import pandas as pd

        scored = frame.copy()
        for metric in METRICS:
            zs, meds, mads = rolling_z(numeric(frame, metric))
            scored[f"{metric}_z"], scored[f"{metric}_median"], scored[f"{metric}_mad"] = zs, meds, mads
        f = inside(scored)
        n = int(sum(pd.to_numeric(f[f"{m}_z"], errors="coerce").notna().sum() for m in METRICS))
        if n < self.min_n:
            return self.thin(n, f"days with a {BASELINE_DAYS}-day baseline of at least {MIN_BASELINE} values")
        findings: list[Finding] = []
        flagged: list[dict[str, Any]] = []
        for metric, unit in METRICS.items():
            col = pd.to_numeric(f[f"{metric}_z"], errors="coerce")
            have = f[col.notna()]
            if have.empty:
                continue
            last = have.iloc[-1]
            z, med, mad = (
                float(last[f"{metric}_z"]),
                float(last[f"{metric}_median"]),
                float(last[f"{metric}_mad"]),
            )
            findings.append(
                Finding(
                    f"{metric} on {str(last['date_day'])[:10]} (value {float(last[metric]):.4g} {unit})",
                    "robust_z",
                    int(col.notna().sum()),
                    z,
                    "z",
                    Interval(med - THRESHOLD * mad, med + THRESHOLD * mad, kind="reference_range"),
                    two_sided_p(z),
                    unit,
                )
            )
            for _, row in have[col[col.notna()].abs() >= THRESHOLD].iterrows():
                flagged.append(
                    {
                        "date": str(row["date_day"])[:10],
                        "metric": metric,
                        "value": float(row[metric]),
                        "baseline_median": float(row[f"{metric}_median"]),
                        "z": round(float(row[f"{metric}_z"]), 2),
                    }
                )
        flagged.sort(key=lambda r: (r["date"], -abs(r["z"])), reverse=True)
        summary = {
            "threshold": THRESHOLD,
            "flagged_days": len({r["date"] for r in flagged}),
            "flags": flagged[:MAX_LISTED],
        }
        chart = Chart(
            "line",
            "day",
            "robust z",
            days(f),
            {m: floats(pd.to_numeric(f[f"{m}_z"], errors="coerce")) for m in METRICS},
        )
        verdict: Verdict = "signal" if flagged else "no_clear_signal"
        return Result(self.name, self.title, verdict, n, findings, summary, chart)

    def describe(self, result: Result) -> str:
        flags = result.summary["flags"]
        if not flags:
            text = f"No day in the range was further than {THRESHOLD} robust SDs from your trailing baseline."
        else:
            listed = "; ".join(
                f"{r['date']} {r['metric']} {r['value']:.4g} (z = {r['z']:+.1f})" for r in flags[:5]
            )
            text = (
                f"{result.summary['flagged_days']} day(s) stood out from your trailing {BASELINE_DAYS}-day "
                "baseline "
                f"(|z| ≥ {THRESHOLD}); most recent: {listed}."
            )
        latest = ", ".join(
            f"{f.label.split(' on ')[0]} z = {f.effect:+.1f}" for f in result.findings if f.effect is not None
        )
        return f"{text} Latest day: {latest}. An unusual value is a prompt to look, not a diagnosis."
