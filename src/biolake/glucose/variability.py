"""Variability on the regular grid (:mod:`biolake.glucose.grid`), as iglu computes it.

Sources: CONGA(n) (McDonnell et al., Diabetes Technol Ther 2005; iglu: SD of differences n hours apart),
MODD (Molnar et al., Diabetologia 1972; mean |difference| one day apart), MAG (Hermanides et al.,
Crit Care Med 2009; Σ|ΔG| per hour between consecutive grid points), GVP (Peyser et al., Diabetes
Technol Ther 2018; the trace's length over its flat length, minus 1, in %), SD of the rate of change
(Clarke & Kovatchev, Diabetes Technol Ther 2009; 15-minute differences on a 5-minute grid, mg/dL/min),
hourly AUC (iglu-R's ``auc``: the trapezoid area per hour, i.e. the mean of adjacent grid-point pairs),
the SD sub-measures SDw, SDhhmm, SDwsh, SDdm, SDb, SDbdm (Rodbard, Diabetes Technol Ther 2009) and
CVmean/CVsd of the daily CVs (Umpierrez & Kovatchev, Am J Med Sci 2018), and active percent.
"""

from __future__ import annotations

import numpy as np

from biolake.glucose import _groups as G
from biolake.glucose.grid import Grid, regular_grid
from biolake.glucose.metrics import Metrics
from biolake.glucose.readings import US_PER_MIN, FloatArray, Readings


