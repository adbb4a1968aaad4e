"""Metrics of the readings themselves (no grid): location, spread, ranges, risk indices and scores.

All follow iglu (Broll et al., 2021, "Interpreting blood GLUcose data with R package iglu", PLoS ONE
16(4): e0248560) and its sources, cited per function. Percentages count readings (iglu's definition);
``time_weighted_ranges`` adds the time-weighted variant for irregular sampling. Each function takes a
:class:`Readings` and returns one value per group (NaN where a group has no readings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biolake.glucose import _groups as G
from biolake.glucose.readings import BoolArray, FloatArray, Readings

IN_RANGE = ((70, 180), (63, 140))
BELOW = (54, 70)
ABOVE = (140, 180, 250)


@dataclass(frozen=True)
class Thresholds:
    """The ranges (mg/dL) whose percentages are reported: keys ``in_range_LO_HI``, ``below_X``,
    ``above_X`` (and ``tw_…``); iglu's defaults unless given."""

    in_range: tuple[tuple[float, float], ...] = IN_RANGE
    below: tuple[float, ...] = BELOW
    above: tuple[float, ...] = ABOVE

    def extended(
        self,
        in_range: tuple[tuple[float, float], ...] = (),
        below: tuple[float, ...] = (),
        above: tuple[float, ...] = (),
    ) -> Thresholds:
        """These thresholds plus more (duplicates dropped, order kept)."""
        return Thresholds(
            tuple(dict.fromkeys((*self.in_range, *in_range))),
            tuple(dict.fromkeys((*self.below, *below))),
            tuple(dict.fromkeys((*self.above, *above))),
        )


DEFAULT_THRESHOLDS = Thresholds()


def label(value: float) -> str:
    """A threshold as it appears in a key: 70 → "70", 3.9 → "3.9"."""
    return f"{value:g}"


QUANTILES = (0, 25, 50, 75, 100)
Metrics = dict[str, FloatArray]


def location_spread(r: Readings) -> Metrics:
    """n_obs, mean, median, SD (sample), CV = 100·SD/mean, quantiles, IQR, range; GMI and eA1c.

    GMI = 3.31 + 0.02392·mean (Bergenstal et al., Diabetes Care 2018); eA1c = (46.7 + mean)/28.7
    (Nathan et al., Diabetes Care 2008); MAD = 1.4826·median|G − median|."""
    n, g, x = r.n_groups, r.group, r.glucose
    mean = G.mean(x, g, n)
    sd = G.std(x, g, n)
    q = G.quantiles(x, g, n, [v / 100 for v in QUANTILES])
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = 100 * sd / mean
    out: Metrics = {"n_obs": G.count(g, n), "mean": mean, "median": q[:, 2], "sd": sd, "cv": cv}
    out.update({f"quantile_{v}": q[:, i] for i, v in enumerate(QUANTILES)})
    out["iqr"] = q[:, 3] - q[:, 1]
    out["range"] = q[:, 4] - q[:, 0]
    out["gmi"] = 3.31 + 0.02392 * mean
    out["ea1c"] = (46.7 + mean) / 28.7
    out["j_index"] = 0.001 * (mean + sd) ** 2  # Wojcicki, Horm Metab Res 1995
    out["mad"] = 1.4826 * G.median_abs_deviation(x, g, n, q[:, 2])
    return out


def _masks(x: FloatArray, t: Thresholds, prefix: str = "") -> dict[str, BoolArray]:
    """Each range's key and which readings fall in it."""
    out = {f"{prefix}in_range_{label(lo)}_{label(hi)}": (x >= lo) & (x <= hi) for lo, hi in t.in_range}
    out.update({f"{prefix}below_{label(v)}": x < v for v in t.below})
    out.update({f"{prefix}above_{label(v)}": x > v for v in t.above})
    return out


