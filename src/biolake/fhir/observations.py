"""Observation resources from lake rows, kind by kind (see ``codes``), streamed in time order.

Every source query returns ``eff_start`` (a FHIR dateTime: a local date, or a local time with its UTC
offset), ``eff_end`` (NULL for a point in time) and the value columns of its kind; rows come out ordered
by time, one per instant (duplicates of the same kind and time from several sources keep the first by
source name), so ids and order are stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import duckdb

from biolake.fhir.codes import KINDS, Kind, category, kind
from biolake.fhir.ids import identifier, resource_id

Granularity = Literal["daily", "raw"]
Style = Literal["relative", "urn"]
BATCH_ROWS = 5000
SLICE_DAYS = 92  # each query covers at most this many local days: memory does not grow with the window


@dataclass(frozen=True)
class Subject:
    """Whom the observations are about, and how references are written: ``relative`` (``Patient/<id>``,
    for NDJSON) or ``urn`` (``urn:uuid:<id>``, for bundles, whose entries carry urn:uuid fullUrls)."""

    subject_id: str
    patient_id: str
    style: Style = "relative"

    def ref(self, resource_type: str, rid: str) -> str:
        return f"{resource_type}/{rid}" if self.style == "relative" else f"urn:uuid:{rid}"


# --- SQL ---------------------------------------------------------------------------------------------


def fhir_time(utc: str, local: str) -> str:
    """SQL for a FHIR dateTime: the local wall time with its offset (``2026-03-01T07:12:05-05:00``), or
    the UTC time with ``Z`` when the local time is unknown or equal to UTC."""
    off = f"date_diff('minute', CAST({utc} AS TIMESTAMP), {local})"
    suffix = (
        f"CASE WHEN {off} = 0 THEN 'Z' ELSE printf('%s%02d:%02d', CASE WHEN {off} < 0 THEN '-' ELSE '+' END, "
        f"abs({off}) // 60, abs({off}) % 60) END"
    )
    return (
        f"CASE WHEN {local} IS NULL THEN strftime({utc}, '%Y-%m-%dT%H:%M:%SZ') "
        f"ELSE strftime({local}, '%Y-%m-%dT%H:%M:%S') || {suffix} END"
    )


WINDOW = "subject_id = $subject AND local_date BETWEEN $start AND $end"
START = fhir_time("start_utc", "start_local")
END = f"CASE WHEN end_utc > start_utc THEN {fhir_time('end_utc', 'end_local')} END"


def _samples(table: str, metric: str) -> str:
    return (
        f"SELECT {START} AS eff_start, {END} AS eff_end, value FROM {table} "
        f"WHERE {WINDOW} AND metric = '{metric}' AND value IS NOT NULL AND NOT isnan(value) "
        "QUALIFY row_number() OVER (PARTITION BY start_utc, end_utc ORDER BY _source, source_name, value) = 1"
        " "
        "ORDER BY start_utc, end_utc"
    )


def _daily(table: str, column: str, day: str = "date_day") -> str:
    return (
        f"SELECT strftime({day}, '%Y-%m-%d') AS eff_start, NULL AS eff_end, {column} AS value FROM {table} "
        f"WHERE subject_id = $subject AND {day} BETWEEN $start AND $end AND {column} IS NOT NULL "
        f"ORDER BY {day}"
    )


GLUCOSE_SQL = (
    f"SELECT {fhir_time('ts_utc', 'local_ts')} AS eff_start, NULL AS eff_end, "
    "glucose_mgdl AS value, censored "
    f"FROM glucose_readings WHERE {WINDOW} AND glucose_mgdl IS NOT NULL "
    "QUALIFY row_number() OVER (PARTITION BY ts_utc ORDER BY _source, device, reading_kind) = 1 "
    "ORDER BY ts_utc"
)

BLOOD_PRESSURE_SQL = f"""
WITH bp AS (
    SELECT start_utc, start_local, _source, source_name,
        max(value) FILTER (WHERE metric = 'bp_systolic_mmhg') AS systolic,
        max(value) FILTER (WHERE metric = 'bp_diastolic_mmhg') AS diastolic
    FROM measurements
    WHERE {WINDOW} AND metric IN ('bp_systolic_mmhg', 'bp_diastolic_mmhg')
    GROUP BY start_utc, start_local, _source, source_name
)
SELECT {fhir_time("start_utc", "start_local")} AS eff_start, NULL AS eff_end, systolic, diastolic FROM bp
QUALIFY row_number() OVER (PARTITION BY start_utc ORDER BY _source, source_name) = 1
ORDER BY start_utc
"""

WORKOUT_SQL = f"""
SELECT
    CASE WHEN date_only THEN strftime(local_date, '%Y-%m-%d') ELSE {START} END AS eff_start,
    CASE WHEN NOT date_only THEN {END} END AS eff_end,
    coalesce(activity_type, activity_type_raw, 'workout') AS activity,
    duration_s / 60 AS duration, energy_kcal AS energy, distance_km AS distance,
    avg_hr_bpm AS avg_hr, max_hr_bpm AS max_hr
