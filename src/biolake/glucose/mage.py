"""MAGE by iglu's moving-average algorithm (Fernandes et al., "Open-source algorithm to calculate mean
amplitude of glycemic excursions using short and long moving averages", J Diabetes Sci Technol 2022;
iglu ``mage(version = "ma")``; original MAGE: Service et al., Diabetes 1970).

On the 5-minute grid of each group, trimmed to its first and last value: the trace is cut where two
values lie more than ``max_gap`` (180) minutes apart; in each segment a short (5) and a long (32) trailing
moving average (NaN-skipping; their first 5 / 32 points take the value at point 5 / 32) cross where their
difference changes sign; between crossings the nadir or peak is taken; an excursion counts when it
exceeds the segment's SD. MAGE is the mean of the ascending (MAGE+) and descending (MAGE−) heights of each
segment, averaged over the segments weighted by their duration (direction "avg").
The crossings and moving averages are vectorized; only the walk over turning points (a few per hour)
is a Python loop.
"""

from __future__ import annotations

import numpy as np

from biolake.glucose.grid import Grid
from biolake.glucose.readings import FloatArray, IntArray

SHORT, LONG, MAX_GAP_MIN = 5, 32, 180


def _trailing_means(x: FloatArray, seg_len: IntArray, windows: tuple[int, ...]) -> list[FloatArray]:
    """NaN-skipping trailing means of each window over segments laid end to end (never across them)."""
    pad = max(windows) - 1
    n_seg = len(seg_len)
    total = int(seg_len.sum()) + pad * n_seg
    # each segment is preceded by ``pad`` NaNs, so a window never reaches into the previous segment
    where = np.arange(len(x)) + pad * (np.repeat(np.arange(n_seg), seg_len) + 1)
    padded = np.full(total, np.nan)
    padded[where] = x
    filled = np.nan_to_num(padded)
    present = (~np.isnan(padded)).astype(np.float64)
    out = []
    for w in windows:
        s = filled.copy()
        k = present.copy()
        for o in range(1, w):
            s[o:] += filled[:-o]
            k[o:] += present[:-o]
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append((s / k)[where])
    return out


def _excursions(ext: list[float], sd: float, rising: bool) -> list[float]:
    """Heights of the excursions larger than ``sd`` between successive turning points (iglu's walk).

    The descending walk is the rising walk of −x, except that it resumes from the peak it stopped at
    (iglu's ``prev_j = j``) where the rising walk resumes from the turning point that ended it."""
    sign = 1.0 if rising else -1.0
    v = [sign * e for e in ext]
    heights: list[float] = []
    n = len(v)
    j = prev_j = 0
    low, low_at = v[0], 0  # lowest of v[prev_j..j], first occurrence
    while j < n:
        if v[j] < low:
            low, low_at = v[j], j
        if v[j] - low <= sd:
            j += 1
            continue
        i, k = low_at, j
        while True:
            if v[k] >= v[j]:
                j = k
            if v[k] - v[j] < -sd or k == n - 1:
                heights.append(sign * (v[j] - v[i]))
                prev_j = k if rising else j
                j = k
                low, low_at = min(zip(v[prev_j : j + 1], range(prev_j, j + 1), strict=True))
                break
            k += 1
    return heights


def _segment_mage(gl: FloatArray, ma_short: FloatArray, ma_long: FloatArray) -> tuple[float, float]:
    """(MAGE+, MAGE−) of one segment; NaN where there is no such excursion."""
    n = len(gl)
    valid_gl = gl[~np.isnan(gl)]
    if n < 7 or n < SHORT or not len(valid_gl):
        return np.nan, np.nan
    sd = float(np.std(valid_gl, ddof=1)) if len(valid_gl) > 1 else np.nan
    if sd < 1:
        return np.nan, np.nan
    ma_short = ma_short.copy()
    ma_long = ma_long.copy()
    ma_short[:SHORT] = ma_short[min(SHORT, n) - 1]
    ma_long[:LONG] = ma_long[min(LONG, n) - 1]
    delta = ma_short - ma_long
    # crossings: sign changes of delta between successive defined, non-zero values (iglu's loop, which
    # compares with the previous value or, across missing ones, with the last crossing: the same sign)
    where = np.flatnonzero(~np.isnan(delta) & (delta != 0))
    sgn = delta[where] > 0
    cross_at = where[1:][sgn[1:] != sgn[:-1]]
    ids = [0, *cross_at.tolist(), n - 1]
    is_max = [bool(delta[0] > 0), *(delta[cross_at] > 0).tolist(), bool(delta[-1] > 0)]
    # between crossings, from the previous turning point on: the nadir or peak (first occurrence)
    as_low = np.where(np.isnan(gl), np.inf, gl).tolist()
    as_high = np.where(np.isnan(gl), -np.inf, gl).tolist()
    extremes: list[float] = []
    lo = 0
    for i in range(len(ids) - 1):
        hi = ids[i + 1] + 1
        seq = as_high if is_max[i] else as_low
        best = max(seq[lo:hi]) if is_max[i] else min(seq[lo:hi])
        if np.isinf(best):  # only missing values here: iglu has no turning point either
            continue
        lo = seq.index(best, lo, hi)
        extremes.append(best)
    if not extremes:
        return np.nan, np.nan
    plus = _excursions(extremes, sd, rising=True)
    minus = _excursions(extremes, sd, rising=False)
    return (float(np.mean(plus)) if plus else np.nan, abs(float(np.mean(minus))) if minus else np.nan)


def mage(grid5: Grid) -> FloatArray:
    """MAGE of each group (mg/dL) from its 5-minute grid; NaN when no segment has an excursion > 1 SD."""
    n = grid5.n_groups
    out = np.full(n, np.nan)
    values = grid5.values
    vi = np.flatnonzero(~np.isnan(values))
    if not len(vi):
        return out
    vg = grid5.group[vi]
    # a segment starts at a group's first value or one more than MAX_GAP minutes after the previous
    new = np.r_[True, (np.diff(vg) != 0) | (np.diff(vi) * 5 > MAX_GAP_MIN)]
    seg_start = vi[new]
    seg_end = vi[np.r_[new[1:], True]]
    seg_group = vg[new]
    seg_len = seg_end - seg_start + 1
    idx = np.arange(int(seg_len.sum())) + np.repeat(seg_start - np.r_[0, np.cumsum(seg_len)[:-1]], seg_len)
    x = values[idx]
    ma_s, ma_l = _trailing_means(x, seg_len, (SHORT, LONG))
    num = np.zeros(n)
    den = np.zeros(n)
    offset = 0
    for g, length in zip(seg_group.tolist(), seg_len.tolist(), strict=True):
        part = slice(offset, offset + length)
        offset += length
        plus, minus = _segment_mage(x[part], ma_s[part], ma_l[part])
        for v in (plus, minus):  # each direction weighs the segment's duration
            if not np.isnan(v):
                num[g] += v * (length - 1)
                den[g] += length - 1
    has = den > 0
    out[has] = num[has] / den[has]
    return out