def ranges(r: Readings, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Metrics:
    """Percent of readings in [lo, hi] (inclusive), below x (strictly <) and above x (strictly >)."""
    n, g = r.n_groups, r.group
    with np.errstate(invalid="ignore", divide="ignore"):
        k = G.count(g, n)
        return {key: 100 * G.count(g, n, m) / k for key, m in _masks(r.glucose, thresholds).items()}


def time_weighted_ranges(
    r: Readings, thresholds: Thresholds = DEFAULT_THRESHOLDS, max_hold_min: float = 15
) -> Metrics:
    """Percent of *time* in the same ranges (``tw_`` prefix), for irregular or mixed sampling.

    Each reading holds until the next one, at most ``max_hold_min`` minutes (a group's last reading
    holds its median interval, at most the same); a 15-minute Libre reading thus weighs three times a
    5-minute one, where iglu's count-based percentages weigh them alike."""
    n, g, x = r.n_groups, r.group, r.glucose
    gap = np.diff(r.time_us) / 60e6
    last = np.r_[np.diff(g) != 0, True][: len(g)]
    hold = np.r_[gap, 0.0]
    med = r.median_interval_min()
    hold[last] = np.where(np.isnan(med), max_hold_min, med)[g[last]]
    w = np.minimum(hold, max_hold_min)
    tot = np.bincount(g, weights=w, minlength=n)

    def pct(mask: np.ndarray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return 100 * np.bincount(g[mask], weights=w[mask], minlength=n) / tot

    return {key: pct(m) for key, m in _masks(x, thresholds, "tw_").items()}


def _grade_score(x: FloatArray) -> FloatArray:
    return np.minimum(425 * (np.log10(np.log10(x / 18)) + 0.16) ** 2, 50)


def risk(r: Readings) -> Metrics:
    """LBGI, HBGI (Kovatchev et al., Diabetes Care 1997/2006), ADRR (Kovatchev et al., Diabetes Care
    2006; per local calendar day, then averaged), GRADE and its hypo (< 80), eugly (70–140) and hyper
    (> 140) shares (Hill et al., Diabet Med 2007), M-value (Schlichtkrull 1965, r = 90), hypo/hyper
    index and IGC (Rodbard, Diabetes Technol Ther 2009: LLTR 80, ULTR 140, a 1.1, b 2, c = d = 30),
    COGI (Leelarathna et al., J Diabetes Sci Technol 2020) and GRI (Klonoff et al., J Diabetes Sci
    Technol 2023, capped at 100)."""
    n, g, x = r.n_groups, r.group, r.glucose
    k = G.count(g, n)
    f = 1.509 * (np.log(x) ** 1.084 - 5.381)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: Metrics = {
            "lbgi": 10 * G.total(np.where(x < 112.5, np.minimum(f, 0) ** 2, 0.0), g, n) / k,
            "hbgi": 10 * G.total(np.where(x >= 112.5, np.maximum(f, 0) ** 2, 0.0), g, n) / k,
        }
        # ADRR: per day, 22.77·(max(bgi⁺)² + min(bgi⁻)²) with bgi = ln(G)^1.084 − 5.381
        bgi = np.log(x) ** 1.084 - 5.381
        day = r.day()
        key = g * (int(day.max() - day.min()) + 1 if len(day) else 1) + (day - (day.min() if len(day) else 0))
        days, row = np.unique(key, return_inverse=True)
        rows = len(days)
        day_group = np.zeros(rows, dtype=np.int64)
        day_group[row] = g
        hi = np.maximum(G.extreme(bgi, row, rows, largest=True), 0)
        lo = np.minimum(G.extreme(bgi, row, rows, largest=False), 0)
        out["adrr"] = G.mean(22.77 * (hi**2 + lo**2), day_group, n)
        grade = _grade_score(x)
        total = G.total(grade, g, n)
        out["grade"] = total / k
        out["grade_hypo"] = 100 * G.total(np.where(x < 80, grade, 0.0), g, n) / total
        out["grade_eugly"] = 100 * G.total(np.where((x >= 70) & (x <= 140), grade, 0.0), g, n) / total
        out["grade_hyper"] = 100 * G.total(np.where(x > 140, grade, 0.0), g, n) / total
        out["m_value"] = 1000 * G.total(np.abs(np.log10(x / 90)) ** 3, g, n) / k
        out["hypo_index"] = G.total(np.where(x < 80, (80 - x) ** 2, 0.0), g, n) / (k * 30)
        out["hyper_index"] = G.total(np.where(x > 140, (x - 140) ** 1.1, 0.0), g, n) / (k * 30)
    out["igc"] = out["hypo_index"] + out["hyper_index"]
    return out


def scores(base: Metrics) -> Metrics:
    """COGI and GRI from the location and range metrics already computed."""
    tir, tbr, sd = base["in_range_70_180"], base["below_70"], base["sd"]
    cogi = 0.5 * np.clip(tir / 100, 0, 1) + 0.35 * np.clip(1 - tbr / 15, 0, 1)
    cogi = 100 * (cogi + 0.15 * np.clip(1 - (sd - 18) / 90, 0, 1))
    vlow, low = base["below_54"], base["below_70"] - base["below_54"]
    vhigh, high = base["above_250"], base["above_180"] - base["above_250"]
    gri = np.minimum(3.0 * vlow + 2.4 * low + 1.6 * vhigh + 0.8 * high, 100.0)
    return {"cogi": cogi, "gri": gri}
