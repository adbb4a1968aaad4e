"""Oura's legacy "trends" CSV (cloud.ouraring.com): one row per ``date``, Title Case columns.

Sleep durations and latency are in seconds; the activity times (Inactive/Rest/Low/Medium/High
Activity Time, Non-wear Time) are in minutes, as in the v1 API this export mirrors. ``Sleep Timing``
appears twice: bronze keeps both, as ``sleep_timing`` and ``sleep_timing_2``. Empty cells and ``None``
are NULL. Bronze column names are the headers in snake_case (``Temperature Deviation (°C)`` →
``temperature_deviation_c``); columns the file lacks are NULL.
"""

from __future__ import annotations

import re
from datetime import date
from typing import IO

from biolake.sources._csv import BronzeBatch, Column, cell, csv_rows, fail, map_header
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping
from biolake.sources.oura.csv_export import delimiter_of, header_cells
from biolake.sources.oura.mapping import CONTRIBUTORS
from biolake.sources.oura.sql import (
    DEVICE,
    SOURCE_NAME,
    SUBJECT,
    columns,
    day_interval,
    dbl,
    instant,
    problems,
)
from biolake.sources.oura.sql import wall as wall_sql

LABELS = (
    "date",
    "Sleep Score",
    "Total Sleep Score",
    "REM Sleep Score",
    "Deep Sleep Score",
    "Sleep Efficiency Score",
    "Restfulness Score",
    "Sleep Latency Score",
    "Sleep Timing Score",
    "Total Bedtime",
    "Total Sleep Time",
    "Awake Time",
    "REM Sleep Time",
    "Light Sleep Time",
    "Deep Sleep Time",
    "Restless Sleep",
    "Sleep Efficiency",
    "Sleep Latency",
    "Sleep Timing",
    "Bedtime Start",
    "Bedtime End",
    "Average Resting Heart Rate",
    "Lowest Resting Heart Rate",
    "Average HRV",
    "Temperature Deviation (°C)",
    "Respiratory Rate",
    "Activity Score",
    "Stay Active Score",
    "Move Every Hour Score",
    "Meet Daily Targets Score",
    "Training Frequency Score",
    "Training Volume Score",
    "Recovery Time Score",
    "Activity Burn",
    "Total Burn",
    "Target Calories",
    "Steps",
    "Daily Movement",
    "Inactive Time",
    "Rest Time",
    "Low Activity Time",
    "Medium Activity Time",
    "High Activity Time",
    "Non-wear Time",
    "Average MET",
    "Long Periods of Inactivity",
    "Readiness Score",
    "Previous Night Score",
    "Sleep Balance Score",
    "Previous Day Activity Score",
    "Activity Balance Score",
    "Temperature Score",
    "Resting Heart Rate Score",
    "HRV Balance Score",
    "Recovery Index Score",
)


def snake(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower().replace("°", "")).strip("_")


COLUMNS: tuple[Column, ...] = tuple(
    (snake(label), re.escape(label.lower()).replace("°c", "°?c"), label) for label in LABELS
)
REQUIRED = ("date", "sleep_score")


def is_trends_csv(head: bytes) -> bool:
    cells = set(header_cells(head))
    return {"date", "sleep score"} <= cells and bool({"bedtime start", "readiness score"} & cells)


def parse_trends(stream: IO[bytes], head: bytes, ctx: ParseContext, sink: BronzeSink) -> None:
    rows = csv_rows(stream, ctx, sink, delimiter_of(head))
    header = next((row for _, row in rows), None)
    if header is None:
        raise fail(ctx, "file is empty")
    pos = map_header(header, COLUMNS, REQUIRED, ctx)
    timing = [i for i, c in enumerate(header) if c.strip().lower() == "sleep timing"]
    pos["sleep_timing_2"] = timing[1] if len(timing) > 1 else None
    batch = BronzeBatch(sink, "trends", pos)
    found = 0
    for line, row in rows:
        if len(row) == 1 and len(header) > 2:
            raise fail(ctx, f"line {line} has 1 field but the header has {len(header)}: wrong delimiter")
        day = cell(row, pos["date"])
        try:
            date.fromisoformat(day)
        except ValueError:
            raise fail(ctx, f"date '{day}' on line {line} is not YYYY-MM-DD") from None
        batch.add(line, row)
        found += 1
    batch.flush()
    if not found:
        raise fail(ctx, "no rows after the header")


def v(column: str) -> str:
    """SQL: a trends cell as text, NULL when empty or 'None'."""
    return f"nullif(nullif(trim({column}), ''), 'None')"


