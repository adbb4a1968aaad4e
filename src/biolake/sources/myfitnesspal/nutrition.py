"""``Nutrition-Summary-….csv``: one row per (Date, Meal), or, in older exports with a ``Time`` column,
one row per food entry (``10:15 AM``, often blank).

Rows are summed per (Date, Meal) — never de-duplicated: two identical rows in a meal are two foods.
entry_count is the number of rows summed; ts is the meal's earliest Time (time_known true) or local
midnight of Date (time_known false), read in the configured zone. Meal names are lower-cased (users can
rename meals, so any name is kept). Vitamin A, Vitamin C, Calcium and Iron are % of daily value. Notes
of the summed rows are joined with '; ' (each distinct note once, in file order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from biolake.sources._csv import BronzeBatch, Column, cell, fail, map_header, nz, silver_sql
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping
from biolake.sources.myfitnesspal.common import SOURCE_NAME, check_date, check_number, decimal

ENTITY = "nutrition"
# (bronze column, header pattern, label, silver column or None)
NUTRIENTS: tuple[tuple[str, str, str, str], ...] = (
    ("calories", r"calories", "Calories", "energy_kcal"),
    ("fat", r"fat(?: \(g\))?", "Fat (g)", "fat_g"),
    ("saturated_fat", r"saturated fat.*", "Saturated Fat", "saturated_fat_g"),
    ("polyunsaturated_fat", r"polyunsaturated fat.*", "Polyunsaturated Fat", "polyunsaturated_fat_g"),
    ("monounsaturated_fat", r"monounsaturated fat.*", "Monounsaturated Fat", "monounsaturated_fat_g"),
    ("trans_fat", r"trans fat.*", "Trans Fat", "trans_fat_g"),
    ("cholesterol", r"cholesterol.*", "Cholesterol", "cholesterol_mg"),
    ("sodium", r"sodium.*", "Sodium (mg)", "sodium_mg"),
    ("potassium", r"potassium.*", "Potassium", "potassium_mg"),
    ("carbs", r"carbohydrates.*", "Carbohydrates (g)", "carbs_g"),
    ("fiber", r"fiber.*", "Fiber", "fiber_g"),
    ("sugar", r"sugars?(?: \(g\))?", "Sugar", "sugar_g"),
    ("protein", r"protein.*", "Protein (g)", "protein_g"),
    ("vitamin_a", r"vitamin a.*", "Vitamin A", "vitamin_a_pct_dv"),
    ("vitamin_c", r"vitamin c.*", "Vitamin C", "vitamin_c_pct_dv"),
    ("calcium", r"calcium.*", "Calcium", "calcium_pct_dv"),
    ("iron", r"iron.*", "Iron", "iron_pct_dv"),
)
COLUMNS: tuple[Column, ...] = (
    ("date", r"date", "Date"),
    ("meal", r"meal", "Meal"),
    ("time", r"time", "Time"),
    *((name, pattern, label) for name, pattern, label, _ in NUTRIENTS),
    ("note", r"notes?", "Note"),
)
REQUIRED = ("date", "meal", "calories")
TIME = r"(\d{1,2}):(\d{2})(?:\s*([AaPp])\.?\s*[Mm]\.?)?"
_TIME = re.compile(TIME, re.ASCII)


def matches(cells: list[str]) -> bool:
    """Whether a lower-cased header row is a nutrition summary's."""
    return {"date", "meal", "calories"} <= set(cells)


def _check_time(ctx: ParseContext, text: str, line: int) -> None:
    match = _TIME.fullmatch(text)
    hours = range(1, 13) if match and match[3] else range(24)
    if match is None or int(match[1]) not in hours or int(match[2]) > 59:
        raise fail(ctx, f"time '{text}' on line {line} is not a time such as '10:15 AM'")


def read(
    header: list[str], rows: Iterator[tuple[int, list[str]]], ctx: ParseContext, sink: BronzeSink
) -> None:
    """Write the rows to bronze ``nutrition``, checking dates, times and numbers."""
    pos = map_header(header, COLUMNS, REQUIRED, ctx)
    batch = BronzeBatch(sink, ENTITY, pos)
    for line, row in rows:
        check_date(ctx, cell(row, pos["date"]), line)
        if not cell(row, pos["meal"]):
            raise fail(ctx, f"row on line {line} has no meal")
        time = cell(row, pos["time"])
        if time:
            _check_time(ctx, time, line)
        for name, _, label, _ in NUTRIENTS:
            check_number(ctx, cell(row, pos[name]), line, label)
        batch.add(line, row)
    batch.flush()


_CLOCK = (
    "make_time(TRY_CAST(_t.h AS BIGINT) % CASE WHEN _t.ap = '' THEN 24 ELSE 12 END"
    " + CASE WHEN upper(_t.ap) = 'P' THEN 12 ELSE 0 END, TRY_CAST(_t.m AS BIGINT), 0)"
)
_SUMS = ", ".join(f"CAST(sum({decimal(name)}) AS DOUBLE) AS {silver}" for name, _, _, silver in NUTRIENTS)

NUTRITION_SQL = silver_sql(f"""
    WITH r AS (
        SELECT *, CAST(trim(date) AS DATE) AS _day, lower(trim(meal)) AS _meal, {nz("note")} AS _note,
            regexp_extract(coalesce(trim(time), ''), '^{TIME}$', ['h', 'm', 'ap']) AS _t
        FROM {{bronze}}
    ),
    n AS (
        SELECT *, CASE WHEN _t.h <> '' THEN {_CLOCK} END AS _time,
            row_number() OVER (PARTITION BY _day, _meal, _note ORDER BY row_idx) AS _note_rank
        FROM r
    )
    SELECT getvariable('subject') AS subject_id, min(row_idx) AS row_idx,
        _day + coalesce(min(_time), TIME '00:00:00') AS local_ts, _meal AS meal,
        {_SUMS},
        min(_time) IS NOT NULL AS time_known, count(*) AS entry_count,
        string_agg(_note, '; ' ORDER BY row_idx) FILTER (WHERE _note_rank = 1) AS note,
        '{SOURCE_NAME}' AS source_name
    FROM n GROUP BY _day, _meal""")

MAPPINGS = (SilverMapping(ENTITY, "nutrition_entries", NUTRITION_SQL),)
