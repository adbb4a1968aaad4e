"""Dexcom Clarity CSV export: G6 12-column (UTF-8 BOM) and G7 14-column (every field quoted, ragged rows),
in mg/dL or mmol/L.

The header is followed by untimed preamble rows (FirstName, LastName, DateOfBirth, Device, Alert settings)
and timed rows: ``EGV`` readings and Insulin, Carbs, Exercise, Health and Calibration events. Timestamps
are local wall time without offset; they are localized with :mod:`biolake.sources.localtime`.

Silver:

* ``EGV`` → ``glucose_readings`` (reading_kind 'cgm'). ``High`` / ``Low`` are censored readings, kept at
  the sensor limits 400 / 40 mg/dL with censored 'high' / 'low', also in mmol/L files (22.2 / 2.2 mmol/L
  are the same limits).
* mmol/L → mg/dL is × 18 exactly: sensors measure mg/dL and the app displays mmol/L = mg/dL / 18, so × 18
  recovers the device value (iglu uses 18 too; the molar factor 18.016 would not round-trip).
* Every other timed row → ``cgm_events``: Calibration (meter value in mg/dL), Insulin (Fast-Acting /
  Long-Acting → insulin_rapid / insulin_long, unit 'U'), Carbs ('g'), Exercise (subtype light/medium/heavy,
  duration_s), Health, and unknown types under their lower-cased name.
* Alert rows are alert *settings* (thresholds, no timestamp), not events: they stay in bronze only.
* device = Source Device ID, else Transmitter ID, else Device Info; source_name = Device Info of the
  ``Device`` preamble row of that source device (or of the only Device row), e.g. 'Dexcom G6 Mobile App'.
"""

from __future__ import annotations

import re
from typing import IO, ClassVar

from biolake.sources._csv import (
    BronzeBatch,
    Column,
    cell,
    check_glucose,
    csv_rows,
    fail,
    glucose,
    head_rows,
    is_number,
    iso_local_sql,
    iso_time,
    map_header,
    mgdl,
    num,
    nz,
    silver_sql,
    unit_of,
)
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping

TIMESTAMP_HEADER = "timestamp (yyyy-mm-ddthh:mm:ss)"
COLUMNS: tuple[Column, ...] = (
    ("index", r"index", "Index"),
    ("timestamp", re.escape(TIMESTAMP_HEADER), "Timestamp (YYYY-MM-DDThh:mm:ss)"),
    ("event_type", r"event type", "Event Type"),
    ("event_subtype", r"event subtype", "Event Subtype"),
    ("patient_info", r"patient info", "Patient Info"),
    ("device_info", r"device info", "Device Info"),
    ("source_device_id", r"source device id", "Source Device ID"),
    ("glucose_value", r"glucose value \((?:mg/dl|mmol/l)\)", "Glucose Value (mg/dL)"),
    ("insulin_value", r"insulin value \(u\)", "Insulin Value (u)"),
    ("carb_value", r"carb value \(grams\)", "Carb Value (grams)"),
    ("duration", r"duration \(hh:mm:ss\)", "Duration (hh:mm:ss)"),
    ("glucose_rate_of_change", r"glucose rate of change \(.*\)", "Glucose Rate of Change"),
    ("transmitter_time", r"transmitter time \(long integer\)", "Transmitter Time (Long Integer)"),
    ("transmitter_id", r"transmitter id", "Transmitter ID"),
)
REQUIRED = ("timestamp", "event_type", "glucose_value")
TIMED = {"egv", "calibration", "insulin", "carbs", "exercise", "health"}
DURATION = re.compile(r"\d+:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?", re.ASCII)
HIGH_MGDL = 400


def _from(where: str) -> str:
    """SQL: bronze rows matching ``where`` with their device and source name."""
    return f"""
        WITH _dev AS (
            SELECT {nz("source_device_id")} AS sdi, {nz("device_info")} AS info
            FROM {{bronze}} WHERE lower(trim(event_type)) = 'device'
        ),
        _names AS (SELECT sdi, any_value(info) AS info FROM _dev GROUP BY sdi),
        _only AS (SELECT CASE WHEN count(*) = 1 THEN any_value(info) END AS info FROM _dev)
        SELECT b.*, lower(trim(b.event_type)) AS kind,
            coalesce({nz("b.source_device_id")}, {nz("b.transmitter_id")}, {nz("b.device_info")}) AS device,
            coalesce(n.info, (SELECT info FROM _only)) AS source_name
        FROM {{bronze}} b LEFT JOIN _names n ON n.sdi = {nz("b.source_device_id")}
        WHERE {where}"""