def lagged(grid: Grid) -> Metrics:
    """CONGA (n = 24 h), MODD (lag 1 day), MAG, GVP and hourly AUC of each group."""
    n, dt0 = grid.n_groups, grid.dt0.astype(np.float64)
    out: Metrics = {}
    day_apart = np.rint(60 / dt0).astype(np.int64) * 24  # iglu: round(60 / dt0) points an hour, × n hours
    a, b, pairs = grid.pairs(day_apart)
    out["conga"] = G.std(b - a, pairs, n)
    a, b, pairs = grid.pairs(grid.per_day)
    out["modd"] = G.mean(np.abs(b - a), pairs, n)
    a, b, pairs = grid.pairs(np.ones(n, dtype=np.int64))
    d = b - a
    ok = ~np.isnan(d)
    k = G.count(pairs, n, ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mag"] = G.total(np.abs(d), pairs, n) / (k * dt0 / 60)
        length = np.bincount(pairs[ok], weights=np.sqrt(dt0[pairs[ok]] ** 2 + d[ok] ** 2), minlength=n)
        out["gvp"] = 100 * (length / (k * dt0) - 1)
    out["hourly_auc"] = G.mean(np.where(ok, (a + b) / 2, np.nan), pairs, n)
    return out


def roc(grid5: Grid, timelag_min: int = 15) -> FloatArray:
    """Rate of change at every point of a 5-minute grid (iglu's ``roc``): (G(t) − G(t − timelag)) /
    timelag in mg/dL/min, NaN for a group's first ``timelag`` minutes and wherever either value is."""
    steps = max(timelag_min // 5, 1)
    out = np.full(len(grid5.values), np.nan)
    later = np.arange(len(grid5.values)) + steps
    ok = later < grid5.bounds[grid5.group + 1]
    out[later[ok]] = (grid5.values[later[ok]] - grid5.values[ok]) / (steps * 5)
    return out


def sd_roc(grid5: Grid, timelag_min: int = 15) -> Metrics:
    """SD of the rate of change over ``timelag_min`` on a 5-minute grid (iglu's ``sd_roc``), mg/dL/min."""
    return {"sd_roc": G.std(roc(grid5, timelag_min), grid5.group, grid5.n_groups)}


def _rolling_sd(grid: Grid) -> FloatArray:
    """Per group, the mean SD (ddof 1) of every run of one hour of grid points (iglu's SDwsh: windows
    start at every point; those running past the group's end see fewer points)."""
    n = grid.n_groups
    window = np.rint(60 / grid.dt0).astype(np.int64)
    sd = np.full(len(grid.values), np.nan)
    for w in np.unique(window).tolist():
        sel = np.flatnonzero(window[grid.group] == w)
        g = grid.group[sel]
        # each group is followed by w NaNs, so a forward window never reaches the next group
        where = np.arange(len(sel)) + w * (g - g.min() if len(g) else 0)
        padded = np.full(len(sel) + w * (int(g.max() - g.min()) + 2 if len(g) else 1), np.nan)
        padded[where] = grid.values[sel]
        filled = np.nan_to_num(padded)
        present = (~np.isnan(padded)).astype(np.float64)
        size = len(padded) - w
        s1 = filled[:size].copy()
        s2 = s1 * s1
        k = present[:size].copy()
        for o in range(1, w):
            v = filled[o : o + size]
            s1 += v
            s2 += v * v
            k += present[o : o + size]
        s1, s2, k = s1[where], s2[where], k[where]
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (s2 - s1 * s1 / k) / (k - 1)
        part = np.sqrt(np.maximum(var, 0.0))
        part[k < 2] = np.nan
        sd[sel] = part
    return G.mean(sd, grid.group, n)


def day_structure(grid: Grid) -> Metrics:
    """SD sub-measures (Rodbard 2009) and CVmean/CVsd on each group's day × time-of-day matrix."""
    n = grid.n_groups
    x, g = grid.values, grid.group
    row = grid.row()
    rows = int(grid.n_days.sum())
    row_group = np.repeat(np.arange(n), grid.n_days)
    slot = grid.position() % grid.per_day[g]
    col_start = np.r_[0, np.cumsum(grid.per_day)[:-1]]
    col = col_start[g] + slot
    cols = int(grid.per_day.sum()) if n else 0
    col_group = np.repeat(np.arange(n), grid.per_day)
    day_sd = G.std(x, row, rows)
    day_mean = G.mean(x, row, rows)
    t_mean = G.mean(x, col, cols)
    t_sd = G.std(x, col, cols)
    centred = x - day_mean[row]
    t_sd_c = G.std(centred, col, cols)
    out: Metrics = {
        "SDw": G.mean(day_sd, row_group, n),
        "SDhhmm": G.std(t_mean, col_group, n),
        "SDwsh": _rolling_sd(grid),
        "SDdm": G.std(day_mean, row_group, n),
        "SDb": G.mean(t_sd, col_group, n),
        "SDbdm": G.mean(t_sd_c, col_group, n),
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = day_sd * 100 / day_mean
    out["CVmean"] = G.mean(cv, row_group, n)
    cv_sd = G.std(cv, row_group, n)
    cv_sd[grid.n_days <= 1] = np.nan
    out["CVsd"] = cv_sd
    return out


def active_percent(r: Readings) -> Metrics:
    """iglu's ``active_percent`` (range "automatic"): 100·(expected − missing)/expected readings, where
    expected = round(span/dt) + 1 and missing = round((Σ gaps longer than dt − their count·dt)/dt), dt the
    median interval rounded to whole minutes; ``ndays`` the span in days."""
    n, g = r.n_groups, r.group
    same = np.diff(g) == 0
    gi = g[1:][same]
    d = np.diff(r.time_us)[same] / US_PER_MIN
    dt = np.round(r.median_interval_min())  # numpy rounds half to even, as Python's round() does
    bounds = r.bounds
    k = np.diff(bounds)
    has = k > 0
    span = np.zeros(n)
    if len(r.time_us):
        span[has] = (r.time_us[bounds[1:][has] - 1] - r.time_us[bounds[:-1][has]]) / US_PER_MIN
    long_gap = d > dt[gi]
    gap_total = np.bincount(gi[long_gap], weights=d[long_gap], minlength=n)
    gap_n = np.bincount(gi[long_gap], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.round(span / dt) + 1
        missing = np.round((gap_total - gap_n * dt) / dt)
        pct = 100 * (expected - missing) / expected
    pct[k == 1] = 100.0  # one reading: present for its own slot
    pct[k == 0] = 0.0
    return {"active_percent": pct, "ndays": np.round(span / 1440, 1)}


def grid_at_5_min(r: Readings, grid: Grid) -> Grid:
    """The 5-minute grid iglu's MAGE and ROC use (the same grid when every step is already 5)."""
    return grid if bool((grid.dt0 == 5).all()) else regular_grid(r, dt0=5)
