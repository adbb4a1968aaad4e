"""The silver contract: every silver entity's columns, natural key, partitioning and validation rules.

Times are UTC instants (``TIMESTAMPTZ``) plus the local wall time and local date they belong to. Units
are canonical and named in the column. Every row carries ``subject_id`` and the lineage columns
``_source``, ``_file_sha256`` and ``_ingested_at``. See ``docs/silver.md`` for the prose version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# _exported_at: when the export itself was made, if the file says so (Apple Health's ExportDate); it
# orders the copies of a fact that a newer export revises, whatever order the files were imported in.
LINEAGE = (
    ("_source", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_ingested_at", "TIMESTAMPTZ"),
    ("_exported_at", "TIMESTAMPTZ"),
)

# Entities that Apple Health and an app's own export both carry (see lake/crosssource.py) keep every
# source's rows in `<entity>_by_source`; `<entity>` holds one row per fact with these two extra columns.
BY_SOURCE = "_by_source"
PROVENANCE = (("_merged_from", "VARCHAR"), ("_field_sources", "VARCHAR"))

INSTANT = (("ts_utc", "TIMESTAMPTZ"), ("local_ts", "TIMESTAMP"), ("local_date", "DATE"))
INTERVAL = (
    ("start_utc", "TIMESTAMPTZ"),
    ("end_utc", "TIMESTAMPTZ"),
    ("start_local", "TIMESTAMP"),
    ("end_local", "TIMESTAMP"),
    ("local_date", "DATE"),
)
QUANTITY = (
    ("metric", "VARCHAR"),
    ("value", "DOUBLE"),
    ("unit", "VARCHAR"),
    ("category", "VARCHAR"),
    *INTERVAL,
    ("source_name", "VARCHAR"),
    ("source_version", "VARCHAR"),
    ("device", "VARCHAR"),
    ("source_type", "VARCHAR"),
)


@dataclass(frozen=True)
class Entity:
    """One silver table.

    ``key``: the natural key; rows sharing it are one fact (re-imports and overlapping exports).
    ``keep``: which copy of a fact survives: ``first`` for immutable samples, ``last`` for values a
    newer export revises (a day's totals exported before the day ended).
    ``partition``: SQL for the Hive partition value (``year``), or None for an unpartitioned table.
    ``checks``: (SQL that is true for a bad row, reason) pairs; bad rows go to quarantine.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    keep: Literal["first", "last"] = "first"
    partition: str | None = "year(local_date)"
    time_column: str = "local_date"
    checks: tuple[tuple[str, str], ...] = ()
    description: str = ""

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        return (("subject_id", "VARCHAR"), *self.columns, *LINEAGE)

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.all_columns]


def _common_checks(entity_time: str) -> tuple[tuple[str, str], ...]:
    return (
        ("subject_id IS NULL OR subject_id = ''", "missing subject_id"),
        (f"{entity_time} IS NULL", f"missing or unparseable {entity_time}"),
    )


