"""Oura API v2 / membership-export bronze → silver, in DuckDB SQL (bronze values are text)."""

from __future__ import annotations

from biolake.sources._csv import nz
from biolake.sources.base import SilverMapping
from biolake.sources.oura.sql import (
    DEVICE,
    SOURCE_NAME,
    SUBJECT,
    columns,
    day_interval,
    dbl,
    field,
    instant,
    problems,
    wall,
)

CONTRIBUTORS = {
    "readiness": (
        "activity_balance",
        "body_temperature",
        "hrv_balance",
        "previous_day_activity",
        "previous_night",
        "recovery_index",
        "resting_heart_rate",
        "sleep_balance",
        "sleep_regularity",
    ),
    "sleep": ("deep_sleep", "efficiency", "latency", "rem_sleep", "restfulness", "timing", "total_sleep"),
    "activity": (
        "meet_daily_targets",
        "move_every_hour",
        "recovery_time",
        "stay_active",
        "training_frequency",
        "training_volume",
    ),
}
# sleep_phase_5_min characters → sleep_stages.stage (Apple Health's vocabulary).
PHASES = {"1": "deep", "2": "light", "3": "rem", "4": "awake"}
# Oura workout activity (snake_case) → Apple Health's activity_type where they name the same thing.
ACTIVITIES = {
    "strength_training": "strength_training",
    "weight_training": "strength_training",
    "weightlifting": "strength_training",
    "functional_strength_training": "strength_training",
    "hiit": "hiit",
    "high_intensity_interval_training": "hiit",
    "dancing": "dance",
    "indoor_cycling": "cycling",
    "spinning": "cycling",
    "stair_stepper": "stair_climbing",
    "stairs": "stair_climbing",
    "cardio_training": "cardio",
}
SNAKE_ACTIVITY = (
    "lower(regexp_replace(regexp_replace(trim(activity), '([a-z0-9])([A-Z])', '\\1_\\2', 'g'), "
    "'[^A-Za-z0-9]+', '_', 'g'))"
)


