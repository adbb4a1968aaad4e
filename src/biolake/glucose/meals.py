"""Glucose responses to logged meals and around workouts.

Meal response (definitions as in Zeevi et al., "Personalized Nutrition by Prediction of Glycemic
Responses", Cell 2015, and Wolever & Jenkins, Am J Clin Nutr 1986 for the incremental AUC):
- meals are the nutrition entries with a known time (MyFitnessPal with ``Time``, Apple Health dietary
  records); entries of one subject at the same local time are one meal (carbs and energy summed);
- baseline: mean of the readings in the 30 minutes up to the meal (inclusive);
- on the 5-minute linear interpolation of the readings from the meal to 2 hours after it: the peak,
  ``peak_rise`` = peak − baseline, ``time_to_peak_min``, and the 2-hour incremental AUC (trapezoids of the
  part above baseline only, mg/dL·h);
- ``return_to_baseline_min``: the first time after the peak, within 4 hours of the meal, the trace is back
  at or below baseline (None if it is not);
- defined only when there is a baseline reading and ≥ 70 % of the 2-hour window's readings
  (``reason`` says why not); ``rise_per_10g_carbs`` and ``iauc_per_10g_carbs`` normalize by carbs (meals
  with ≥ 5 g) and give the ranking.
Workout response: mean glucose in the 30 minutes before the start, mean and nadir during the workout,
nadir in the 2 hours after it, and the change from before to the end.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from biolake.glucose.readings import (
    MGDL_PER_MMOL,
    US_PER_MIN,
    FloatArray,
    IntArray,
    Readings,
    collapse_times,
    from_connection,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

    from biolake.config import Settings
    from biolake.lake.paths import LakePaths

BASELINE_MIN = 30
WINDOW_MIN = 120
RETURN_MIN = 240
STEP_MIN = 5
MIN_COVERAGE = 0.7
MIN_CARBS_G = 5.0


def _subject_arrays(r: Readings) -> dict[str, tuple[IntArray, FloatArray]]:
    """Each subject's times and values, readings at the same local time averaged (strictly increasing)."""
    r = collapse_times(r)
    b = r.bounds
    return {lab: (r.time_us[b[g] : b[g + 1]], r.glucose[b[g] : b[g + 1]]) for g, lab in enumerate(r.labels)}


def _trace(t: IntArray, x: FloatArray, start: int, minutes: int) -> FloatArray:
    """Linear interpolation every 5 minutes from ``start`` for ``minutes`` (NaN outside the readings and
    inside gaps over 45 minutes, as the grid does)."""
    grid = start + np.arange(0, minutes + 1, STEP_MIN) * US_PER_MIN
    out = np.interp(grid, t, x, left=np.nan, right=np.nan) if len(t) else np.full(len(grid), np.nan)
    if len(t) > 1:
        right = np.searchsorted(t, grid, side="left")
        inner = (right > 0) & (right < len(t))
        gap = np.zeros(len(grid), dtype=bool)
        ri = right[inner]
        gap[inner] = (t[ri] - t[ri - 1] > 45 * US_PER_MIN) & (t[ri] != grid[inner])
        out[gap] = np.nan
    return out


