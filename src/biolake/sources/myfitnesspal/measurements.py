"""``Measurement-Summary-….csv``: ``Date,Weight`` or one column per measurement (``Date,Fitbit body fat
%,Fitbit steps,Fitbit tracked sleep minutes,Hips,Neck,Waist,Weight``).

Bronze ``measurements`` is long: (date, measurement as named in the header, value as written), one row
per filled cell, so any set of (user-defined) measurements fits. The file states no units: the
configured unit system (``units``: metric → kg and cm, imperial → lb and inches) says how to read
Weight, Waist, Hips and Neck. Silver: weight_kg, body_fat_pct, waist_cm, hips_cm, neck_cm →
``body_measurements`` at local midnight of Date (start = end); Fitbit steps → ``measurements`` steps
over the local day. Fitbit tracked sleep minutes (a total with no times, for a night the file does not
name) and custom measurements of unknown unit stay in bronze only. Fitbit columns have device 'Fitbit'.
A negative value sends the row to quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator

from biolake.sources._csv import BronzeBatch, cell, fail
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping
from biolake.sources.myfitnesspal.common import (
    INCH_CM,
    LB_KG,
    SOURCE_NAME,
    check_date,
    check_number,
    day,
    interval_sql,
    number,
)

ENTITY = "measurements"
# lower-cased header → (metric, unit, factor from imperial units or None)
BODY: dict[str, tuple[str, str, str | None]] = {
    "weight": ("weight_kg", "kg", LB_KG),
    "body fat %": ("body_fat_pct", "%", None),
    "body fat": ("body_fat_pct", "%", None),
    "fitbit body fat %": ("body_fat_pct", "%", None),
    "waist": ("waist_cm", "cm", INCH_CM),
    "hips": ("hips_cm", "cm", INCH_CM),
    "neck": ("neck_cm", "cm", INCH_CM),
}
DAILY = {"fitbit steps": ("steps", "count"), "steps": ("steps", "count")}


def matches(cells: list[str]) -> bool:
    """Whether a lower-cased header row is a measurement summary's."""
    return bool(cells) and cells[0] == "date" and any(c in BODY or c in DAILY for c in cells[1:])


def read(
    header: list[str], rows: Iterator[tuple[int, list[str]]], ctx: ParseContext, sink: BronzeSink
) -> None:
    """Write one bronze row per filled measurement cell, checking dates and numbers."""
    names = [name.strip() for name in header]
    if names[0].lower() != "date":
        raise fail(ctx, "the first column is not 'Date'")
    batch = BronzeBatch(sink, ENTITY, {"date": 0, "measurement": 1, "value": 2})
    for line, row in rows:
        date = cell(row, 0)
        check_date(ctx, date, line)
        for i, name in enumerate(names[1:], 1):
            value = cell(row, i)
            check_number(ctx, value, line, name)
            if value:
                batch.add(line, [date, name, value])
    batch.flush()


def _values(table: dict[str, tuple[str, str, str | None]]) -> str:
    rows = ", ".join(f"('{k}', '{m}', '{u}', {f or 'NULL'})" for k, (m, u, f) in table.items())
    return f"(VALUES {rows}) AS k(_name, metric, unit, _factor)"


def _sql(table: dict[str, tuple[str, str, str | None]], days: int) -> str:
    imperial = "getvariable('units') = 'imperial' AND _factor IS NOT NULL"
    value = f"CASE WHEN {imperial} THEN {number('value', '_factor')} ELSE {number('value')} END"
    return interval_sql(f"""
        SELECT getvariable('subject') AS subject_id, row_idx,
            {day("date")} AS start_local, {day("date")} + INTERVAL {days} DAY AS end_local,
            metric, {value} AS value, unit, '{SOURCE_NAME}' AS source_name,
            CASE WHEN lower(trim(measurement)) LIKE 'fitbit %' THEN 'Fitbit' END AS device,
            CASE WHEN {number("value")} < 0 THEN 'negative ' || trim(measurement) END AS _problem
        FROM {{bronze}} JOIN {_values(table)} ON k._name = lower(trim(measurement))""")


MAPPINGS = (
    SilverMapping(ENTITY, "body_measurements", _sql(BODY, 0)),
    SilverMapping(ENTITY, "measurements", _sql({k: (m, u, None) for k, (m, u) in DAILY.items()}, 1)),
)
