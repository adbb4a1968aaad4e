"""Per-day and rolling-window summaries with the international consensus targets.

Targets (Battelino et al., "Clinical Targets for Continuous Glucose Monitoring Data Interpretation",
Diabetes Care 2019;42:1593): time in range 70–180 > 70 %, below 70 < 4 %, below 54 < 1 %, above 180
< 25 %, above 250 < 5 %, CV ≤ 36 %; a 14-day period is sufficient with ≥ 70 % of its possible readings.
The percentages are iglu's reading-count percentages (``metrics.ranges``), the mean, SD, CV and GMI
those of ``metrics.location_spread``: the same definitions, computed here from per-day sums so a year of
rolling windows costs one pass over the readings. Active percent is iglu's ``active_percent`` with
``range_type = "manual"``: readings / (days · 1440 / dt), dt the subject's median interval, capped at 100
(local days lengthened by travel or a DST change can hold more than 1440 / dt readings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from biolake.glucose.readings import US_PER_DAY, BoolArray, FloatArray, IntArray, Readings

TARGETS = {  # name: (metric, comparison, limit)
    "meets_tir_target": ("tir_70_180_pct", ">", 70.0),
    "meets_tbr_70_target": ("tbr_70_pct", "<", 4.0),
    "meets_tbr_54_target": ("tbr_54_pct", "<", 1.0),
    "meets_tar_180_target": ("tar_180_pct", "<", 25.0),
    "meets_tar_250_target": ("tar_250_pct", "<", 5.0),
    "meets_cv_target": ("cv_pct", "<=", 36.0),
}
SUFFICIENT_ACTIVE_PCT = 70.0
SUFFICIENT_DAYS = 14
CONSENSUS = (  # the same targets on the keys of a summary record (biolake.glucose.summary): key, op, limit
    ("in_range_70_180", ">", 70.0),
    ("below_70", "<", 4.0),
    ("below_54", "<", 1.0),
    ("above_180", "<", 25.0),
    ("above_250", "<", 5.0),
    ("cv", "<=", 36.0),
)
COUNTS: dict[str, Callable[[FloatArray], BoolArray]] = {  # column: predicate (mg/dL), as metrics.ranges
    "tir_70_180_pct": lambda x: (x >= 70) & (x <= 180),
    "tbr_70_pct": lambda x: x < 70,
    "tbr_54_pct": lambda x: x < 54,
    "tar_180_pct": lambda x: x > 180,
    "tar_250_pct": lambda x: x > 250,
}


def _day_sums(r: Readings) -> tuple[IntArray, IntArray, dict[str, FloatArray]]:
    """Per (group, day) from each group's first to last day: group, day and sums (n, Σx, Σx², counts)."""
    n = r.n_groups
    day = r.day()
    bounds = r.bounds
    k = np.diff(bounds)
    has = k > 0
    first = np.zeros(n, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    first[has] = day[bounds[:-1][has]]
    last[has] = day[bounds[1:][has] - 1]
    n_days = np.where(has, last - first + 1, 0)
    row_start = np.r_[0, np.cumsum(n_days)[:-1]]
    rows = int(n_days.sum())
    row_group = np.repeat(np.arange(n), n_days)
    row_day = first[row_group] + np.arange(rows) - row_start[row_group]
    row = row_start[r.group] + day - first[r.group]
    x = r.glucose
    # Σx² around each group's mean keeps the SD exact to ~1e-12 when taken from sums
    centre = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre[has] = (np.bincount(r.group, weights=x, minlength=n) / np.maximum(k, 1))[has]
    dev = x - centre[r.group]
    sums: dict[str, FloatArray] = {
        "n": np.bincount(row, minlength=rows).astype(np.float64),
        "s1": np.bincount(row, weights=dev, minlength=rows).astype(np.float64),
        "s2": np.bincount(row, weights=dev * dev, minlength=rows).astype(np.float64),
        "centre": centre[row_group],
    }
    for name, pred in COUNTS.items():
        sums[name] = np.bincount(row[pred(x)], minlength=rows).astype(np.float64)
    return row_group.astype(np.int64), row_day.astype(np.int64), sums


def _rolling(v: FloatArray, row_group: np.ndarray, days: int) -> FloatArray:
    """Sum over the last ``days`` rows of the same group (rows are consecutive days)."""
    c = np.r_[0.0, np.cumsum(v)]
    idx = np.arange(len(v))
    group_start = np.searchsorted(row_group, row_group)  # first row of the row's group
    lo = np.maximum(idx - days + 1, group_start)
    out: FloatArray = c[idx + 1] - c[lo]
    return out


def windows(r: Readings, days: int = 14) -> list[dict[str, Any]]:
    """One row per group and day from its first to its last day with data: the ``days``-day window
    ending that day (``days`` = 1: the day itself), with the consensus flags."""
    row_group, row_day, sums = _day_sums(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        roll = {k: _rolling(v, row_group, days) for k, v in sums.items() if k != "centre"}
        dwd = _rolling((sums["n"] > 0).astype(np.float64), row_group, days)
        n = roll["n"]
        mean_dev = roll["s1"] / n
        mean = sums["centre"] + mean_dev
        var = (roll["s2"] - n * mean_dev**2) / (n - 1)
        sd = np.sqrt(np.maximum(var, 0.0))
        sd[n < 2] = np.nan
        active = _active(n, _interval(r)[row_group], days)
        pct = {k: 100 * roll[k] / n for k in COUNTS}
    out: list[dict[str, Any]] = []
    epoch = np.datetime64("1970-01-01", "D")
    for i in range(len(row_group)):
        rec: dict[str, Any] = {
            "subject_id": r.labels[row_group[i]],
            "window_start": (epoch + np.timedelta64(int(row_day[i]) - days + 1, "D")).item(),
            "window_end": (epoch + np.timedelta64(int(row_day[i]), "D")).item(),
            "days_with_data": int(dwd[i]),
            "n_obs": int(n[i]),
            "active_percent": _num(active[i]),
            "mean_mgdl": _num(mean[i]),
            "sd_mgdl": _num(sd[i]),
            "cv_pct": _num(100 * sd[i] / mean[i]),
            "gmi_pct": _num(3.31 + 0.02392 * mean[i]),
        }
        rec.update({k: _num(v[i]) for k, v in pct.items()})
        for flag, (metric, op, limit) in TARGETS.items():
            value = rec[metric]
            rec[flag] = None if value is None else bool(_compare(value, op, limit))
        met = [rec[f] for f in TARGETS]
        rec["meets_all_targets"] = None if None in met else all(met)
        rec["sufficient_data"] = bool(rec["active_percent"] is not None and rec["active_percent"] >= 70.0)
        out.append(rec)
    return out


def _interval(r: Readings) -> FloatArray:
    """Each group's median interval in whole minutes (5 when it cannot be told)."""
    dt = r.median_interval_min()
    return np.where(np.isnan(dt), 5.0, np.round(dt))


def _active(n: FloatArray, dt: FloatArray, days: int) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.minimum(100 * n / (days * 1440 / dt), 100.0)
    return out


def period_active_percent(r: Readings, days: int) -> FloatArray:
    """Per group, the percentage of the period's possible readings present (the AGP report's "% time CGM
    is active"): readings / (``days`` · 1440 / dt), dt the median interval, capped at 100, as the windows."""
    return _active(r.counts().astype(np.float64), _interval(r), days)


def consensus(record: dict[str, Any], days: int, active_percent: float | None) -> dict[str, Any]:
    """The consensus targets evaluated on a summary record (``summarize``/``catalogue``) of a ``days``-day
    period: ``{key: met (bool, None when undefined)}`` for every key of :data:`CONSENSUS`,
    ``meets_all_targets`` and ``sufficient_data``: at least 14 days with ≥ 70 % of the possible readings
    (Battelino et al. 2019)."""
    out: dict[str, Any] = {}
    for key, op, limit in CONSENSUS:
        value = record.get(key)
        out[key] = None if value is None else _compare(float(value), op, limit)
    met = [out[key] for key, _, _ in CONSENSUS]
    out["meets_all_targets"] = None if None in met else all(met)
    out["sufficient_data"] = bool(
        days >= SUFFICIENT_DAYS and active_percent is not None and active_percent >= SUFFICIENT_ACTIVE_PCT
    )
    return out


def _compare(value: float, op: str, limit: float) -> bool:
    return value > limit if op == ">" else value < limit if op == "<" else value <= limit


def _num(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


__all__ = ["CONSENSUS", "TARGETS", "US_PER_DAY", "consensus", "period_active_percent", "windows"]
