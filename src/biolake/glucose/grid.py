"""A regular time grid per group by linear interpolation: iglu's ``CGMS2DayByDay``.

Definition (iglu, Broll et al. 2021; ``CGMS2DayByDay`` in iglu-R and iglu-python 0.4.3):
- the step ``dt0`` is the modal interval between consecutive readings, in whole minutes (truncated);
- the grid of a group runs from its first day's midnight + dt0 to the midnight after its last reading
  (so day row d, column k is the time ``day_d + (k + 1)·dt0``), ``1440 / dt0`` points a day;
- a grid point takes the linear interpolation of the readings around it; points before the first or
  after the last reading, and points strictly inside a gap of more than ``inter_gap`` minutes (45) between
  two readings, are NaN.
biolake makes this one vectorized pass over all groups. Where iglu would fail (a group with fewer than two
readings, or a step that does not divide a day) biolake defines the result: no grid points, or the
largest step ≤ dt0 that divides 1440.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biolake.glucose.readings import US_PER_DAY, US_PER_MIN, FloatArray, IntArray, Readings, collapse_times

DAY_MIN = 1440
DIVISORS = np.array([d for d in range(1, DAY_MIN + 1) if DAY_MIN % d == 0])


@dataclass(frozen=True)
class Grid:
    """Interpolated glucose on a regular grid, all groups' points in one flat array."""

    dt0: IntArray  # step of each group, minutes
    first_day: IntArray  # day (since 1970-01-01) of each group's first row
    n_days: IntArray  # rows (days) of each group
    group: IntArray  # group of each point
    values: FloatArray  # mg/dL, NaN where not interpolated

    @property
    def n_groups(self) -> int:
        return len(self.dt0)

    @property
    def per_day(self) -> IntArray:
        out: IntArray = DAY_MIN // self.dt0
        return out

    @property
    def bounds(self) -> IntArray:
        out: IntArray = np.r_[0, np.cumsum(self.n_days * self.per_day)].astype(np.int64)
        return out

    def position(self) -> IntArray:
        """Index of each point within its group."""
        return np.arange(len(self.values), dtype=np.int64) - self.bounds[self.group]

    def row(self) -> IntArray:
        """Global index of each point's (group, day) row: rows of group g follow those of g − 1."""
        row_start = np.r_[0, np.cumsum(self.n_days)[:-1]].astype(np.int64)
        out: IntArray = row_start[self.group] + self.position() // self.per_day[self.group]
        return out

    def pairs(self, lag: IntArray) -> tuple[FloatArray, FloatArray, IntArray]:
        """Values ``lag[group]`` points apart within a group: (x_j, x_{j+lag}, group), NaN pairs kept."""
        later = np.arange(len(self.values)) + lag[self.group]
        ok = later < self.bounds[self.group + 1]
        return self.values[ok], self.values[later[ok]], self.group[ok]


def modal_step(readings: Readings) -> IntArray:
    """Each group's modal interval between consecutive readings, whole minutes (ties: the shortest)."""
    n = readings.n_groups
    same = np.diff(readings.group) == 0
    g = readings.group[1:][same]
    d = np.diff(readings.time_us)[same]
    out = np.full(n, 5, dtype=np.int64)
    if len(d):
        # one integer key per (group, interval): intervals of a day or more can never be a 5-minute
        # sensor's mode, so they are capped to keep the key in 64 bits
        cap = np.int64(2**36)  # µs, ≈ 19 hours
        keys, counts = np.unique(g * cap + np.minimum(d, cap - 1), return_counts=True)
        kg, kd = keys // cap, keys % cap
        best = np.lexsort((kd, -counts, kg))  # per group: most frequent first, then the shortest
        first = best[np.r_[True, np.diff(kg[best]) != 0]]
        out[kg[first]] = kd[first] // US_PER_MIN
    return out


def usable_step(dt0: IntArray) -> IntArray:
    """The largest step ≤ dt0 (at least 1 minute) that divides a day."""
    clipped = np.clip(dt0, 1, DAY_MIN)
    out: IntArray = DIVISORS[np.searchsorted(DIVISORS, clipped, side="right") - 1]
    return out


def regular_grid(readings: Readings, dt0: int | None = None, inter_gap_min: float = 45) -> Grid:
    """Interpolate every group onto its regular grid (see the module docstring); readings at the same
    local time (clocks going back) are averaged first."""
    same = (np.diff(readings.group) == 0) & (np.diff(readings.time_us) == 0)
    if same.any():
        readings = collapse_times(readings)
    n = readings.n_groups
    bounds = readings.bounds
    counts = np.diff(bounds)
    step = usable_step(modal_step(readings) if dt0 is None else np.full(n, dt0, dtype=np.int64))
    has = counts >= 2
    t = readings.time_us
    first_t = np.where(has, t[np.minimum(bounds[:-1], len(t) - 1)] if len(t) else 0, 0)
    last_t = np.where(has, t[np.maximum(bounds[1:] - 1, 0)] if len(t) else 0, 0)
    first_day = first_t // US_PER_DAY
    n_days = np.where(has, -(-last_t // US_PER_DAY) - first_day, 0)
    per_day = DAY_MIN // step
    size = n_days * per_day
    gbounds = np.r_[0, np.cumsum(size)].astype(np.int64)
    group = np.repeat(np.arange(n, dtype=np.int64), size)
    k = np.arange(gbounds[-1], dtype=np.int64) - gbounds[group]
    origin = first_day * US_PER_DAY
    grid_rel = (k + 1) * step[group] * US_PER_MIN  # µs after the group's first midnight

    # One searchsorted for all groups: key = group · span + time since the group's first midnight.
    span = int((n_days.max() + 2) * US_PER_DAY) if n else 1
    rel = t - origin[readings.group]
    rkey = readings.group * span + rel
    gkey = group * span + grid_rel
    right = np.searchsorted(rkey, gkey, side="right")
    left = right - 1
    lo_ok = left >= bounds[group]
    hi_ok = right < bounds[group + 1]
    values = np.full(len(gkey), np.nan)
    exact = lo_ok & (rkey[np.maximum(left, 0)] == gkey)
    values[exact] = readings.glucose[left[exact]]
    inside = lo_ok & hi_ok & ~exact
    li, ri = left[inside], right[inside]
    x0, x1 = rel[li] / US_PER_MIN, rel[ri] / US_PER_MIN
    y0, y1 = readings.glucose[li], readings.glucose[ri]
    x = grid_rel[inside] / US_PER_MIN
    interp = (y1 - y0) / (x1 - x0) * (x - x0) + y0
    interp[(x1 - x0) > inter_gap_min] = np.nan
    values[inside] = interp
    return Grid(step, first_day, n_days, group, values)