def scores_sql(score_type: str, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """One daily_scores row per record of a daily_<score_type> table, contributors as ``<name>_score``."""
    contributors = [(c, field("contributors", c)) for c in CONTRIBUTORS[score_type]]
    values = [("score", nz("score")), *extra, *((f"contributors.{c}", e) for c, e in contributors)]
    return f"""
    SELECT {SUBJECT}, TRY_CAST({nz("day")} AS DATE) AS local_date, '{score_type}' AS score_type,
        {dbl(nz("score"))} AS score,
        {columns([(f"{c}_score", dbl(e)) for c, e in contributors])},
        {columns([(name, dbl(e)) for name, e in extra]) + "," if extra else ""}
        {SOURCE_NAME} AS source_name, {problems(values)} AS _problem
    FROM {{bronze}}"""


_TEMPERATURE = (
    ("temperature_deviation_c", nz("temperature_deviation")),
    ("temperature_trend_deviation_c", nz("temperature_trend_deviation")),
)


def _day_measurement(metric: str, unit: str, value: str, source_type: str) -> str:
    return f"""
    SELECT {SUBJECT}, '{metric}' AS metric, {dbl(value)} AS value, '{unit}' AS unit, {day_interval("day")},
        {SOURCE_NAME} AS source_name, {DEVICE} AS device, '{source_type}' AS source_type,
        {problems([(metric, value)])} AS _problem
    FROM {{bronze}} WHERE {value} IS NOT NULL"""


TEMPERATURE_SQL = " UNION ALL ".join(
    _day_measurement(metric, "degC", expr, "daily_readiness") for metric, expr in _TEMPERATURE
)
# spo2_percentage is an object {"average": …}; a bare number is read too.
_SPO2 = (
    f"coalesce({field('spo2_percentage', 'average')}, CASE WHEN NOT json_valid(spo2_percentage) "
    f"OR json_type(spo2_percentage) <> 'OBJECT' THEN {nz('spo2_percentage')} END)"
)
SPO2_SQL = (
    _day_measurement("spo2_pct", "%", _SPO2, "daily_spo2")
    + " UNION ALL "
    + _day_measurement(
        "breathing_disturbance_index", "count", nz("breathing_disturbance_index"), "daily_spo2"
    )
)

HEARTRATE_SQL = f"""
    SELECT {SUBJECT}, 'heart_rate' AS metric, {dbl(nz("bpm"))} AS value, 'bpm' AS unit,
        {instant("timestamp")} AS start_utc, start_utc AS end_utc,
        CAST(timezone(getvariable('tz'), start_utc) AS TIMESTAMP) AS start_local, start_local AS end_local,
        CAST(start_local AS DATE) AS local_date,
        {SOURCE_NAME} AS source_name, {DEVICE} AS device,
        'heartrate:' || coalesce({nz("source")}, '') AS source_type,
        {problems([("bpm", nz("bpm"))])} AS _problem
    FROM {{bronze}}"""

_ACTIVITY_NUMBERS = [
    (c, nz(c))
    for c in (
        "active_calories",
        "target_calories",
        "steps",
        "total_calories",
        "high_activity_time",
        "medium_activity_time",
        "low_activity_time",
        "sedentary_time",
        "equivalent_walking_distance",
    )
]
ACTIVITY_SQL = f"""
    SELECT {SUBJECT}, TRY_CAST({nz("day")} AS DATE) AS local_date,
        {dbl(nz("active_calories"))} AS active_energy_kcal,
        {dbl(nz("target_calories"))} AS active_energy_goal_kcal,
        {dbl(nz("steps"))} AS steps, {dbl(nz("total_calories"))} AS total_energy_kcal,
        {dbl(nz("high_activity_time"))} / 60 AS high_activity_min,
        {dbl(nz("medium_activity_time"))} / 60 AS medium_activity_min,
        {dbl(nz("low_activity_time"))} / 60 AS low_activity_min,
        {dbl(nz("sedentary_time"))} / 60 AS sedentary_min,
        {dbl(nz("equivalent_walking_distance"))} / 1000 AS distance_km,
        {SOURCE_NAME} AS source_name, {problems(_ACTIVITY_NUMBERS, _ACTIVITY_NUMBERS)} AS _problem
    FROM {{bronze}}"""

_SLEEP_NUMBERS = {
    "time_in_bed_s": "time_in_bed",
    "total_sleep_s": "total_sleep_duration",
    "awake_s": "awake_time",
    "light_s": "light_sleep_duration",
    "deep_s": "deep_sleep_duration",
    "rem_s": "rem_sleep_duration",
    "efficiency_pct": "efficiency",
    "latency_s": "latency",
    "avg_hr_bpm": "average_heart_rate",
    "lowest_hr_bpm": "lowest_heart_rate",
    "avg_hrv_ms": "average_hrv",
    "avg_breath_rpm": "average_breath",
}
_NOT_SLEEP = "('deleted', 'rest')"

SESSIONS_SQL = f"""
    WITH s AS (
        SELECT *, lower({nz("type")}) AS kind,
            {instant("bedtime_start")} AS start_utc, {instant("bedtime_end")} AS end_utc,
            {wall("bedtime_start")} AS start_local, {wall("bedtime_end")} AS end_local
        FROM {{bronze}}
    ),
    main AS (
        SELECT row_idx, row_number() OVER (
            PARTITION BY {nz("day")}
            ORDER BY kind = 'long_sleep' DESC,
                coalesce({dbl(nz("time_in_bed"))}, epoch(end_utc) - epoch(start_utc)) DESC NULLS LAST,
                start_utc
        ) = 1 AS is_main
        FROM s WHERE coalesce(kind, '') NOT IN {_NOT_SLEEP}
    )
    SELECT {SUBJECT}, start_utc, end_utc, start_local, end_local,
        coalesce(TRY_CAST({nz("day")} AS DATE), CAST(end_local AS DATE)) AS local_date,
        kind AS session_type, coalesce(main.is_main, false) AS is_main,
        {columns([(name, dbl(nz(col))) for name, col in _SLEEP_NUMBERS.items()])},
        {dbl(field("readiness", "temperature_deviation"))} AS temperature_deviation_c,
        {nz("id")} AS session_id, {SOURCE_NAME} AS source_name, {DEVICE} AS device,
        CASE WHEN kind = 'deleted' THEN 'deleted in Oura'
             ELSE {problems([(col, nz(col)) for col in _SLEEP_NUMBERS.values()])} END AS _problem
    FROM s LEFT JOIN main USING (row_idx)"""

_STEP = "to_seconds(300 * {})"
STAGES_SQL = f"""
    WITH p AS (
        SELECT row_idx, {nz("sleep_phase_5_min")} AS phases,
            {instant("bedtime_start")} AS t0, {instant("bedtime_end")} AS t1, {wall("bedtime_start")} AS w0
        FROM {{bronze}}
        WHERE coalesce(lower({nz("type")}), '') NOT IN {_NOT_SLEEP} AND {nz("sleep_phase_5_min")} IS NOT NULL
    ),
    c AS (
        SELECT row_idx, t0, t1, w0, i, substr(phases, i + 1, 1) AS ch
        FROM (SELECT *, unnest(range(length(phases))) AS i FROM p)
    ),
    runs AS (
        SELECT row_idx, any_value(t0) AS t0, any_value(t1) AS t1, any_value(w0) AS w0, ch,
            min(i) AS first, max(i) + 1 AS last
        FROM (SELECT *, i - row_number() OVER (PARTITION BY row_idx, ch ORDER BY i) AS grp FROM c)
        GROUP BY row_idx, ch, grp
    ),
    t AS (
        SELECT *, t0 + {_STEP.format("first")} AS start_utc, w0 + {_STEP.format("first")} AS start_local,
            least(t0 + {_STEP.format("last")}, t1) AS end_utc
        FROM runs
    )
    SELECT {SUBJECT}, start_utc, end_utc, start_local, start_local + (end_utc - start_utc) AS end_local,
        CAST(start_local + (end_utc - start_utc) AS DATE) AS local_date,
        CASE ch {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PHASES.items())} END AS stage, ch AS stage_raw,
        epoch(end_utc) - epoch(start_utc) AS duration_s, {SOURCE_NAME} AS source_name, {DEVICE} AS device,
        CASE WHEN stage IS NULL THEN 'unknown sleep phase: ' || ch END AS _problem
    FROM t ORDER BY row_idx, first"""

_WORKOUT_NUMBERS = [("calories", nz("calories")), ("distance", nz("distance"))]
WORKOUTS_SQL = f"""
    WITH w AS (
        SELECT *, {SNAKE_ACTIVITY} AS snake,
            {instant("start_datetime")} AS start_utc, {instant("end_datetime")} AS end_utc,
            {wall("start_datetime")} AS start_local, {wall("end_datetime")} AS end_local
        FROM {{bronze}}
    )
    SELECT {SUBJECT}, start_utc, end_utc, start_local, end_local,
        coalesce(TRY_CAST({nz("day")} AS DATE), CAST(start_local AS DATE)) AS local_date,
        CASE snake {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ACTIVITIES.items())} ELSE snake END
            AS activity_type,
        {nz("activity")} AS activity_type_raw, epoch(end_utc) - epoch(start_utc) AS duration_s,
        {dbl(nz("distance"))} / 1000 AS distance_km, {dbl(nz("calories"))} AS energy_kcal,
        CASE WHEN snake LIKE 'indoor%' THEN true END AS indoor,
        lower({nz("intensity")}) AS intensity, {nz("label")} AS title, {SOURCE_NAME} AS source_name,
        json_object('id', {nz("id")}, 'source', {nz("source")}) AS metadata_json,
        {problems(_WORKOUT_NUMBERS, _WORKOUT_NUMBERS)} AS _problem
    FROM w"""

MAPPINGS: tuple[SilverMapping, ...] = (
    SilverMapping("daily_readiness", "daily_scores", scores_sql("readiness", _TEMPERATURE)),
    SilverMapping("daily_readiness", "measurements", TEMPERATURE_SQL),
    SilverMapping("daily_sleep", "daily_scores", scores_sql("sleep")),
    SilverMapping("daily_activity", "daily_scores", scores_sql("activity")),
    SilverMapping("daily_activity", "activity_daily", ACTIVITY_SQL),
    SilverMapping("sleep", "sleep_sessions", SESSIONS_SQL),
    SilverMapping("sleep", "sleep_stages", STAGES_SQL),
    SilverMapping("daily_spo2", "measurements", SPO2_SQL),
    SilverMapping("workout", "workouts", WORKOUTS_SQL),
    SilverMapping("heartrate", "measurements", HEARTRATE_SQL),
)
