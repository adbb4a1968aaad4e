"""``Exercise-Summary-….csv``: ``Date,Exercise,Type,Exercise Calories,Exercise Minutes,Sets,Reps Per
Set,Kilograms|Pounds,Steps,Note``, one row per logged exercise.

Silver ``workouts``, one per (Date, exercise name): MFP gives no time of day and the workouts key is
(name, start), so the entries of one exercise on one day are summed (calories, minutes, steps) and each
entry is kept in metadata_json ``entries`` (type, calories, minutes, sets, reps_per_set, weight_kg,
steps, note). Start is local midnight of Date (metadata_json ``time_known`` false), end = start +
minutes. Names lose the literal quotes newer exports wrap them in. activity_type: 'calorie_adjustment'
for tracker adjustments (not workouts: filter them out of workout counts), 'strength_training' for
Type Strength, else from words in the name (:data:`KEYWORDS`), else 'other'. Pounds → kg × 0.45359237.
Negative calories are kept (adjustments can be negative); negative minutes, sets, reps or weight send
the workout to quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator

from biolake.sources._csv import BronzeBatch, Column, cell, fail, map_header, nz
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping
from biolake.sources.myfitnesspal.common import (
    LB_KG,
    SOURCE_NAME,
    check_date,
    check_number,
    day,
    interval_sql,
    number,
)

ENTITY = "exercise"
COLUMNS: tuple[Column, ...] = (
    ("date", r"date", "Date"),
    ("exercise", r"exercise", "Exercise"),
    ("type", r"type", "Type"),
    ("calories", r"exercise calories", "Exercise Calories"),
    ("minutes", r"exercise minutes", "Exercise Minutes"),
    ("sets", r"sets", "Sets"),
    ("reps_per_set", r"reps per set", "Reps Per Set"),
    ("weight", r"kilograms|pounds", "Kilograms"),
    ("steps", r"steps", "Steps"),
    ("note", r"notes?", "Note"),
)
LABELS = {name: label for name, _, label in COLUMNS}
REQUIRED = ("date", "exercise", "calories", "minutes")
NUMERIC = ("calories", "minutes", "sets", "reps_per_set", "weight", "steps")
# (activity_type, RE2 pattern on the lower-cased name), first match wins; Apple Health's words.
KEYWORDS = (
    ("walking", r"\bwalk"),
    ("running", r"\b(run|running|jog|jogging)\b"),
    ("cycling", r"\b(cycl|bicycl|bik|spin)"),
    ("swimming", r"\bswim"),
    ("hiking", r"\bhik(e|ing)\b"),
    ("rowing", r"\b(rowing|rower)\b"),
    ("elliptical", r"\belliptical"),
    ("yoga", r"\byoga"),
    ("pilates", r"\bpilates"),
    ("dance", r"\bdanc"),
    ("stair_climbing", r"\bstair"),
    ("hiit", r"\bhiit\b|high intensity interval"),
)


def matches(cells: list[str]) -> bool:
    """Whether a lower-cased header row is an exercise summary's."""
    return {"date", "exercise", "exercise calories"} <= set(cells)


def read(
    header: list[str], rows: Iterator[tuple[int, list[str]]], ctx: ParseContext, sink: BronzeSink
) -> None:
    """Write the rows to bronze ``exercise`` (with the weight unit), checking dates and numbers."""
    pos = map_header(header, COLUMNS, REQUIRED, ctx)
    unit = "lb" if cell(header, pos["weight"]).lower() == "pounds" else "kg"
    batch = BronzeBatch(sink, ENTITY, pos, {"weight_unit": unit})
    for line, row in rows:
        check_date(ctx, cell(row, pos["date"]), line)
        if not cell(row, pos["exercise"]).strip('"'):
            raise fail(ctx, f"row on line {line} has no exercise name")
        for name in NUMERIC:
            check_number(ctx, cell(row, pos[name]), line, LABELS[name])
        batch.add(line, row)
    batch.flush()


_KEYWORDS = " ".join(f"WHEN regexp_matches(lower(_name), '{p}') THEN '{a}'" for a, p in KEYWORDS)
_WEIGHT = f"CASE WHEN weight_unit = 'lb' THEN {number('weight', LB_KG)} ELSE {number('weight')} END"
_MINUTES = "to_microseconds(CAST(greatest(coalesce(_minutes, 0), 0) * 60e6 AS BIGINT))"
_NEGATIVE = " ".join(
    f"WHEN min(_{c}) < 0 THEN 'negative {LABELS[c]}'" for c in ("minutes", "sets", "reps_per_set", "weight")
)

WORKOUTS_SQL = interval_sql(f"""
    WITH e AS (
        SELECT row_idx, {day("date")} AS _day, lower({nz("type")}) AS _type, {nz("type")} AS _type_raw,
            trim(regexp_replace(trim(exercise), '^"+(.*?)"+$', '\\1')) AS _name,
            {number("calories")} AS _calories, {number("minutes")} AS _minutes, {number("sets")} AS _sets,
            {number("reps_per_set")} AS _reps_per_set, {_WEIGHT} AS _weight, {number("steps")} AS _steps,
            {nz("note")} AS _note
        FROM {{bronze}}
    ),
    g AS (
        SELECT _day, _name, min(row_idx) AS row_idx, sum(_calories) AS energy_kcal,
            sum(_minutes) AS _minutes, sum(_steps) AS _steps, bool_or(_type = 'strength') AS _strength,
            list(struct_pack(type := _type_raw, calories := _calories, minutes := _minutes, sets := _sets,
                             reps_per_set := _reps_per_set, weight_kg := _weight, steps := _steps,
                             note := _note) ORDER BY row_idx) AS _entries,
            CASE {_NEGATIVE} END AS _problem
        FROM e GROUP BY _day, _name
    )
    SELECT getvariable('subject') AS subject_id, row_idx,
        _day AS start_local, _day + {_MINUTES} AS end_local,
        CASE WHEN lower(_name) LIKE '%calorie adjustment%' THEN 'calorie_adjustment'
             WHEN _strength THEN 'strength_training' {_KEYWORDS} ELSE 'other' END AS activity_type,
        _name AS activity_type_raw, _minutes * 60 AS duration_s, energy_kcal,
        '{SOURCE_NAME}' AS source_name,
        to_json(struct_pack(time_known := false, steps := _steps, entries := _entries)) AS metadata_json,
        _problem
    FROM g""")

MAPPINGS = (SilverMapping(ENTITY, "workouts", WORKOUTS_SQL),)