# score_type → (score column, {contributor: trends column}); the trends file has no sleep regularity.
_SCORES: dict[str, tuple[str, dict[str, str]]] = {
    "sleep": (
        "sleep_score",
        {
            "deep_sleep": "deep_sleep_score",
            "efficiency": "sleep_efficiency_score",
            "latency": "sleep_latency_score",
            "rem_sleep": "rem_sleep_score",
            "restfulness": "restfulness_score",
            "timing": "sleep_timing_score",
            "total_sleep": "total_sleep_score",
        },
    ),
    "readiness": (
        "readiness_score",
        {
            "activity_balance": "activity_balance_score",
            "body_temperature": "temperature_score",
            "hrv_balance": "hrv_balance_score",
            "previous_day_activity": "previous_day_activity_score",
            "previous_night": "previous_night_score",
            "recovery_index": "recovery_index_score",
            "resting_heart_rate": "resting_heart_rate_score",
            "sleep_balance": "sleep_balance_score",
        },
    ),
    "activity": ("activity_score", {c: f"{c}_score" for c in CONTRIBUTORS["activity"]}),
}


def _scores(score_type: str) -> str:
    score, contributors = _SCORES[score_type]
    select = [(f"{name}_score", dbl(v(col))) for name, col in contributors.items()]
    values = [(col, v(col)) for col in (score, *contributors.values())]
    if score_type == "readiness":
        select.append(("temperature_deviation_c", dbl(v("temperature_deviation_c"))))
        values.append(("temperature_deviation_c", v("temperature_deviation_c")))
    return f"""
    SELECT {SUBJECT}, TRY_CAST(trim(date) AS DATE) AS local_date, '{score_type}' AS score_type,
        {dbl(v(score))} AS score, {columns(select)}, {SOURCE_NAME} AS source_name,
        {problems(values)} AS _problem
    FROM {{bronze}} WHERE coalesce({", ".join(e for _, e in values)}) IS NOT NULL"""


SCORES_SQL = " UNION ALL BY NAME ".join(_scores(kind) for kind in _SCORES)

_SLEEP = {
    "time_in_bed_s": "total_bedtime",
    "total_sleep_s": "total_sleep_time",
    "awake_s": "awake_time",
    "light_s": "light_sleep_time",
    "deep_s": "deep_sleep_time",
    "rem_s": "rem_sleep_time",
    "efficiency_pct": "sleep_efficiency",
    "latency_s": "sleep_latency",
    "avg_hr_bpm": "average_resting_heart_rate",
    "lowest_hr_bpm": "lowest_resting_heart_rate",
    "avg_hrv_ms": "average_hrv",
    "avg_breath_rpm": "respiratory_rate",
    "temperature_deviation_c": "temperature_deviation_c",
}
SESSIONS_SQL = f"""
    SELECT {SUBJECT}, {instant(v("bedtime_start"))} AS start_utc, {instant(v("bedtime_end"))} AS end_utc,
        {wall_sql(v("bedtime_start"))} AS start_local, {wall_sql(v("bedtime_end"))} AS end_local,
        TRY_CAST(trim(date) AS DATE) AS local_date, NULL AS session_type, true AS is_main,
        {columns([(name, dbl(v(col))) for name, col in _SLEEP.items()])},
        {SOURCE_NAME} AS source_name, {DEVICE} AS device,
        {problems([(col, v(col)) for col in _SLEEP.values()])} AS _problem
    FROM {{bronze}} WHERE {v("bedtime_start")} IS NOT NULL"""

_ACTIVITY = {
    "active_energy_kcal": "activity_burn",
    "active_energy_goal_kcal": "target_calories",
    "steps": "steps",
    "total_energy_kcal": "total_burn",
    "high_activity_min": "high_activity_time",
    "medium_activity_min": "medium_activity_time",
    "low_activity_min": "low_activity_time",
    "sedentary_min": "inactive_time",
}
_ACTIVITY_VALUES = [(col, v(col)) for col in (*_ACTIVITY.values(), "daily_movement")]
ACTIVITY_SQL = f"""
    SELECT {SUBJECT}, TRY_CAST(trim(date) AS DATE) AS local_date,
        {columns([(name, dbl(v(col))) for name, col in _ACTIVITY.items()])},
        {dbl(v("daily_movement"))} / 1000 AS distance_km,
        {SOURCE_NAME} AS source_name, {problems(_ACTIVITY_VALUES, _ACTIVITY_VALUES)} AS _problem
    FROM {{bronze}} WHERE coalesce({", ".join(e for _, e in _ACTIVITY_VALUES)}) IS NOT NULL"""

TEMPERATURE_SQL = f"""
    SELECT {SUBJECT}, 'temperature_deviation_c' AS metric, {dbl(v("temperature_deviation_c"))} AS value,
        'degC' AS unit, {day_interval("date")}, {SOURCE_NAME} AS source_name, {DEVICE} AS device,
        'trends' AS source_type,
        {problems([("temperature_deviation_c", v("temperature_deviation_c"))])} AS _problem
    FROM {{bronze}} WHERE {v("temperature_deviation_c")} IS NOT NULL"""

MAPPINGS: tuple[SilverMapping, ...] = (
    SilverMapping("trends", "daily_scores", SCORES_SQL),
    SilverMapping("trends", "sleep_sessions", SESSIONS_SQL),
    SilverMapping("trends", "activity_daily", ACTIVITY_SQL),
    SilverMapping("trends", "measurements", TEMPERATURE_SQL),
)
