"""Oura record kinds: their bronze columns, how a record's fields tell its kind, and endpoint names.

The API v2 and the membership-site CSV export use the same field names, so both formats fill the same
bronze tables (one per kind, every value as text: JSON scalars as written, nested objects as JSON text).
Fields biolake does not know go to ``extra_json``, so bronze loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from biolake.sources._csv import BronzeBatch
from biolake.sources.base import BronzeSink

_DAILY = ("id", "day", "score", "timestamp", "contributors")
KINDS: dict[str, tuple[str, ...]] = {
    "daily_readiness": (*_DAILY, "temperature_deviation", "temperature_trend_deviation"),
    "daily_sleep": _DAILY,
    "daily_activity": (
        *_DAILY,
        "active_calories",
        "total_calories",
        "target_calories",
        "steps",
        "equivalent_walking_distance",
        "target_meters",
        "meters_to_target",
        "high_activity_time",
        "medium_activity_time",
        "low_activity_time",
        "sedentary_time",
        "resting_time",
        "non_wear_time",
        "high_activity_met_minutes",
        "medium_activity_met_minutes",
        "low_activity_met_minutes",
        "sedentary_met_minutes",
        "average_met_minutes",
        "inactivity_alerts",
        "class_5_min",
        "met",
    ),
    "sleep": (
        "id",
        "day",
        "type",
        "period",
        "bedtime_start",
        "bedtime_end",
        "time_in_bed",
        "total_sleep_duration",
        "awake_time",
        "light_sleep_duration",
        "deep_sleep_duration",
        "rem_sleep_duration",
        "efficiency",
        "latency",
        "average_heart_rate",
        "lowest_heart_rate",
        "average_hrv",
        "average_breath",
        "restless_periods",
        "low_battery_alert",
        "readiness",
        "readiness_score_delta",
        "sleep_score_delta",
        "sleep_phase_5_min",
        "app_sleep_phase_5_min",
        "sleep_phase_30_sec",
        "movement_30_sec",
        "heart_rate",
        "hrv",
        "sleep_algorithm_version",
        "sleep_analysis_reason",
        "ring_id",
    ),
    "daily_spo2": ("id", "day", "spo2_percentage", "breathing_disturbance_index"),
    "workout": (
        "id",
        "day",
        "activity",
        "calories",
        "distance",
        "start_datetime",
        "end_datetime",
        "intensity",
        "label",
        "source",
    ),
    "heartrate": ("bpm", "source", "timestamp"),
}
# Columns holding nested objects (JSON text in the membership CSV export).
JSON_COLUMNS = frozenset({"contributors", "met", "readiness", "heart_rate", "hrv", "spo2_percentage"})

# Endpoint names (API paths and membership-export file stems, without '_') → kind.
ENDPOINTS = {
    "dailyreadiness": "daily_readiness",
    "dailysleep": "daily_sleep",
    "dailyactivity": "daily_activity",
    "sleep": "sleep",
    "sleepmodel": "sleep",
    "dailyspo2": "daily_spo2",
    "workout": "workout",
    "workouts": "workout",
    "heartrate": "heartrate",
}

_CONTRIBUTOR_HINTS = (
    ("hrv_balance", "daily_readiness"),
    ("recovery_index", "daily_readiness"),
    ("deep_sleep", "daily_sleep"),
    ("total_sleep", "daily_sleep"),
    ("stay_active", "daily_activity"),
    ("training_volume", "daily_activity"),
)


def endpoint_kind(key: str) -> str | None:
    """The kind an endpoint-keyed JSON object's key names ('daily_sleep', 'sleepmodel', …), if known."""
    return ENDPOINTS.get(key.lower().replace("_", "").replace("-", "").removesuffix(".csv"))


def kind_of(fields: Mapping[str, object]) -> str | None:
    """The kind of a record (or of a CSV header with its first row) from its field names; None if it is
    not a kind biolake reads (tags, sessions, daily_stress, …)."""
    keys = set(fields)
    if {"bpm", "timestamp"} <= keys:
        return "heartrate"
    if "spo2_percentage" in keys or "breathing_disturbance_index" in keys:
        return "daily_spo2"
    if {"activity", "start_datetime"} <= keys:
        return "workout"
    if "bedtime_start" in keys:
        return "sleep"
    if "contributors" not in keys:
        return None
    if {"steps", "active_calories"} & keys:
        return "daily_activity"
    if "temperature_deviation" in keys:
        return "daily_readiness"
    contributors = _as_object(fields.get("contributors"))
    for hint, kind in _CONTRIBUTOR_HINTS:
        if hint in contributors:
            return kind
    return "daily_sleep" if keys <= {*_DAILY, "extra_json"} and "score" in keys else None


def _as_object(value: object) -> Mapping[str, object]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def text(value: object) -> str | None:
    """A JSON value as bronze text: strings as they are, anything else as compact JSON; null → None."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class KindBatches:
    """One :class:`BronzeBatch` per kind; unknown fields of a record are kept in ``extra_json``."""

    def __init__(self, sink: BronzeSink) -> None:
        self.sink = sink
        self.batches: dict[str, BronzeBatch] = {}
        self.counts: dict[str, int] = {}

    def add(self, kind: str, index: int, fields: Mapping[str, str | None]) -> None:
        columns = KINDS[kind]
        batch = self.batches.get(kind)
        if batch is None:
            positions: dict[str, int | None] = {name: i for i, name in enumerate((*columns, "extra_json"))}
            batch = self.batches[kind] = BronzeBatch(self.sink, kind, positions)
        extra = {k: v for k, v in fields.items() if k not in columns}
        row = [fields.get(name) for name in columns]
        row.append(json.dumps(extra, ensure_ascii=False) if extra else None)
        batch.add(index, row)
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def flush(self) -> None:
        for batch in self.batches.values():
            batch.flush()
