"""Peloton workouts CSV (members page → Workouts → Download), imperial or metric account.

One row per workout: ``Workout Timestamp,Live/On-Demand,Instructor Name,Length (minutes),Fitness
Discipline,Type,Title,Class Timestamp,Total Output,Avg. Watts,Avg. Resistance,Avg. Cadence (RPM),Avg. Speed
(mph),Distance (mi),Calories Burned,Avg. Heartrate,Avg. Incline,Avg. Pace (min/mi)`` (metric: ``kph``,
``km``, ``min/km``). Values may be ``None``, blank (non-cycling rows have no output columns) or carry a
``%`` (resistance).

Times: ``2020-04-07 16:39 (PST)`` or ``2021-05-29 09:27 (-04)``. Peloton renders every timestamp of an
export with one label, the one current in the account's zone when the export is made (winter rows of a
summer export say ``PDT``); the wall time is rendered with that label's offset, so wall time minus the
label's offset is the instant. A label is read as:

* a numeric offset (``-04``, ``+0530``, ``+05:30``) as written;
* an abbreviation the configured zone (``--tz``) uses that year (its January or July name), with that
  zone's offset — so ``IST`` is Irish time under ``Europe/Dublin`` and ``CST`` China's under
  ``Asia/Shanghai``;
* else :data:`ABBREVIATIONS`, where ambiguous names take their most common meaning: ``CST`` US Central
  (-06:00), ``IST`` India (+05:30), ``BST`` British Summer (+01:00), ``AST`` Atlantic (-04:00);
* anything else is an error naming the line.

The local wall time is the instant in the configured zone when the label's offset is one that zone
uses that year (the account's zone is the configured one, so a stale label does not shift local times),
else the wall time as written. Bronze keeps the row as written plus what the parser resolved with the
configured zone: ``utc_offset_min`` and ``offset_in_zone`` ('1' / '0').

Silver ``workouts``: end = start + Length (minutes), the class's nominal length. ``Length`` ``None``
(free rides, Just Run, some scenic rides) → duration_s NULL and end = start. A negative length or metric
(incline excepted: treads decline) sends the row to quarantine with the reason; a non-numeric value is
an error naming the line. Miles → km × 1.609344 (distance and speed). activity_type uses Apple
Health's words (:data:`ACTIVITY`), else the discipline in snake_case; class_mode is Live/On-Demand in
snake_case (live, on_demand, encore); indoor is true for bike, tread, row and bootcamp classes (false
for a running or walking class whose type or title says outdoor), NULL for floor classes. Class
Timestamp and Avg. Pace are kept in metadata_json.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import IO, ClassVar
from zoneinfo import ZoneInfo

from biolake.sources._csv import BronzeBatch, Column, cell, csv_rows, fail, map_header, nz
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping, text_lines

COLUMNS: tuple[Column, ...] = (
    ("workout_timestamp", r"workout timestamp", "Workout Timestamp"),
    ("live_on_demand", r"live/on-demand", "Live/On-Demand"),
    ("instructor", r"instructor name", "Instructor Name"),
    ("length_min", r"length \(minutes\)", "Length (minutes)"),
    ("discipline", r"fitness discipline", "Fitness Discipline"),
    ("class_type", r"type", "Type"),
    ("title", r"title", "Title"),
    ("class_timestamp", r"class timestamp", "Class Timestamp"),
    ("total_output", r"total output", "Total Output"),
    ("avg_watts", r"avg\. watts", "Avg. Watts"),
    ("avg_resistance", r"avg\. resistance", "Avg. Resistance"),
    ("avg_cadence", r"avg\. cadence \(rpm\)", "Avg. Cadence (RPM)"),
    ("avg_speed", r"avg\. speed \((?:mph|kph)\)", "Avg. Speed (mph)"),
    ("distance", r"distance \((?:mi|miles|km)\)", "Distance (mi)"),
    ("calories", r"calories burned", "Calories Burned"),
    ("avg_hr", r"avg\. heartrate", "Avg. Heartrate"),
    ("avg_incline", r"avg\. incline", "Avg. Incline"),
    ("avg_pace", r"avg\. pace \(.*\)", "Avg. Pace (min/mi)"),
)
LABELS = {name: label for name, _, label in COLUMNS}
REQUIRED = ("workout_timestamp", "length_min", "discipline")
NUMERIC = (
    "length_min",
    "total_output",
    "avg_watts",
    "avg_resistance",
    "avg_cadence",
    "avg_speed",
    "distance",
    "calories",
    "avg_hr",
    "avg_incline",
)
MI_KM = 1.609344
IMPERIAL = ("mi", "miles", "mph", "min/mi", "min/mile")
# Plain decimals, optionally with thousands separators ("1,234") or a percent sign ("41%").
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)%?", re.ASCII)
_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2})?)\s*\(\s*([^()]*?)\s*\)", re.ASCII)
_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", re.ASCII)

# Abbreviation → minutes east of UTC, for labels the configured zone does not use.
# fmt: off
ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120, "EET": 120,
    "EEST": 180, "MSK": 180, "WAT": 60, "CAT": 120, "SAST": 120, "EAT": 180, "IST": 330, "PKT": 300,
    "WIB": 420, "HKT": 480, "SGT": 480, "AWST": 480, "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630,
    "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780, "NST": -210, "NDT": -150, "AST": -240,
    "ADT": -180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "HDT": -540,
}
# fmt: on

# Peloton discipline (lower case) → Apple Health's activity_type where they overlap.
ACTIVITY = {
    "cycling": "cycling",
    "running": "running",
    "walking": "walking",
    "strength": "strength_training",
    "yoga": "yoga",
    "meditation": "mind_and_body",
    "stretching": "flexibility",
    "cardio": "cardio",
    "rowing": "rowing",
    "bike bootcamp": "bootcamp",
    "tread bootcamp": "bootcamp",
    "row bootcamp": "bootcamp",
    "bootcamp": "bootcamp",
    "pilates": "pilates",
    "barre": "barre",
    "outdoor": "running",
}
INDOOR = ("cycling", "rowing", "bootcamp")


class _Zones:
    """Resolves timestamp labels to UTC offsets (minutes), remembering whether the configured zone uses
    the offset in that year."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.zone = ZoneInfo(ctx.timezone)
        self._years: dict[int, dict[str, int]] = {}

    def _zone_names(self, year: int) -> dict[str, int]:
        if year not in self._years:
            names: dict[str, int] = {}
            for month in (1, 7):
                moment = datetime(year, month, 1, 12, tzinfo=self.zone)
                offset = moment.utcoffset() or timedelta()
                names[moment.tzname() or ""] = int(offset.total_seconds() // 60)
            self._years[year] = names
        return self._years[year]

    def resolve(self, label: str, year: int, line: int) -> tuple[int, bool]:
        """(offset in minutes east of UTC, whether the configured zone uses it that year)."""
        names = self._zone_names(year)
        numeric = _OFFSET.fullmatch(label)
        if numeric:
            sign, hours, minutes = numeric.groups()
            offset = (1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes or 0))
        elif label in names:
            offset = names[label]
        elif label.upper() in ABBREVIATIONS:
            offset = ABBREVIATIONS[label.upper()]
        else:
            raise fail(
                self.ctx,
                f"unknown time-zone abbreviation '{label}' in the workout timestamp on line {line} "
                f"(set --tz to the zone of the Peloton account if it uses this name)",
            )
        if abs(offset) > 14 * 60:
            raise fail(self.ctx, f"time-zone offset '{label}' on line {line} is out of range")
        return offset, offset in names.values()