def meal_response(t: IntArray, x: FloatArray, meal_us: int, interval_min: float = STEP_MIN) -> dict[str, Any]:
    """The response of one meal at ``meal_us`` to one subject's readings (times ``t``, mg/dL ``x``,
    usually ``interval_min`` apart)."""
    lo = int(np.searchsorted(t, meal_us - BASELINE_MIN * US_PER_MIN, side="left"))
    hi = int(np.searchsorted(t, meal_us, side="right"))
    empty: dict[str, Any] = {
        "baseline_mgdl": None,
        "peak_mgdl": None,
        "peak_rise_mgdl": None,
        "time_to_peak_min": None,
        "iauc_2h": None,
        "return_to_baseline_min": None,
        "reason": None,
    }
    if hi <= lo:
        return {**empty, "reason": "no reading in the 30 minutes before the meal"}
    baseline = float(x[lo:hi].mean())
    w_lo, w_hi = np.searchsorted(t, [meal_us, meal_us + WINDOW_MIN * US_PER_MIN], side="right")
    expected = WINDOW_MIN / max(interval_min, 1.0)
    if (w_hi - w_lo) < MIN_COVERAGE * expected:
        return {
            **empty,
            "baseline_mgdl": baseline,
            "reason": "fewer than 70 % of the readings in the 2 hours after",
        }
    trace = _trace(t, x, meal_us, RETURN_MIN)
    window = trace[: WINDOW_MIN // STEP_MIN + 1]
    if np.isnan(window).all():
        return {**empty, "baseline_mgdl": baseline, "reason": "no interpolated values after the meal"}
    peak_at = int(np.nanargmax(window))
    above = np.clip(window - baseline, 0, None)
    ok = ~np.isnan(above[:-1]) & ~np.isnan(above[1:])
    iauc = float(np.sum((above[:-1] + above[1:])[ok] / 2) * STEP_MIN / 60)
    after = trace[peak_at:]
    back = np.flatnonzero(after <= baseline)
    return {
        **empty,
        "baseline_mgdl": baseline,
        "peak_mgdl": float(window[peak_at]),
        "peak_rise_mgdl": float(window[peak_at] - baseline),
        "time_to_peak_min": peak_at * STEP_MIN,
        "iauc_2h": iauc,
        "return_to_baseline_min": int((peak_at + back[0]) * STEP_MIN) if len(back) else None,
    }


MEALS_SQL = """
    SELECT subject_id, local_ts, min(local_date) AS local_date,
           string_agg(DISTINCT coalesce(meal, ''), ', ') AS meal,
           string_agg(DISTINCT food, ', ') AS foods,
           sum(carbs_g) AS carbs_g, sum(energy_kcal) AS energy_kcal, sum(sugar_g) AS sugar_g,
           sum(fiber_g) AS fiber_g, sum(protein_g) AS protein_g, sum(fat_g) AS fat_g,
           min(_source) AS _source
    FROM {relation}
    WHERE time_known AND local_ts IS NOT NULL {where}
    GROUP BY subject_id, local_ts ORDER BY subject_id, local_ts"""


def _filters(subject: str | None, start: date | None, end: date | None) -> tuple[str, list[Any]]:
    where, params = "", list[Any]()
    if subject is not None:
        where += " AND subject_id = ?"
        params.append(subject)
    if start is not None:
        where += " AND local_date >= ?"
        params.append(start)
    if end is not None:
        where += " AND local_date <= ?"
        params.append(end)
    return where, params


def meal_responses(
    con: duckdb.DuckDBPyConnection,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: str = "mgdl",
    nutrition: str = "nutrition_entries",
    readings: str = "glucose_readings",
) -> list[dict[str, Any]]:
    """One row per timed meal with its glucose response, ranked by rise per 10 g of carbs (1 = largest)."""
    where, params = _filters(subject, start, end)
    meals = con.execute(MEALS_SQL.format(relation=nutrition, where=where), params).fetchall()
    cols = [d[0] for d in con.description or ()]
    r = from_connection(con, readings, subject=subject, start=_minus_day(start), end=_plus_day(end))
    per_subject = _subject_arrays(r)
    interval = dict(zip(r.labels, np.nan_to_num(r.median_interval_min(), nan=STEP_MIN).tolist(), strict=True))
    empty = (np.array([], dtype=np.int64), np.array([], dtype=np.float64))
    rows: list[dict[str, Any]] = []
    for row in meals:
        meal = dict(zip(cols, row, strict=True))
        t, x = per_subject.get(meal["subject_id"], empty)
        at = int(np.datetime64(meal["local_ts"], "us").astype(np.int64))
        resp = (
            meal_response(t, x, at, interval[meal["subject_id"]]) if len(t) else {"reason": "no CGM readings"}
        )
        rec = {**meal, **{k: resp.get(k) for k in RESPONSE_KEYS}}
        carbs = meal["carbs_g"]
        normal = carbs is not None and carbs >= MIN_CARBS_G
        rec["rise_per_10g_carbs"] = (
            rec["peak_rise_mgdl"] * 10 / carbs if normal and rec["peak_rise_mgdl"] is not None else None
        )
        rec["iauc_per_10g_carbs"] = (
            rec["iauc_2h"] * 10 / carbs if normal and rec["iauc_2h"] is not None else None
        )
        rows.append(rec)
    _rank(rows)
    if units == "mmol":  # values in mmol/L, and the glucose columns named so
        for i, rec in enumerate(rows):
            rows[i] = {
                _mmol_name(k): (v / MGDL_PER_MMOL if k in GLUCOSE_KEYS and v is not None else v)
                for k, v in rec.items()
            }
    return rows


GLUCOSE_KEYS = frozenset(
    {"baseline_mgdl", "peak_mgdl", "peak_rise_mgdl", "iauc_2h", "rise_per_10g_carbs", "iauc_per_10g_carbs"}
)


def _mmol_name(key: str) -> str:
    return key.replace("_mgdl", "_mmol") if key.endswith("_mgdl") else key


RESPONSE_KEYS = (
    "baseline_mgdl",
    "peak_mgdl",
    "peak_rise_mgdl",
    "time_to_peak_min",
    "iauc_2h",
    "return_to_baseline_min",
    "reason",
)


def _rank(rows: list[dict[str, Any]]) -> None:
    """``rank_by_carbs``: 1 for the largest rise per 10 g of carbs, per subject (None when undefined)."""
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for rec in rows:
        rec["rank_by_carbs"] = None
        if rec["rise_per_10g_carbs"] is not None:
            by_subject.setdefault(rec["subject_id"], []).append(rec)
    for recs in by_subject.values():
        for i, rec in enumerate(sorted(recs, key=lambda r: -r["rise_per_10g_carbs"]), start=1):
            rec["rank_by_carbs"] = i


def food_ranking(meals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Foods (or meal names when no food is logged) by mean rise per 10 g of carbs, largest first."""
    acc: dict[tuple[str, str], list[float]] = {}
    for m in meals:
        if m["rise_per_10g_carbs"] is None:
            continue
        names = [f for f in (m["foods"] or "").split(", ") if f] or [m["meal"] or "unnamed"]
        for name in names:
            acc.setdefault((m["subject_id"], name), []).append(m["rise_per_10g_carbs"])
    rows = [
        {"subject_id": s, "food": f, "meals": len(v), "mean_rise_per_10g_carbs": float(np.mean(v))}
        for (s, f), v in acc.items()
    ]
    return sorted(rows, key=lambda r: (r["subject_id"], -r["mean_rise_per_10g_carbs"]))


WORKOUTS_SQL = """
    SELECT subject_id, start_local, end_local, local_date, activity_type, duration_s, energy_kcal, _source
    FROM {relation} WHERE start_local IS NOT NULL AND end_local > start_local {where}
    ORDER BY subject_id, start_local"""


def workout_responses(
    con: duckdb.DuckDBPyConnection,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: str = "mgdl",
    workouts: str = "workouts",
    readings: str = "glucose_readings",
) -> list[dict[str, Any]]:
    """Glucose before, during and after each workout (see the module docstring)."""
    where, params = _filters(subject, start, end)
    rows_in = con.execute(WORKOUTS_SQL.format(relation=workouts, where=where), params).fetchall()
    cols = [d[0] for d in con.description or ()]
    r = from_connection(con, readings, subject=subject, start=_minus_day(start), end=_plus_day(end))
    per_subject = _subject_arrays(r)
    scale = 1 / MGDL_PER_MMOL if units == "mmol" else 1.0
    out: list[dict[str, Any]] = []
    for row in rows_in:
        w = dict(zip(cols, row, strict=True))
        t, x = per_subject.get(w["subject_id"], (np.array([], np.int64), np.array([])))
        s = int(np.datetime64(w["start_local"], "us").astype(np.int64))
        e = int(np.datetime64(w["end_local"], "us").astype(np.int64))

        before = _between(t, x, s - BASELINE_MIN * US_PER_MIN, s)
        during = _between(t, x, s, e + 1)
        after = _between(t, x, e, e + WINDOW_MIN * US_PER_MIN)
        end_val = x[np.searchsorted(t, e, side="right") - 1] if len(t) and t[0] <= e else np.nan
        unit = "mmol" if units == "mmol" else "mgdl"
        rec = {
            **w,
            f"before_mean_{unit}": _stat(np.mean, before, scale),
            f"during_mean_{unit}": _stat(np.mean, during, scale),
            f"during_nadir_{unit}": _stat(np.min, during, scale),
            f"after_2h_nadir_{unit}": _stat(np.min, after, scale),
            f"change_to_end_{unit}": (
                float(end_val - before.mean()) * scale
                if len(before) and np.isfinite(end_val) and t[np.searchsorted(t, e, side="right") - 1] >= s
                else None
            ),
            "n_readings_during": len(during),
        }
        out.append(rec)
    return out


def _between(t: IntArray, x: FloatArray, a: int, b: int) -> FloatArray:
    """The values at times in [a, b)."""
    lo, hi = np.searchsorted(t, [a, b], side="left")
    return x[lo:hi]


def _stat(fn: Any, v: FloatArray, scale: float) -> float | None:
    return float(fn(v)) * scale if len(v) else None


def _minus_day(d: date | None) -> date | None:
    from datetime import timedelta

    return None if d is None else d - timedelta(days=1)


def _plus_day(d: date | None) -> date | None:
    from datetime import timedelta

    return None if d is None else d + timedelta(days=1)


def meals(
    source: Settings | LakePaths,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: str = "mgdl",
) -> list[dict[str, Any]]:
    """:func:`meal_responses` on a lake."""
    return _on_lake(meal_responses, source, subject, start, end, units)


def workouts(
    source: Settings | LakePaths,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
    units: str = "mgdl",
) -> list[dict[str, Any]]:
    """:func:`workout_responses` on a lake."""
    return _on_lake(workout_responses, source, subject, start, end, units)


def _on_lake(
    responses: Callable[..., list[dict[str, Any]]],
    source: Settings | LakePaths,
    *args: Any,
) -> list[dict[str, Any]]:
    """``responses(con, *args)`` on a read-only catalog connection to the lake, closed afterwards."""
    from biolake.glucose.readings import lake_paths
    from biolake.lake.catalog import open_catalog

    con = open_catalog(lake_paths(source))
    try:
        return responses(con, *args)
    finally:
        con.close()
