"""The whole catalogue per subject: one record whose keys are iglu's metric names.

``summarize(source, subject=None, start=None, end=None, units="mgdl")`` reads the lake; ``catalogue``
works on :class:`~biolake.glucose.readings.Readings` already in memory. A metric that is undefined for a
subject (too few readings, no day-apart pairs, …) is ``None`` and ``undefined`` says why.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from biolake.glucose import episodes, mage, metrics, variability
from biolake.glucose.grid import regular_grid
from biolake.glucose.readings import MGDL_PER_MMOL, FloatArray, Readings, load

if TYPE_CHECKING:
    from biolake.config import Settings
    from biolake.lake.paths import LakePaths

Units = Literal["mgdl", "mmol"]

# Metrics in glucose units (mg/dL, mg/dL per hour or minute): divided by 18.0182 for mmol/L.
GLUCOSE_UNITS = frozenset(
    {"mean", "median", "sd", "iqr", "range", "mad", "mage", "conga", "modd", "mag", "sd_roc", "hourly_auc"}
    | {f"quantile_{q}" for q in metrics.QUANTILES}
    | {"SDw", "SDhhmm", "SDwsh", "SDdm", "SDb", "SDbdm"}
)

# Why a metric can be undefined; the first reason whose condition holds is given.
NEEDS_TWO = "needs at least 2 readings"
NEEDS_GRID = "needs at least 2 readings close enough (≤ 45 min) to interpolate"
REASONS: dict[str, str] = {
    "sd": NEEDS_TWO,
    "cv": NEEDS_TWO,
    "j_index": NEEDS_TWO,
    "cogi": NEEDS_TWO,
    "conga": "needs interpolated values 24 h apart (more than one day of data)",
    "modd": "needs interpolated values one day apart (more than one day of data)",
    "mage": "needs a 5-minute trace with an excursion larger than its SD",
    "CVsd": "needs more than one day of data",
    "SDdm": "needs more than one day of data",
    "SDhhmm": "needs values at two times of day",
    "grade_hypo": "GRADE is 0 for every reading",
    "grade_eugly": "GRADE is 0 for every reading",
    "grade_hyper": "GRADE is 0 for every reading",
}

RANGE_PREFIXES = ("in_range_", "below_", "above_", "tw_")
ORDER = (
    "id",
    "n_obs",
    "mean",
    "median",
    "sd",
    "cv",
    "gmi",
    "ea1c",
    "in_range_70_180",
    "in_range_63_140",
    "below_54",
    "below_70",
    "above_140",
    "above_180",
    "above_250",
    "tw_in_range_70_180",
    "tw_in_range_63_140",
    "tw_below_54",
    "tw_below_70",
    "tw_above_140",
    "tw_above_180",
    "tw_above_250",
    "mage",
    "conga",
    "modd",
    "lbgi",
    "hbgi",
    "adrr",
    "grade",
    "grade_hypo",
    "grade_eugly",
    "grade_hyper",
    "j_index",
    "mad",
    "m_value",
    "mag",
    "gvp",
    "cogi",
    "gri",
    "hypo_index",
    "hyper_index",
    "igc",
    "pgs",
    "sd_roc",
    "hourly_auc",
    "quantile_0",
    "quantile_25",
    "quantile_50",
    "quantile_75",
    "quantile_100",
    "iqr",
    "range",
    "CVmean",
    "CVsd",
    "SDw",
    "SDhhmm",
    "SDwsh",
    "SDdm",
    "SDb",
    "SDbdm",
    "active_percent",
    "ndays",
    "dt0_min",
    "n_censored",
    "first_reading",
    "last_reading",
    "units",
)


CHUNK_READINGS = 400_000  # groups are computed in chunks of about this many readings: bounded memory


def compute(
    readings: Readings,
    thresholds: metrics.Thresholds = metrics.DEFAULT_THRESHOLDS,
    chunk_readings: int = CHUNK_READINGS,
) -> dict[str, FloatArray]:
    """Every metric of the catalogue, one array (value per group) per metric name, in mg/dL.

    Groups are independent, so they are computed a chunk of groups at a time (whole groups, about
    ``chunk_readings`` readings each) and the results concatenated: the same values in less memory."""
    bounds = readings.bounds
    cut = [0]
    for g in range(1, readings.n_groups):
        if bounds[g] - bounds[cut[-1]] >= chunk_readings:
            cut.append(g)
    cut.append(readings.n_groups)
    if len(cut) <= 2:
        return _compute(readings, thresholds)
    parts = []
    for lo, hi in pairwise(cut):
        a, b = bounds[lo], bounds[hi]
        part = Readings(
            readings.labels[lo:hi],
            readings.group[a:b] - lo,
            readings.time_us[a:b],
            readings.glucose[a:b],
            readings.censored[a:b],
        )
        parts.append(_compute(part, thresholds))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _compute(readings: Readings, thresholds: metrics.Thresholds) -> dict[str, FloatArray]:
    grid = regular_grid(readings)
    grid5 = variability.grid_at_5_min(readings, grid)
    out = metrics.location_spread(readings)
    out.update(metrics.ranges(readings, thresholds))
    out.update(metrics.time_weighted_ranges(readings, thresholds))
    out.update(metrics.risk(readings))
    out.update(metrics.scores(out))
    out.update(variability.lagged(grid))
    out.update(variability.sd_roc(grid5))
    out.update(variability.day_structure(grid))
    out.update(variability.active_percent(readings))
    out["mage"] = mage.mage(grid5)
    out["pgs"] = episodes.pgs(grid, out["gvp"], out["mean"], out["in_range_70_180"])
    out["dt0_min"] = np.where(grid.n_days > 0, grid.dt0, np.nan).astype(np.float64)
    out["n_censored"] = np.bincount(readings.group[readings.censored], minlength=readings.n_groups).astype(
        np.float64
    )
    return out


def _number(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def _reason(name: str, n_obs: int) -> str:
    if n_obs == 0:
        return "no readings in the period"
    if n_obs == 1 and name not in REASONS:
        return NEEDS_TWO if name != "dt0_min" else NEEDS_GRID
    return REASONS.get(name, NEEDS_GRID)


def catalogue(
    readings: Readings, units: Units = "mgdl", thresholds: metrics.Thresholds | None = None
) -> list[dict[str, Any]]:
    """One record per group of ``readings`` (see :func:`summarize`)."""
    values = compute(readings, thresholds or metrics.DEFAULT_THRESHOLDS)
    extra = [k for k in values if k not in ORDER and k.startswith(RANGE_PREFIXES)]
    names = [*ORDER[1:], *extra]
    scale = 1 / MGDL_PER_MMOL if units == "mmol" else 1.0
    bounds = readings.bounds
    records: list[dict[str, Any]] = []
    for g, label in enumerate(readings.labels):
        n_obs = int(values["n_obs"][g])
        rec: dict[str, Any] = {"id": label}
        undefined: dict[str, str] = {}
        for name in names:
            if name in ("first_reading", "last_reading", "units"):
                continue
            v = _number(values[name][g] * (scale if name in GLUCOSE_UNITS else 1.0))
            if name in ("n_obs", "n_censored"):
                v = int(values[name][g])
            rec[name] = v
            if v is None:
                undefined[name] = _reason(name, n_obs)
        t = readings.time_us
        rec["first_reading"] = _local(t[bounds[g]]) if n_obs else None
        rec["last_reading"] = _local(t[bounds[g + 1] - 1]) if n_obs else None
        rec["units"] = "mmol/L" if units == "mmol" else "mg/dL"
        rec["undefined"] = undefined
        records.append(rec)
    return records


def _local(us: np.int64) -> datetime:
    return np.datetime64(int(us), "us").astype(datetime)  # type: ignore[no-any-return]


def summarize(
    source: Settings | LakePaths,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: Units = "mgdl",
    thresholds: metrics.Thresholds | None = None,
) -> list[dict[str, Any]]:
    """The catalogue for every subject with CGM data (or just ``subject``) between the local dates
    ``start`` and ``end`` (inclusive; open when None). A ``subject`` without readings in the period gets a
    record with ``n_obs`` 0, every metric None and the reason in ``undefined``. ``thresholds``: other
    ranges (mg/dL) to report besides iglu's defaults, e.g. ``DEFAULT_THRESHOLDS.extended(below=(60,))``
    adds ``below_60`` and ``tw_below_60``."""
    return catalogue(load(source, subject=subject, start=start, end=end), units, thresholds)