def _value(column: str) -> str:
    """SQL: a Peloton number (``None``, blank, ``41%``) as DOUBLE."""
    return f"CAST(nullif(regexp_replace(lower({nz(column)}), '[%,]', '', 'g'), 'none') AS DOUBLE)"


def _snake(expr: str) -> str:
    return f"trim(regexp_replace(lower(trim({expr})), '[^a-z0-9]+', '_', 'g'), '_')"


_ACTIVITY = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ACTIVITY.items())
_MILES = f"CASE WHEN {{unit}} = 'mi' THEN {MI_KM} ELSE 1 END"
_CHECKED = [c for c in NUMERIC if c != "avg_incline"]
_NEGATIVE = " ".join(f"WHEN {_value(c)} < 0 THEN 'negative {LABELS[c]}'" for c in _CHECKED)
_OUTDOOR = "lower(coalesce(class_type, '') || ' ' || coalesce(title, '')) LIKE '%outdoor%'"

WORKOUTS_SQL = f"""
    WITH w AS (
        SELECT *,
            CAST(regexp_extract(trim(workout_timestamp), '^(\\S+ [0-9:]+)', 1) AS TIMESTAMP)
                - to_minutes(CAST(utc_offset_min AS INTEGER)) AS _utc_wall,
            CAST(regexp_extract(trim(workout_timestamp), '^(\\S+ [0-9:]+)', 1) AS TIMESTAMP) AS _wall,
            to_microseconds(CAST(greatest(coalesce({_value("length_min")}, 0), 0) * 60e6 AS BIGINT)) AS _len,
            CASE lower(trim(discipline)) {_ACTIVITY} ELSE {_snake("discipline")} END AS activity_type
        FROM {{bronze}}
    ),
    t AS (
        SELECT *, timezone('UTC', _utc_wall) AS start_utc,
            CASE WHEN offset_in_zone = '1'
                THEN CAST(timezone(getvariable('tz'), timezone('UTC', _utc_wall)) AS TIMESTAMP)
                ELSE _wall END AS start_local
        FROM w
    )
    SELECT getvariable('subject') AS subject_id,
        start_utc, start_utc + _len AS end_utc, start_local, start_local + _len AS end_local,
        CAST(start_local AS DATE) AS local_date,
        activity_type, {nz("discipline")} AS activity_type_raw,
        {_value("length_min")} * 60 AS duration_s,
        {_value("distance")} * {_MILES.format(unit="distance_unit")} AS distance_km,
        {_value("calories")} AS energy_kcal, {_value("avg_hr")} AS avg_hr_bpm,
        CASE WHEN activity_type IN {INDOOR} THEN true
             WHEN activity_type IN ('running', 'walking') THEN NOT ({_OUTDOOR}) END AS indoor,
        {_value("total_output")} AS output_kj, {_value("avg_watts")} AS avg_power_w,
        {_value("avg_cadence")} AS avg_cadence_rpm, {_value("avg_resistance")} AS avg_resistance_pct,
        {_value("avg_speed")} * {_MILES.format(unit="speed_unit")} AS avg_speed_kph,
        {_value("avg_incline")} AS avg_incline_pct,
        {nz("title")} AS title, {nz("instructor")} AS instructor, {nz("class_type")} AS class_type,
        nullif({_snake("live_on_demand")}, '') AS class_mode, 'Peloton' AS source_name,
        json_object('class_timestamp', {nz("class_timestamp")}, 'avg_pace', {nz("avg_pace")},
                    'avg_pace_unit', {nz("pace_unit")}) AS metadata_json,
        CASE WHEN {nz("discipline")} IS NULL THEN 'missing Fitness Discipline' {_NEGATIVE} END AS _problem
    FROM t
"""


