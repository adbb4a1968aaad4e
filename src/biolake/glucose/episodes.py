"""Hypo- and hyperglycemic episodes by the international consensus rules, as iglu computes them.

Consensus (Battelino et al., Diabetes Care 2019 and 2023; Danne et al., Diabetes Care 2017): an episode
starts with ≥ 15 consecutive minutes beyond the threshold (level 1 hypo < 70, level 2 hypo < 54, level 1
hyper > 180, level 2 hyper > 250 mg/dL) and ends with ≥ 15 consecutive minutes back on the other side;
an extended hypoglycemic episode lasts > 120 minutes below 70. iglu's ``episode_calculation`` applies
these rules on the regular grid, within each run of interpolated values (a data gap ends an episode):
an episode runs from its qualifying start to the point before the first qualifying recovery, so short
excursions back in range inside it do not split it. ``lv1_excl`` are level-1 episodes without a level-2
part. Night is 00:00–06:00 local time (the consensus' nocturnal period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from biolake.glucose import _groups as G
from biolake.glucose.grid import Grid, regular_grid
from biolake.glucose.readings import (
    MGDL_PER_MMOL,
    US_PER_DAY,
    US_PER_MIN,
    FloatArray,
    IntArray,
    Readings,
    load,
)

if TYPE_CHECKING:
    from biolake.config import Settings
    from biolake.lake.paths import LakePaths

# (type, level, threshold, below?) — level "extended" uses the level-1 hypo threshold and > 120 min
LEVELS = (
    ("hypo", "lv1", 70.0, True),
    ("hypo", "lv2", 54.0, True),
    ("hypo", "extended", 70.0, True),
    ("hyper", "lv1", 180.0, False),
    ("hyper", "lv2", 250.0, False),
)
NIGHT_END_HOUR = 6


@dataclass(frozen=True)
class Episodes:
    """One row per episode, in flat arrays (index into the grid's valid points)."""

    group: IntArray
    kind: list[str]  # hypo | hyper
    level: list[str]  # lv1 | lv2 | extended | lv1_excl
    start_us: IntArray  # local wall time of the first point
    end_us: IntArray  # local wall time of the last point
    duration_min: FloatArray  # points · dt0
    extreme: FloatArray  # nadir (hypo) or peak (hyper), mg/dL
    mean: FloatArray  # mean glucose during the episode
    night: IntArray  # 1 when the episode starts between 00:00 and 06:00


def _runs(flag: np.ndarray, seg: IntArray) -> tuple[IntArray, IntArray]:
    """Start index and length of the runs of equal ``flag`` within each segment."""
    change = np.r_[True, (flag[1:] != flag[:-1]) | (seg[1:] != seg[:-1])] if len(flag) else np.array([], bool)
    start = np.flatnonzero(change)
    return start, np.diff(np.r_[start, len(flag)])


def _label(
    level: np.ndarray, seg: IntArray, seg_end: IntArray, start_len: IntArray, end_len: IntArray
) -> IntArray:
    """Episode number (1, 2, … over all segments; 0 outside) of each valid point (iglu's event_class);
    ``start_len``/``end_len``: points needed to start/end an episode, per point."""
    start, length = _runs(level, seg)
    on = level[start] if len(start) else np.array([], bool)
    starts = start[on & (length >= start_len[start])]
    ends = start[~on & (length >= end_len[start])]
    out = np.zeros(len(level), dtype=np.int64)
    if not len(starts):
        return out
    nxt = np.searchsorted(ends, starts, side="right")
    padded = np.r_[ends - 1, np.iinfo(np.int64).max]  # no recovery after a start: the segment's end
    candidate = padded[nxt]
    last = np.minimum(candidate, seg_end[seg[starts]])
    keep = np.r_[True, last[1:] != last[:-1]]  # starts sharing an end are one episode (the first start)
    starts, last = starts[keep], last[keep]
    marks = np.zeros(len(level) + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, last + 1, -1)
    inside = np.cumsum(marks)[:-1] > 0
    is_start = np.zeros(len(level), dtype=np.int64)
    is_start[starts] = 1
    number = np.cumsum(is_start)
    out[inside] = number[inside]
    return out


def find(grid: Grid, dur_min: float = 15, end_min: float = 15) -> Episodes:
    """Every episode of every group (see the module docstring)."""
    valid = np.flatnonzero(~np.isnan(grid.values))
    x = grid.values[valid]
    g = grid.group[valid]
    dt0 = grid.dt0[g]
    # a segment is a run of consecutive valid grid points of one group
    seg = np.cumsum(np.r_[True, (np.diff(valid) != 1) | (np.diff(g) != 0)]) - 1 if len(valid) else valid
    n_seg = int(seg.max()) + 1 if len(seg) else 0
    seg_end = np.full(n_seg, -1, dtype=np.int64)
    seg_end[seg] = np.arange(len(seg))  # the last write per segment wins: its last index
    pos = valid - grid.bounds[g]
    time_us = grid.first_day[g] * US_PER_DAY + (pos + 1) * dt0 * US_PER_MIN
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("g", "s", "e", "d", "x", "m", "n")}
    kinds: list[str] = []
    levels: list[str] = []
    start_pts = np.ceil(dur_min / dt0).astype(np.int64)  # durations in points of the group's step
    end_pts = np.ceil(end_min / dt0).astype(np.int64)
    extended_pts = (120 // dt0 + 1).astype(np.int64)
    labels: dict[tuple[str, str], IntArray] = {}
    for kind, level, threshold, below in LEVELS:
        flag = x < threshold if below else x > threshold
        need = extended_pts if level == "extended" else start_pts
        labels[kind, level] = _label(flag, seg, seg_end, need, end_pts)
    for kind in ("hypo", "hyper"):  # level 1 episodes that never reach level 2
        lv1, lv2 = labels[kind, "lv1"], labels[kind, "lv2"]
        has_lv2 = np.zeros(int(lv1.max(initial=0)) + 1, dtype=bool)
        has_lv2[lv1[(lv1 > 0) & (lv2 > 0)]] = True
        labels[kind, "lv1_excl"] = np.where(has_lv2[lv1], 0, lv1)
    for (kind, level), lab in labels.items():
        on = np.flatnonzero(lab > 0)
        if not len(on):
            continue
        first = np.flatnonzero(np.r_[True, np.diff(lab[on]) != 0])  # episode numbers only increase
        idx = np.cumsum(np.r_[True, np.diff(lab[on]) != 0]) - 1
        k = len(first)
        npts = np.bincount(idx, minlength=k).astype(np.float64)
        last = first + npts.astype(np.int64) - 1
        ext = G.extreme(x[on], idx, k, largest=False) if kind == "hypo" else G.extreme(x[on], idx, k, True)
        rows["g"].append(g[on][first])
        rows["s"].append(time_us[on][first])
        rows["e"].append(time_us[on][last])
        rows["d"].append(npts * dt0[on][first])
        rows["x"].append(ext)
        rows["m"].append(np.bincount(idx, weights=x[on], minlength=k) / npts)
        hour = (time_us[on][first] % US_PER_DAY) // (60 * US_PER_MIN)
        rows["n"].append((hour < NIGHT_END_HOUR).astype(np.int64))
        kinds += [kind] * k
        levels += [level] * k

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate(rows[key]).astype(dtype) if rows[key] else np.array([], dtype=dtype)

    return Episodes(
        cat("g", np.int64),
        kinds,
        levels,
        cat("s", np.int64),
        cat("e", np.int64),
        cat("d", np.float64),
        cat("x", np.float64),
        cat("m", np.float64),
        cat("n", np.int64),
    )


def per_day(episodes: Episodes, grid: Grid, kind: str, level: str) -> FloatArray:
    """Episodes per day of valid grid data for each group (iglu's ``avg_ep_per_day``)."""
    n = grid.n_groups
    sel = np.array([k == kind and lv == level for k, lv in zip(episodes.kind, episodes.level, strict=True)])
    count = np.bincount(episodes.group[sel] if len(sel) else np.array([], np.int64), minlength=n)
    valid_points = G.count(grid.group, n, ~np.isnan(grid.values))
    with np.errstate(invalid="ignore", divide="ignore"):
        return count / (valid_points * grid.dt0 / 1440)


def pgs(grid: Grid, gvp: FloatArray, mean: FloatArray, tir: FloatArray) -> FloatArray:
    """Personal Glycemic State (Hirsch et al., Diabetes Technol Ther 2017): four scored components —
    GVP, mean glucose, % time in 70–180 and weekly hypoglycemia episodes (< 54 and level-1-only < 70,
    started after 20 minutes and ended after 30, as iglu's ``pgs``)."""
    eps = find(grid, dur_min=20, end_min=30)
    n54 = per_day(eps, grid, "hypo", "lv2") * 7
    n70 = per_day(eps, grid, "hypo", "lv1_excl") * 7
    f_gvp = 1 + 9 / (1 + np.exp(-0.049 * (gvp - 65.47)))
    f_ptir = 1 + 9 / (1 + np.exp(0.0833 * (tir - 55.04)))
    f_mg = 1 + 9 * (1 / (1 + np.exp(0.1139 * (mean - 72.08))) + 1 / (1 + np.exp(-0.09195 * (mean - 157.57))))
    f_h54 = 0.5 + 4.5 * (1 - np.exp(-0.91093 * n54))
    f_h70 = np.where(n70 <= 7.65, 0.5714 * n70 + 0.625, 5.0)
    return f_gvp + f_ptir + f_mg + f_h54 + f_h70


LEVEL_NAMES = {"lv1": "level_1", "lv2": "level_2", "extended": "extended"}


def table(r: Readings, units: str = "mgdl") -> list[dict[str, Any]]:
    """One row per level 1, level 2 and extended episode of every group of ``r``, in start order."""
    eps = find(regular_grid(r))
    scale = 1 / MGDL_PER_MMOL if units == "mmol" else 1.0
    unit = "mmol" if units == "mmol" else "mgdl"
    rows = []
    for i in range(len(eps.group)):
        if eps.level[i] not in LEVEL_NAMES:
            continue
        start = _local(eps.start_us[i])
        rows.append(
            {
                "subject_id": r.labels[int(eps.group[i])],
                "episode_type": eps.kind[i],
                "level": LEVEL_NAMES[eps.level[i]],
                "start_local": start,
                "end_local": _local(eps.end_us[i]),
                "local_date": start.date(),
                "duration_min": float(eps.duration_min[i]),
                f"extreme_{unit}": float(eps.extreme[i]) * scale,
                f"mean_{unit}": float(eps.mean[i]) * scale,
                "is_night": bool(eps.night[i]),
            }
        )
    rows.sort(key=lambda row: (row["subject_id"], row["start_local"], row["episode_type"], row["level"]))
    return rows


def episode_rows(
    source: Settings | LakePaths,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: str = "mgdl",
) -> list[dict[str, Any]]:
    """:func:`table` of the lake's CGM readings between the local dates ``start`` and ``end``."""
    return table(load(source, subject=subject, start=start, end=end), units)


def _local(us: np.int64) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=int(us))
