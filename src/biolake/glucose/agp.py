"""Ambulatory Glucose Profile (AGP): percentiles of glucose by time of day over a period, and each day's
profile, the data behind the AGP report (Bergenstal et al., "Recommendations for standardizing glucose
reporting and analysis to optimize clinical decision making in diabetes: the Ambulatory Glucose Profile",
J Diabetes Sci Technol 2013; Battelino et al., Diabetes Care 2019 recommend 14 days).

For each 5-minute bin of the day (288 bins) the 5th, 25th, 50th, 75th and 95th percentiles (numpy's
linear method) of every reading in that bin over the period are taken; each percentile curve is then
smoothed by a centred, circular moving average with triangular weights over 7 bins (±15 minutes), so the
curve is continuous across midnight. A daily profile is the mean reading per 5-minute bin of one day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from biolake.glucose import _groups as G
from biolake.glucose.readings import MGDL_PER_MMOL, US_PER_DAY, US_PER_MIN, Readings, load

if TYPE_CHECKING:
    from biolake.config import Settings
    from biolake.lake.paths import LakePaths

BIN_MIN = 5
BINS = 1440 // BIN_MIN
PERCENTILES = (5, 25, 50, 75, 95)
SMOOTHING = np.array([1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0])


@dataclass(frozen=True)
class Agp:
    """An AGP per subject: ``profile`` rows (subject_id, minute, time, n, p5 … p95 smoothed, and the raw
    percentiles raw_p5 … raw_p95) and ``daily`` rows (subject_id, date, minute, time, glucose, n)."""

    profile: list[dict[str, Any]]
    daily: list[dict[str, Any]]
    units: str


def _smooth(curve: np.ndarray) -> np.ndarray:
    """Circular triangular moving average; bins without a value are left out of their neighbours."""
    half = len(SMOOTHING) // 2
    ok = ~np.isnan(curve)
    v = np.where(ok, curve, 0.0)
    num = np.zeros_like(curve)
    den = np.zeros_like(curve)
    for w, shift in zip(SMOOTHING, range(-half, half + 1), strict=True):
        num += w * np.roll(v, shift)
        den += w * np.roll(ok.astype(np.float64), shift)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[~ok] = np.nan
    result: np.ndarray = out
    return result


def profile(r: Readings, units: str = "mgdl") -> Agp:
    """The AGP of every group of ``r`` (its whole period)."""
    scale = 1 / MGDL_PER_MMOL if units == "mmol" else 1.0
    minute_bin = (r.time_us % US_PER_DAY) // (BIN_MIN * US_PER_MIN)
    cell = r.group * BINS + minute_bin
    n_cells = r.n_groups * BINS
    order = np.argsort(cell, kind="stable")
    q = G.quantiles(r.glucose[order], cell[order], n_cells, [p / 100 for p in PERCENTILES])
    counts = np.bincount(cell, minlength=n_cells)
    rows: list[dict[str, Any]] = []
    for g, label in enumerate(r.labels):
        block = q[g * BINS : (g + 1) * BINS] * scale
        smooth = np.column_stack([_smooth(block[:, j]) for j in range(len(PERCENTILES))])
        if not counts[g * BINS : (g + 1) * BINS].any():
            continue
        for b in range(BINS):
            rec: dict[str, Any] = {
                "subject_id": label,
                "minute": b * BIN_MIN,
                "time": f"{b * BIN_MIN // 60:02d}:{b * BIN_MIN % 60:02d}",
                "n": int(counts[g * BINS + b]),
            }
            for j, p in enumerate(PERCENTILES):
                rec[f"p{p}"] = _num(smooth[b, j])
            for j, p in enumerate(PERCENTILES):
                rec[f"raw_p{p}"] = _num(block[b, j])
            rows.append(rec)
    return Agp(rows, _daily(r, minute_bin, scale), "mmol/L" if units == "mmol" else "mg/dL")


def _daily(r: Readings, minute_bin: np.ndarray, scale: float) -> list[dict[str, Any]]:
    day = r.day()
    key = r.group * (int(day.max() - day.min()) + 1 if len(day) else 1) + (day - day.min() if len(day) else 0)
    key = key * BINS + minute_bin
    cells, inverse = np.unique(key, return_inverse=True)
    n = np.bincount(inverse)
    mean = np.bincount(inverse, weights=r.glucose) / n * scale
    first = np.zeros(len(cells), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    epoch = np.datetime64("1970-01-01", "D")
    return [
        {
            "subject_id": r.labels[int(r.group[i])],
            "date": (epoch + np.timedelta64(int(day[i]), "D")).item(),
            "minute": int(minute_bin[i]) * BIN_MIN,
            "time": f"{int(minute_bin[i]) * BIN_MIN // 60:02d}:{int(minute_bin[i]) * BIN_MIN % 60:02d}",
            "glucose": float(mean[c]),
            "n": int(n[c]),
        }
        for c, i in enumerate(first.tolist())
    ]


def _num(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def agp(
    source: Settings | LakePaths,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: str = "mgdl",
) -> Agp:
    """The AGP of each subject (or ``subject``) over the local dates ``start``–``end`` (inclusive; the
    whole record when open). Readings are as in :func:`biolake.glucose.readings.load`."""
    return profile(load(source, subject=subject, start=start, end=end), units)