def _imperial(header: list[str], pos: int | None) -> bool:
    """Whether the column at ``pos`` is in miles (``(mi)``, ``(miles)``, ``(mph)``, ``(min/mi)``)."""
    unit = cell(header, pos).lower().partition("(")[2].rstrip(")").strip()
    return unit in IMPERIAL


class Peloton:
    """Peloton workouts CSV."""

    name: ClassVar[str] = "peloton"
    description: ClassVar[str] = "Peloton workouts CSV from the members page (imperial or metric)"
    silver: ClassVar[tuple[SilverMapping, ...]] = (SilverMapping("workouts", "workouts", WORKOUTS_SQL),)

    def sniff(self, head: bytes, name: str) -> bool:
        first = next((line.lower() for line in text_lines(head, 5) if line.strip()), "")
        return "workout timestamp" in first and "fitness discipline" in first

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        rows = csv_rows(stream, ctx, sink)
        header = next((row for _, row in rows), None)
        if header is None:
            raise fail(ctx, "file is empty")
        if len(header) == 1 and ";" in header[0]:
            raise fail(ctx, "fields are separated by ';', not commas: not a Peloton workouts CSV as exported")
        pos = map_header(header, COLUMNS, REQUIRED, ctx)
        width = len(header)
        derived = {"utc_offset_min": width, "offset_in_zone": width + 1}
        constants = {
            "distance_unit": "mi" if _imperial(header, pos["distance"]) else "km",
            "speed_unit": "mi" if _imperial(header, pos["avg_speed"]) else "km",
            "pace_unit": "min/mi"
            if _imperial(header, pos["avg_pace"])
            else "min/km"
            if pos["avg_pace"] is not None
            else "",
        }
        batch = BronzeBatch(sink, "workouts", {**pos, **derived}, constants)
        zones = _Zones(ctx)
        for line, row in rows:
            offset, in_zone = self._check(row, line, pos, zones, ctx)
            padded = [*row[:width], *[""] * (width - len(row))]
            batch.add(line, [*padded, str(offset), "1" if in_zone else "0"])
        batch.flush()

    @staticmethod
    def _check(
        row: list[str], line: int, pos: dict[str, int | None], zones: _Zones, ctx: ParseContext
    ) -> tuple[int, bool]:
        """Validate one row; its UTC offset and whether the configured zone uses it."""
        stamp = cell(row, pos["workout_timestamp"])
        match = _STAMP.fullmatch(stamp)
        try:
            wall = datetime.fromisoformat(f"{match[1]}T{match[2]}") if match else None
        except ValueError:
            wall = None
        if match is None or wall is None:
            raise fail(ctx, f"workout timestamp '{stamp}' on line {line} is not 'YYYY-MM-DD HH:MM (zone)'")
        for column in NUMERIC:
            text = cell(row, pos[column])
            if text and text.lower() != "none" and not _NUMBER.fullmatch(text):
                raise fail(ctx, f"{LABELS[column]} '{text}' on line {line} is not a number")
        return zones.resolve(match[3], wall.year, line)


SOURCE = Peloton()