FROM intermediate.int_workouts_deduped
WHERE {WINDOW}
QUALIFY row_number() OVER (PARTITION BY start_utc, end_utc, activity ORDER BY _source, source_name) = 1
ORDER BY start_utc, end_utc, activity
"""

SLEEP_SQL = (
    f"SELECT {START} AS eff_start, {END} AS eff_end, total_sleep_s / 3600 AS value "
    f"FROM intermediate.int_sleep_main_daily WHERE {WINDOW} AND total_sleep_s IS NOT NULL "
    "ORDER BY start_utc"
)

# kind -> SQL per granularity (a kind missing from one granularity is not exported at it)
SOURCES: dict[str, dict[Granularity, str]] = {
    "heart_rate": {"raw": _samples("measurements", "heart_rate")},
    "resting_heart_rate": {
        "raw": _samples("measurements", "resting_heart_rate"),
        "daily": _daily("gold.daily_summary", "resting_hr_bpm"),
    },
    "hrv_sdnn": {
        "raw": _samples("measurements", "hrv_sdnn_ms"),
        "daily": _daily("gold.daily_summary", "hrv_sdnn_ms"),
    },
    "steps_daily": {
        "raw": _daily("gold.daily_summary", "steps"),
        "daily": _daily("gold.daily_summary", "steps"),
    },
    "body_weight": {
        "raw": _samples("body_measurements", "weight_kg"),
        "daily": _daily("gold.body_daily", "weight_kg"),
    },
    "body_fat": {
        "raw": _samples("body_measurements", "body_fat_pct"),
        "daily": _daily("gold.body_daily", "body_fat_pct"),
    },
    "bmi": {"raw": _samples("body_measurements", "bmi"), "daily": _daily("gold.body_daily", "bmi")},
    "spo2": {"raw": _samples("measurements", "spo2_pct"), "daily": _daily("gold.daily_summary", "spo2_pct")},
    "respiratory_rate": {
        "raw": _samples("measurements", "respiratory_rate"),
        "daily": _daily("intermediate.int_vitals_daily", "respiratory_rate_rpm", day="local_date"),
    },
    "vo2_max": {
        "raw": _samples("measurements", "vo2max_ml_kg_min"),
        "daily": _daily("intermediate.int_vitals_daily", "vo2max_ml_kg_min", day="local_date"),
    },
    "temperature_deviation": {
        "raw": _samples("measurements", "temperature_deviation_c"),
        "daily": _daily("gold.daily_summary", "temperature_deviation_c"),
    },
    "sleep_duration": {"raw": SLEEP_SQL, "daily": SLEEP_SQL},
    "glucose": {"raw": GLUCOSE_SQL},
    "blood_pressure": {"raw": BLOOD_PRESSURE_SQL, "daily": BLOOD_PRESSURE_SQL},
    "workout": {"raw": WORKOUT_SQL, "daily": WORKOUT_SQL},
}

# What the export reads besides silver: a lake without them has not been built (`biolake build`).
BUILT_TABLES = (
    "gold.daily_summary",
    "gold.body_daily",
    "intermediate.int_vitals_daily",
    "intermediate.int_sleep_main_daily",
    "intermediate.int_workouts_deduped",
    "gold.glucose_daily",
)


# --- Builders ----------------------------------------------------------------------------------------


def number(value: float) -> float | int:
    """A value as written: 4 decimals at most, integral values without a fraction."""
    rounded = round(float(value), 4)
    return int(rounded) if rounded.is_integer() else rounded


@dataclass
class _Template:
    """The parts every Observation of one kind shares, built once."""

    kind: Kind
    code: dict[str, Any] = field(init=False)
    category: list[dict[str, Any]] | None = field(init=False)

    def __post_init__(self) -> None:
        self.code = {"coding": [c.as_fhir() for c in self.kind.codings], "text": self.kind.code.display}
        self.category = category(self.kind.category) if self.kind.category else None


_TEMPLATES = {key: _Template(k) for key, k in KINDS.items()}


def base_observation(
    key: str, subject: Subject, eff_start: str, eff_end: str | None, *discriminator: str
) -> dict[str, Any]:
    """An Observation of kind ``key`` without its value: id, identifier, status, category, code,
    subject and effective[x]. The id is UUIDv5 of the patient, code, effective time (and discriminator)."""
    t = _TEMPLATES[key]
    rid = resource_id(subject.patient_id, t.kind.code.code, eff_start, eff_end or "", *discriminator)
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "identifier": [identifier(rid)],
        "status": "final",
    }
    if t.category is not None:
        obs["category"] = t.category
    obs["code"] = t.code
    obs["subject"] = {"reference": subject.ref("Patient", subject.patient_id)}
    if eff_end is None:
        obs["effectiveDateTime"] = eff_start
    else:
        obs["effectivePeriod"] = {"start": eff_start, "end": eff_end}
    return obs


def _components(k: Kind, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": {"coding": [c.coding.as_fhir()], "text": c.coding.display},
            "valueQuantity": c.unit.quantity(number(values[c.key])),
        }
        for c in k.components
        if values.get(c.key) is not None
    ]


def build_quantity(key: str, row: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    """A single-valued Observation (``row['value']`` in the kind's unit)."""
    obs = base_observation(key, subject, row["eff_start"], row["eff_end"])
    unit = KINDS[key].unit
    assert unit is not None
    quantity = unit.quantity(number(row["value"]))
    censored = row.get("censored")
    if censored in ("low", "high"):  # a sensor's 'Low'/'High': the true value is beyond the limit
        quantity = {"value": quantity["value"], "comparator": "<" if censored == "low" else ">", **quantity}
    obs["valueQuantity"] = quantity
    return obs


def build_blood_pressure(key: str, row: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    """The blood-pressure panel (85354-9) with systolic and diastolic components."""
    obs = base_observation(key, subject, row["eff_start"], row["eff_end"])
    obs["component"] = _components(KINDS[key], row)
    return obs


def build_workout(key: str, row: Mapping[str, Any], subject: Subject) -> dict[str, Any]:
    """A workout: Exercise activity (73985-4) valued with the activity type, totals as components."""
    obs = base_observation(key, subject, row["eff_start"], row["eff_end"], row["activity"])
    obs["valueCodeableConcept"] = {"text": row["activity"]}
    components = _components(KINDS[key], row)
    if components:
        obs["component"] = components
    return obs


Builder = Callable[[str, Mapping[str, Any], Subject], dict[str, Any]]
BUILDERS: dict[str, Builder] = {"blood_pressure": build_blood_pressure, "workout": build_workout}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Rows of ``sql`` as dicts, fetched ``BATCH_ROWS`` at a time."""
    cur = con.execute(sql, params)
    columns = [d[0] for d in cur.description]
    while batch := cur.fetchmany(BATCH_ROWS):
        for values in batch:
            yield dict(zip(columns, values, strict=True))


def _slices(start: date, end: date) -> Iterator[tuple[date, date]]:
    """Consecutive ranges of at most SLICE_DAYS local days covering ``start``..``end``."""
    while start <= end:
        last = min(end, start + timedelta(days=SLICE_DAYS - 1))
        yield start, last
        start = last + timedelta(days=1)


def iter_observations(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    start: date,
    end: date,
    granularity: Granularity,
) -> Iterator[dict[str, Any]]:
    """Every Observation of ``subject`` between local dates ``start`` and ``end`` (inclusive), kind by kind
    in the order of the code table, each kind in time order within slices of SLICE_DAYS local days (one
    query each, so DuckDB never sorts more than a slice: memory stays flat however long the window)."""
    for key, by_granularity in SOURCES.items():
        sql = by_granularity.get(granularity)
        if sql is None:
            continue
        build = BUILDERS.get(key, build_quantity)
        for lo, hi in _slices(start, end):
            for row in _rows(con, sql, {"subject": subject.subject_id, "start": lo, "end": hi}):
                yield build(key, row, subject)


# --- CGM summary ---------------------------------------------------------------------------------------

# The catalogue metrics (biolake.glucose, iglu's names) that the CGM IG summary reports.
IG_METRICS = (
    "n_obs",
    "mean",
    "cv",
    "gmi",
    "in_range_70_180",
    "below_54",
    "below_70",
    "above_180",
    "above_250",
    "active_percent",
)


def cgm_summary_observations(
    summary: Mapping[str, float | None], subject: Subject, start: date, end: date
) -> list[dict[str, Any]]:
    """The HL7 CGM IG summary Observations for a period from a summary keyed by iglu's metric names:
    ``mean`` (mg/dL), ``gmi`` (%), ``cv`` (%), ``in_range_70_180``, ``below_54``, ``below_70``,
    ``above_180``, ``above_250`` (% of readings), ``active_percent`` and, optionally, ``days_of_wear``.

    Times in ranges follow the IG's five disjoint ranges (they sum to 100 %): very low < 54, low 54–69
    (below_70 − below_54), target 70–180, high 181–250 (above_180 − above_250), very high > 250. Metrics
    that are missing or None are left out; the grouping ``cgm-summary`` Observation lists the others in
    ``hasMember``. Source: HL7 Continuous Glucose Monitoring IG 1.0.0 (http://hl7.org/fhir/uv/cgm).
    """
    period = (start.isoformat(), end.isoformat())

    def make(key: str) -> dict[str, Any]:
        return base_observation(key, subject, *period)

    def value_of(name: str) -> float | None:
        v = summary.get(name)
        return None if v is None else float(v)

    members: list[dict[str, Any]] = []
    singles = (
        ("cgm_mean_glucose", "mean", 1),
        ("cgm_gmi", "gmi", 2),
        ("cgm_cv", "cv", 2),
        ("cgm_days_of_wear", "days_of_wear", 0),
        ("cgm_sensor_active", "active_percent", 2),
    )
    for key, name, digits in singles:
        v = value_of(name)
        if v is None:
            continue
        unit = kind(key).unit
        assert unit is not None
        obs = make(key)
        obs["valueQuantity"] = unit.quantity(number(round(v, digits)))
        members.append(obs)

    parts = [value_of(n) for n in ("below_54", "below_70", "in_range_70_180", "above_180", "above_250")]
    if all(p is not None for p in parts):
        b54, b70, tir, a180, a250 = (float(p) for p in parts if p is not None)
        ranges = {
            "very_low": b54,
            "low": b70 - b54,
            "target": tir,
            "high": a180 - a250,
            "very_high": a250,
        }
        obs = make("cgm_times_in_ranges")
        obs["component"] = _components(
            kind("cgm_times_in_ranges"), {k: round(v, 2) for k, v in ranges.items()}
        )
        members.insert(1, obs)

    if not members:
        return []
    group = make("cgm_summary")
    group["hasMember"] = [{"reference": subject.ref("Observation", m["id"])} for m in members]
    return [*members, group]


def period_glucose_summary(
    con: duckdb.DuckDBPyConnection, subject_id: str, start: date, end: date
) -> dict[str, float] | None:
    """The window's CGM summary in iglu's names, or None without CGM readings: the values
    :func:`biolake.glucose.summary.summarize` gives for the window (docs/glucose.md), computed by the same
    library functions (``location_spread``, ``ranges``, ``active_percent``) but only those the CGM IG
    reports: the whole catalogue (grids, MAGE) over years of readings would cost memory that grows with
    the window. Readings come through the export's connection (and its memory limit), a slice of
    SLICE_DAYS at a time, and are held as 25 bytes each (about 13 MB for five years of 5-minute data).
    ``days_of_wear``: the window's days in gold ``glucose_daily`` (local days with CGM readings)."""
    import numpy as np

    from biolake.glucose import metrics, variability
    from biolake.glucose.readings import Readings, from_connection

    # read slice by slice (DuckDB materializes one slice at a time) into one Readings: slices are
    # disjoint ranges of local dates in order, so the concatenation is sorted as one read would be
    parts = [from_connection(con, subject=subject_id, start=lo, end=hi) for lo, hi in _slices(start, end)]
    fields = ("group", "time_us", "glucose", "censored")
    readings = Readings([subject_id], *(np.concatenate([getattr(p, f) for p in parts]) for f in fields))
    del parts
    if not len(readings.glucose):
        return None
    values = {
        **metrics.location_spread(readings),
        **metrics.ranges(readings),
        **variability.active_percent(readings),
    }
    del readings
    row = con.execute(
        "SELECT count(*) FROM gold.glucose_daily WHERE subject_id = $s AND local_date BETWEEN $a AND $b",
        {"s": subject_id, "a": start, "b": end},
    ).fetchone()
    summary = {name: float(values[name][0]) for name in IG_METRICS}
    summary["days_of_wear"] = float(row[0]) if row else 0.0
    return summary


def kinds_exported(granularity: Granularity) -> Sequence[str]:
    """The kinds an export at ``granularity`` reads from the lake (the CGM summary comes on top)."""
    return [key for key, by in SOURCES.items() if granularity in by]
