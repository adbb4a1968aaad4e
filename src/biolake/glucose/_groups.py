"""Per-group reductions over flat arrays (the group index of each value given), all vectorized."""

from __future__ import annotations

import numpy as np

from biolake.glucose.readings import BoolArray, FloatArray, IntArray


def count(group: IntArray, n: int, where: BoolArray | None = None) -> FloatArray:
    """How many values each group has (where ``where`` holds)."""
    g = group if where is None else group[where]
    out: FloatArray = np.bincount(g, minlength=n).astype(np.float64)
    return out


def total(x: FloatArray, group: IntArray, n: int) -> FloatArray:
    """Sum per group, NaN values skipped."""
    ok = ~np.isnan(x)
    if not ok.all():
        x, group = x[ok], group[ok]
    out: FloatArray = np.bincount(group, weights=x, minlength=n).astype(np.float64)
    return out


def mean(x: FloatArray, group: IntArray, n: int) -> FloatArray:
    """Mean per group, NaN values skipped; NaN for a group without values."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return total(x, group, n) / count(group, n, ~np.isnan(x))


def std(x: FloatArray, group: IntArray, n: int, ddof: int = 1) -> FloatArray:
    """Standard deviation per group (two passes), NaN values skipped; NaN with ≤ ddof values."""
    ok = ~np.isnan(x)
    if not ok.all():
        x, group = x[ok], group[ok]
    k = np.bincount(group, minlength=n).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.bincount(group, weights=x, minlength=n) / k
        dev = x - m[group]
        var = np.bincount(group, weights=dev * dev, minlength=n) / (k - ddof)
    var[k <= ddof] = np.nan
    return np.sqrt(var)


def extreme(x: FloatArray, group: IntArray, n: int, largest: bool) -> FloatArray:
    """Minimum or maximum per group (values sorted by group, no NaN); NaN for an empty group."""
    out = np.full(n, np.nan)
    if len(x):
        starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
        ufunc = np.maximum if largest else np.minimum
        out[group[starts]] = ufunc.reduceat(x, starts)
    return out


def sort_within(x: FloatArray, group: IntArray) -> FloatArray:
    """``x`` sorted by value within each group (groups non-decreasing, no NaN), with one float sort."""
    if not len(x):
        return x.copy()
    lo, hi = float(x.min()), float(x.max())
    width = hi - lo + 1.0
    key = group * width + (x - lo)
    exact = float(group.max()) * width < 2.0**40  # keys stay exact enough to order distinct values
    return x[np.argsort(key) if exact else np.lexsort((x, group))]


def quantiles(x: FloatArray, group: IntArray, n: int, qs: list[float]) -> FloatArray:
    """Quantiles per group (numpy's default linear method, R type 7); shape (n, len(qs)); NaN when empty.

    ``x`` must be sorted by group (not by value) and contain no NaN."""
    xs = sort_within(x, group)
    k = np.bincount(group, minlength=n)
    start = np.r_[0, np.cumsum(k)[:-1]]
    out = np.full((n, len(qs)), np.nan)
    has = k > 0
    for j, q in enumerate(qs):
        pos = q * (k[has] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, k[has] - 1)
        frac = pos - lo
        a, b = xs[start[has] + lo], xs[start[has] + hi]
        out[has, j] = a + (b - a) * frac
    return out


def median_abs_deviation(x: FloatArray, group: IntArray, n: int, med: FloatArray) -> FloatArray:
    """Median of |x − median| per group (``med`` the groups' medians)."""
    dev = np.abs(x - med[group])
    return quantiles(dev, group, n, [0.5])[:, 0]