INTERVAL_CHECKS = (
    *_common_checks("start_utc"),
    ("end_utc IS NULL", "missing or unparseable end time"),
    ("end_utc < start_utc", "ends before it starts"),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "glucose_readings",
            (
                *INSTANT,
                ("glucose_mgdl", "DOUBLE"),
                ("censored", "VARCHAR"),
                ("reading_kind", "VARCHAR"),
                ("device", "VARCHAR"),
                ("source_name", "VARCHAR"),
            ),
            key=("subject_id", "_source", "device", "reading_kind", "ts_utc"),
            checks=(
                *_common_checks("ts_utc"),
                ("glucose_mgdl IS NULL OR isnan(glucose_mgdl)", "missing glucose value"),
                ("glucose_mgdl < 10 OR glucose_mgdl > 1000", "glucose outside the plausible 10–1000 mg/dL"),
            ),
            description="One glucose reading in mg/dL; 'Low'/'High' are kept at the sensor limit with "
            "censored = 'low' / 'high'.",
        ),
        Entity(
            "cgm_events",
            (
                *INSTANT,
                ("event_type", "VARCHAR"),
                ("event_subtype", "VARCHAR"),
                ("value", "DOUBLE"),
                ("unit", "VARCHAR"),
                ("duration_s", "DOUBLE"),
                ("note", "VARCHAR"),
                ("device", "VARCHAR"),
                ("source_name", "VARCHAR"),
            ),
            key=("subject_id", "_source", "device", "ts_utc", "event_type", "event_subtype", "value", "note"),
            checks=_common_checks("ts_utc"),
            description="Insulin, carbohydrate, exercise, health and note events logged on a CGM.",
        ),
        Entity(
            "measurements",
            QUANTITY,
            key=(
                "subject_id",
                "_source",
                "metric",
                "source_name",
                "start_utc",
                "end_utc",
                "value",
                "category",
            ),
            checks=(*INTERVAL_CHECKS, ("metric IS NULL", "missing metric")),
            description="One sample of a quantity or category (heart rate, HRV, steps, SpO2, VO2 max, …) "
            "in canonical units.",
        ),
        Entity(
            "body_measurements",
            QUANTITY,
            key=("subject_id", "_source", "metric", "source_name", "start_utc", "end_utc", "value"),
            checks=(*INTERVAL_CHECKS, ("metric IS NULL", "missing metric")),
            description="One body measurement (weight_kg, body_fat_pct, bmi, lean_body_mass_kg, height_m, "
            "waist_cm, …).",
        ),
        Entity(
            "sleep_stages",
            (
                *INTERVAL,
                ("stage", "VARCHAR"),
                ("stage_raw", "VARCHAR"),
                ("duration_s", "DOUBLE"),
                ("source_name", "VARCHAR"),
                ("device", "VARCHAR"),
            ),
            key=("subject_id", "_source", "source_name", "start_utc", "end_utc", "stage"),
            checks=INTERVAL_CHECKS,
            description="One sleep-stage interval: in_bed, asleep (unspecified), light (Apple 'core'), "
            "deep, rem, awake. local_date is the local date on which the interval ends.",
        ),
        Entity(
            "sleep_sessions",
            (
                *INTERVAL,
                ("session_type", "VARCHAR"),
                ("is_main", "BOOLEAN"),
                ("time_in_bed_s", "DOUBLE"),
                ("total_sleep_s", "DOUBLE"),
                ("awake_s", "DOUBLE"),
                ("light_s", "DOUBLE"),
                ("deep_s", "DOUBLE"),
                ("rem_s", "DOUBLE"),
                ("efficiency_pct", "DOUBLE"),
                ("latency_s", "DOUBLE"),
                ("avg_hr_bpm", "DOUBLE"),
                ("lowest_hr_bpm", "DOUBLE"),
                ("avg_hrv_ms", "DOUBLE"),
                ("avg_breath_rpm", "DOUBLE"),
                ("temperature_deviation_c", "DOUBLE"),
                ("session_id", "VARCHAR"),
                ("source_name", "VARCHAR"),
                ("device", "VARCHAR"),
            ),
            key=("subject_id", "_source", "source_name", "start_utc"),
            keep="last",
            checks=(
                *INTERVAL_CHECKS,
                (
                    "total_sleep_s < 0 OR time_in_bed_s < 0 OR awake_s < 0 OR light_s < 0 OR deep_s < 0 "
                    "OR rem_s < 0 OR latency_s < 0",
                    "negative duration",
                ),
                ("efficiency_pct NOT BETWEEN 0 AND 100", "efficiency outside 0–100 %"),
            ),
            description="One sleep period (a night's main sleep, a nap, a rest period) with its stage "
            "totals and vitals. session_type: long_sleep, sleep, late_nap, rest; is_main marks the "
            "night's main sleep. local_date is the day the source assigns the period to (the morning "
            "it ends).",
        ),
        Entity(
            "workouts",
            (
                *INTERVAL,
                ("activity_type", "VARCHAR"),
                ("activity_type_raw", "VARCHAR"),
                ("duration_s", "DOUBLE"),
                ("distance_km", "DOUBLE"),
                ("energy_kcal", "DOUBLE"),
                ("avg_hr_bpm", "DOUBLE"),
                ("min_hr_bpm", "DOUBLE"),
                ("max_hr_bpm", "DOUBLE"),
                ("indoor", "BOOLEAN"),
                ("output_kj", "DOUBLE"),
                ("avg_power_w", "DOUBLE"),
                ("avg_cadence_rpm", "DOUBLE"),
                ("avg_resistance_pct", "DOUBLE"),
                ("avg_speed_kph", "DOUBLE"),
                ("avg_incline_pct", "DOUBLE"),
                ("intensity", "VARCHAR"),
                ("title", "VARCHAR"),
                ("instructor", "VARCHAR"),
                ("class_type", "VARCHAR"),
                ("class_mode", "VARCHAR"),
                ("source_name", "VARCHAR"),
                ("source_version", "VARCHAR"),
                ("device", "VARCHAR"),
                ("route_file", "VARCHAR"),
                ("statistics_json", "VARCHAR"),
                ("events_json", "VARCHAR"),
                ("metadata_json", "VARCHAR"),
            ),
            key=("subject_id", "_source", "source_name", "activity_type_raw", "start_utc"),
            checks=INTERVAL_CHECKS,
            description="One workout with totals in canonical units; statistics, events and metadata "
            "kept as JSON text.",
        ),
        Entity(
            "workout_routes",
            (
                ("route_file", "VARCHAR"),
                ("ts_utc", "TIMESTAMPTZ"),
                ("lat", "DOUBLE"),
                ("lon", "DOUBLE"),
                ("elevation_m", "DOUBLE"),
                ("speed_mps", "DOUBLE"),
                ("course_deg", "DOUBLE"),
                ("h_acc_m", "DOUBLE"),
                ("v_acc_m", "DOUBLE"),
            ),
            key=("subject_id", "_source", "route_file", "ts_utc", "lat", "lon"),
            partition="year(ts_utc)",
            time_column="ts_utc",
            checks=(
                *_common_checks("ts_utc"),
                ("lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180", "coordinates out of range"),
            ),
            description="GPS points of workout routes; route_file links to workouts.route_file.",
        ),
        Entity(
            "daily_scores",
            (
                ("local_date", "DATE"),
                ("score_type", "VARCHAR"),
                ("score", "DOUBLE"),
                ("activity_balance_score", "DOUBLE"),
                ("body_temperature_score", "DOUBLE"),
                ("hrv_balance_score", "DOUBLE"),
                ("previous_day_activity_score", "DOUBLE"),
                ("previous_night_score", "DOUBLE"),
                ("recovery_index_score", "DOUBLE"),
                ("resting_heart_rate_score", "DOUBLE"),
                ("sleep_balance_score", "DOUBLE"),
                ("sleep_regularity_score", "DOUBLE"),
                ("deep_sleep_score", "DOUBLE"),
                ("efficiency_score", "DOUBLE"),
                ("latency_score", "DOUBLE"),
                ("rem_sleep_score", "DOUBLE"),
                ("restfulness_score", "DOUBLE"),
                ("timing_score", "DOUBLE"),
                ("total_sleep_score", "DOUBLE"),
                ("meet_daily_targets_score", "DOUBLE"),
                ("move_every_hour_score", "DOUBLE"),
                ("recovery_time_score", "DOUBLE"),
                ("stay_active_score", "DOUBLE"),
                ("training_frequency_score", "DOUBLE"),
                ("training_volume_score", "DOUBLE"),
                ("temperature_deviation_c", "DOUBLE"),
                ("temperature_trend_deviation_c", "DOUBLE"),
                ("source_name", "VARCHAR"),
            ),
            key=("subject_id", "_source", "local_date", "score_type"),
            keep="last",
            checks=(
                *_common_checks("local_date"),
                ("score_type IS NULL", "missing score_type"),
                ("score NOT BETWEEN 0 AND 100", "score outside 0–100"),
            ),
            description="One day's score of one kind (score_type readiness, sleep or activity) and its "
            "contributors (0–100 each; a kind fills only its own contributor columns). score is NULL on "
            "days the ring was not worn.",
        ),
        Entity(
            "activity_daily",
            (
                ("local_date", "DATE"),
                ("active_energy_kcal", "DOUBLE"),
                ("active_energy_goal_kcal", "DOUBLE"),
                ("move_time_min", "DOUBLE"),
                ("move_time_goal_min", "DOUBLE"),
                ("exercise_time_min", "DOUBLE"),
                ("exercise_time_goal_min", "DOUBLE"),
                ("stand_hours", "DOUBLE"),
                ("stand_hours_goal", "DOUBLE"),
                ("steps", "DOUBLE"),
                ("total_energy_kcal", "DOUBLE"),
                ("high_activity_min", "DOUBLE"),
                ("medium_activity_min", "DOUBLE"),
                ("low_activity_min", "DOUBLE"),
                ("sedentary_min", "DOUBLE"),
                ("distance_km", "DOUBLE"),
                ("source_name", "VARCHAR"),
            ),
            key=("subject_id", "_source", "local_date"),
            keep="last",
            checks=_common_checks("local_date"),
            description="One day of activity totals and goals (newer exports revise a day).",
        ),
        Entity(
            "nutrition_entries",
            (
                *INSTANT,
                ("meal", "VARCHAR"),
                ("food", "VARCHAR"),
                ("energy_kcal", "DOUBLE"),
                ("protein_g", "DOUBLE"),
                ("carbs_g", "DOUBLE"),
                ("fat_g", "DOUBLE"),
                ("saturated_fat_g", "DOUBLE"),
                ("fiber_g", "DOUBLE"),
                ("sugar_g", "DOUBLE"),
                ("sodium_mg", "DOUBLE"),
                ("cholesterol_mg", "DOUBLE"),
                ("caffeine_mg", "DOUBLE"),
                ("water_ml", "DOUBLE"),
                ("polyunsaturated_fat_g", "DOUBLE"),
                ("monounsaturated_fat_g", "DOUBLE"),
                ("trans_fat_g", "DOUBLE"),
                ("potassium_mg", "DOUBLE"),
                ("vitamin_a_pct_dv", "DOUBLE"),
                ("vitamin_c_pct_dv", "DOUBLE"),
                ("calcium_pct_dv", "DOUBLE"),
                ("iron_pct_dv", "DOUBLE"),
                ("time_known", "BOOLEAN"),
                ("entry_count", "INTEGER"),
                ("note", "VARCHAR"),
                ("source_name", "VARCHAR"),
            ),
            key=("subject_id", "_source", "source_name", "ts_utc", "meal", "food"),
            keep="last",
            checks=_common_checks("ts_utc"),
            description="One logged meal or food with its nutrients (a newer export's totals win). "
            "time_known is false when the export gives only a date (ts_utc is then local midnight); "
            "entry_count is how many food entries were summed into the row.",
        ),
        Entity(
            "subject_profile",
            (
                ("date_of_birth", "DATE"),
                ("biological_sex", "VARCHAR"),
                ("blood_type", "VARCHAR"),
                ("skin_type", "VARCHAR"),
                ("wheelchair_use", "VARCHAR"),
                ("cardio_fitness_medications_use", "VARCHAR"),
                ("as_of", "TIMESTAMPTZ"),
            ),
            key=("subject_id", "_source"),
            keep="last",
            partition=None,
            time_column="as_of",
            checks=(("subject_id IS NULL OR subject_id = ''", "missing subject_id"),),
            description="Characteristics a source states about the subject (Apple Health 'Me').",
        ),
    )
}


def entity(name: str) -> Entity:
    """The silver entity called ``name``."""
    return ENTITIES[name]
