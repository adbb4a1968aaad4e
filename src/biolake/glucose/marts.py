"""The gold glucose marts, computed by this library (the one definition of every metric).

dbt runs them as Python models (``dbt/models/marts/glucose/*.py``): each model passes its ``ref``
relations here and gets an Arrow table with a fixed schema back, empty but typed when a lake has no
CGM data. Rows as documented in the models' .yml files and docs/glucose.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from biolake.glucose import agp, episodes, meals, targets
from biolake.glucose.readings import US_PER_DAY, Readings, from_connection
from biolake.glucose.summary import catalogue

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

AGP_DAYS = 14

DAILY = {  # mart column: (catalogue key, arrow type)
    "n_obs": ("n_obs", "int64"),
    "mean_mgdl": ("mean", "float64"),
    "median_mgdl": ("median", "float64"),
    "sd_mgdl": ("sd", "float64"),
    "cv_pct": ("cv", "float64"),
    "min_mgdl": ("quantile_0", "float64"),
    "max_mgdl": ("quantile_100", "float64"),
    "gmi_pct": ("gmi", "float64"),
    "tir_70_180_pct": ("in_range_70_180", "float64"),
    "tbr_70_pct": ("below_70", "float64"),
    "tbr_54_pct": ("below_54", "float64"),
    "tar_180_pct": ("above_180", "float64"),
    "tar_250_pct": ("above_250", "float64"),
    "tw_tir_70_180_pct": ("tw_in_range_70_180", "float64"),
    "lbgi": ("lbgi", "float64"),
    "hbgi": ("hbgi", "float64"),
    "mage_mgdl": ("mage", "float64"),
    "j_index": ("j_index", "float64"),
    "active_percent": ("active_percent", "float64"),
}
PERIOD = {
    "subject_id": "string",
    "window_start": "date32",
    "window_end": "date32",
    "days_with_data": "int64",
    "n_obs": "int64",
    "active_percent": "float64",
    "mean_mgdl": "float64",
    "sd_mgdl": "float64",
    "cv_pct": "float64",
    "gmi_pct": "float64",
    "tir_70_180_pct": "float64",
    "tbr_70_pct": "float64",
    "tbr_54_pct": "float64",
    "tar_180_pct": "float64",
    "tar_250_pct": "float64",
    **dict.fromkeys(targets.TARGETS, "bool"),
    "meets_all_targets": "bool",
    "sufficient_data": "bool",
}
EPISODES = {
    "subject_id": "string",
    "episode_type": "string",
    "level": "string",
    "start_local": "timestamp",
    "end_local": "timestamp",
    "local_date": "date32",
    "duration_min": "float64",
    "extreme_mgdl": "float64",
    "mean_mgdl": "float64",
    "is_night": "bool",
}
AGP = {
    "subject_id": "string",
    "period_start": "date32",
    "period_end": "date32",
    "minute_of_day": "int64",
    "time_of_day": "string",
    "n": "int64",
    **{f"p{p}_mgdl": "float64" for p in agp.PERCENTILES},
}
MEALS = {
    "subject_id": "string",
    "meal_local": "timestamp",
    "local_date": "date32",
    "meal": "string",
    "foods": "string",
    "carbs_g": "float64",
    "energy_kcal": "float64",
    "sugar_g": "float64",
    "fiber_g": "float64",
    "protein_g": "float64",
    "fat_g": "float64",
    "baseline_mgdl": "float64",
    "peak_mgdl": "float64",
    "peak_rise_mgdl": "float64",
    "time_to_peak_min": "int64",
    "iauc_2h_mgdl_h": "float64",
    "return_to_baseline_min": "int64",
    "rise_per_10g_carbs": "float64",
    "iauc_per_10g_carbs": "float64",
    "rank_by_carbs": "int64",
    "reason": "string",
    "_source": "string",
}


def _table(rows: list[dict[str, Any]], schema: dict[str, str]) -> pa.Table:
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "date32": pa.date32(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("us"),
    }
    fields = [pa.field(name, types[t]) for name, t in schema.items()]
    return pa.Table.from_pylist([{k: r.get(k) for k in schema} for r in rows], schema=pa.schema(fields))


def _relation(rel: duckdb.DuckDBPyRelation) -> str:
    return f"({rel.sql_query()})"


def by_day(r: Readings) -> tuple[Readings, list[tuple[str, date]]]:
    """The readings regrouped by (subject, local day), with each new group's (subject, day)."""
    day = r.day()
    if not len(day):
        return Readings([], r.group, r.time_us, r.glucose, r.censored), []
    key = r.group * (int(day.max() - day.min()) + 1) + (day - day.min())
    keys, group = np.unique(key, return_inverse=True)
    first = np.zeros(len(keys), dtype=np.int64)
    first[group[::-1]] = np.arange(len(group))[::-1]
    epoch = date(1970, 1, 1)
    names = [(r.labels[int(r.group[i])], epoch + timedelta(days=int(day[i]))) for i in first.tolist()]
    labels = [f"{s}|{d.isoformat()}" for s, d in names]
    return Readings(labels, group.astype(np.int64), r.time_us, r.glucose, r.censored), names