_TIMED_EVENT = nz('b."timestamp"') + " IS NOT NULL AND lower(trim(b.event_type)) <> 'egv'"
_GLUCOSE, _CENSORED = glucose("glucose_value", "glucose_unit", HIGH_MGDL)
_SECONDS = " + ".join(
    f"coalesce(TRY_CAST(split_part(trim(duration), ':', {i + 1}) AS DOUBLE), 0) * {60 ** (2 - i)}"
    for i in range(3)
)

READINGS_SQL = silver_sql(f"""
    SELECT getvariable('subject') AS subject_id, row_idx, {iso_local_sql('"timestamp"')} AS local_ts,
        {_GLUCOSE} AS glucose_mgdl, {_CENSORED} AS censored, 'cgm' AS reading_kind, device, source_name
    FROM ({_from("lower(trim(b.event_type)) = 'egv'")})""")

EVENTS_SQL = silver_sql(f"""
    SELECT getvariable('subject') AS subject_id, row_idx, {iso_local_sql('"timestamp"')} AS local_ts,
        CASE WHEN kind = 'insulin' AND lower(trim(event_subtype)) = 'fast-acting' THEN 'insulin_rapid'
             WHEN kind = 'insulin' AND lower(trim(event_subtype)) = 'long-acting' THEN 'insulin_long'
             ELSE regexp_replace(kind, '[^a-z0-9]+', '_', 'g') END AS event_type,
        {nz("event_subtype")} AS event_subtype,
        CASE kind WHEN 'insulin' THEN {num("insulin_value")} WHEN 'carbs' THEN {num("carb_value")}
                  WHEN 'calibration' THEN {mgdl("glucose_value", "glucose_unit")} END AS value,
        CASE WHEN kind = 'insulin' AND {nz("insulin_value")} IS NOT NULL THEN 'U'
             WHEN kind = 'carbs' AND {nz("carb_value")} IS NOT NULL THEN 'g'
             WHEN kind = 'calibration' THEN 'mg/dL' END AS unit,
        CASE WHEN {nz("duration")} IS NOT NULL THEN {_SECONDS} END AS duration_s,
        device, source_name
    FROM ({_from(_TIMED_EVENT)})""")


class Dexcom:
    """Dexcom Clarity CSV export."""

    name: ClassVar[str] = "dexcom"
    description: ClassVar[str] = "Dexcom Clarity CSV export (G6/G7, mg/dL or mmol/L)"
    silver: ClassVar[tuple[SilverMapping, ...]] = (
        SilverMapping("records", "glucose_readings", READINGS_SQL),
        SilverMapping("records", "cgm_events", EVENTS_SQL),
    )

    def sniff(self, head: bytes, name: str) -> bool:
        return any(TIMESTAMP_HEADER in row and "event type" in row for row in head_rows(head, 5))

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        rows = csv_rows(stream, ctx, sink)
        header = next((row for _, row in rows), None)
        if header is None:
            raise fail(ctx, "file is empty")
        pos = map_header(header, COLUMNS, REQUIRED, ctx)
        glucose_label = header[pos["glucose_value"] or 0].strip()
        unit = unit_of(glucose_label)
        if unit is None:
            raise fail(ctx, f"cannot tell the glucose unit from column '{glucose_label}'")
        batch = BronzeBatch(sink, "records", pos, {"glucose_unit": unit})
        timed = 0
        for line, row in rows:
            timed += self._check(row, line, pos, ctx)
            batch.add(line, row)
        batch.flush()
        if not timed:
            raise fail(ctx, "no readings found")

    @staticmethod
    def _check(row: list[str], line: int, pos: dict[str, int | None], ctx: ParseContext) -> int:
        """Validate one row; 1 if it is a timed row (reading or event), else 0."""
        kind = cell(row, pos["event_type"])
        stamp = cell(row, pos["timestamp"])
        if not stamp:
            if kind.lower() in TIMED:
                raise fail(ctx, f"{kind} row on line {line} has no timestamp")
            return 0
        time = iso_time(stamp)
        if time is None or time[1]:
            raise fail(ctx, f"timestamp '{stamp}' on line {line} is not YYYY-MM-DDThh:mm:ss")
        value = cell(row, pos["glucose_value"])
        if kind.lower() == "egv":
            check_glucose(ctx, value, line, ("High", "Low"))
        if kind.lower() == "calibration" and not is_number(value):
            raise fail(ctx, f"calibration value '{value}' on line {line} is not a number")
        for column, label in (("insulin_value", "insulin value"), ("carb_value", "carb value")):
            text = cell(row, pos[column])
            if text and not is_number(text):
                raise fail(ctx, f"{label} '{text}' on line {line} is not a number")
        duration = cell(row, pos["duration"])
        if duration and not DURATION.fullmatch(duration):
            raise fail(ctx, f"duration '{duration}' on line {line} is not hh:mm:ss")
        return 1


SOURCE = Dexcom()