def glucose_daily(con: duckdb.DuckDBPyConnection, readings: duckdb.DuckDBPyRelation) -> pa.Table:
    """One row per subject and local day with CGM readings: the day's catalogue metrics."""
    daily, names = by_day(from_connection(con, _relation(readings)))
    rows = []
    for (subject, day), rec in zip(names, catalogue(daily), strict=True):
        row: dict[str, Any] = {"subject_id": subject, "local_date": day}
        row.update({col: rec[key] for col, (key, _) in DAILY.items()})
        rows.append(row)
    schema = {"subject_id": "string", "local_date": "date32", **{c: t for c, (_, t) in DAILY.items()}}
    return _table(rows, schema)


def glucose_period_summary(con: duckdb.DuckDBPyConnection, readings: duckdb.DuckDBPyRelation) -> pa.Table:
    """Rolling 14-day windows ending on every day of each subject's CGM record (targets.windows)."""
    return _table(targets.windows(from_connection(con, _relation(readings)), 14), PERIOD)


def glucose_episodes(con: duckdb.DuckDBPyConnection, readings: duckdb.DuckDBPyRelation) -> pa.Table:
    """Every level 1, level 2 and extended episode (episodes.table, consensus rules)."""
    return _table(episodes.table(from_connection(con, _relation(readings))), EPISODES)


def glucose_agp(con: duckdb.DuckDBPyConnection, readings: duckdb.DuckDBPyRelation) -> pa.Table:
    """The AGP of each subject's last 14 days with CGM data (agp.profile)."""
    r = from_connection(con, _relation(readings))
    bounds = r.bounds
    rows = []
    for g, subject in enumerate(r.labels):
        if bounds[g + 1] == bounds[g]:
            continue
        last_day = int(r.time_us[bounds[g + 1] - 1] // US_PER_DAY)
        sel = np.zeros(len(r.group), dtype=bool)
        sel[bounds[g] : bounds[g + 1]] = True
        sel &= r.day() > last_day - AGP_DAYS
        part = r.select(sel)
        one = Readings(
            [subject], np.zeros(int(sel.sum()), np.int64), part.time_us, part.glucose, part.censored
        )
        end = date(1970, 1, 1) + timedelta(days=last_day)
        for rec in agp.profile(one).profile:
            rows.append(
                {
                    "subject_id": subject,
                    "period_start": end - timedelta(days=AGP_DAYS - 1),
                    "period_end": end,
                    "minute_of_day": rec["minute"],
                    "time_of_day": rec["time"],
                    "n": rec["n"],
                    **{f"p{p}_mgdl": rec[f"p{p}"] for p in agp.PERCENTILES},
                }
            )
    return _table(rows, AGP)


def meal_glucose_response(
    con: duckdb.DuckDBPyConnection, nutrition: duckdb.DuckDBPyRelation, readings: duckdb.DuckDBPyRelation
) -> pa.Table:
    """One row per timed meal with its glucose response (meals.meal_responses)."""
    rows = meals.meal_responses(con, nutrition=_relation(nutrition), readings=_relation(readings))
    for row in rows:
        row["meal_local"] = row.pop("local_ts")
        row["iauc_2h_mgdl_h"] = row.pop("iauc_2h")
    return _table(rows, MEALS)
