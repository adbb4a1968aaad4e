"""Cross-source deduplication: one fact arriving through two sources becomes one silver row.

Apps such as Peloton, Oura and MyFitnessPal write into Apple Health, so a workout, night, meal or weight
can arrive twice: from the app's own export and through Apple Health (``source_name`` = the app).
Entities with a :class:`Rule` keep every source's rows in ``silver/<entity>_by_source`` (deduplicated on
the natural key, exactly like other entities) and the lake derives ``silver/<entity>`` from them after
each import:

* an Apple Health row *matches* a row of another source when both have the same subject and the same
  ``source_name`` (compared case- and punctuation-insensitively) and the rule's condition holds (for
  workouts: the intervals overlap by at least half of the shorter one, or start within two minutes);
* each Apple Health row is folded into its best match (by the rule's closeness); the app's own row is
  kept, with its fields, and a field it lacks is filled from the folded row; a few fields prefer the
  Apple Health value (a workout's heart rate, its route; a meal's time when the app gave only a date);
* ``_merged_from`` lists the folded rows (source, source_name, file, time) as JSON and
  ``_field_sources`` says which fields came from which source; both are NULL on rows nothing was folded
  into. Rows without a match pass through unchanged. Nothing is dropped: the folded rows stay in
  ``<entity>_by_source`` and in bronze.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from biolake.lake.catalog import sql_string
from biolake.lake.merge import PARQUET
from biolake.lake.paths import LakePaths
from biolake.lake.schema import BY_SOURCE, ENTITIES, Entity
from biolake.lake.staging import Staging

AGGREGATORS = ("apple_health",)  # sources that carry other apps' data


@dataclass(frozen=True)
class Rule:
    """How rows of one entity from an aggregator (``a``) and from the app's own source (``d``) match.

    ``match``: SQL condition on ``a`` and ``d`` besides subject and source_name; ``closeness``: SQL,
    smaller is a better match; ``prefer_aggregator``: columns whose aggregator value wins when present;
    ``overrides``: column → (SQL value, SQL condition under which the value came from the aggregator),
    where ``m.`` names aggregates over every folded row (``m.first_ts_utc``, ``m.first_local_ts``)."""

    match: str
    closeness: str
    prefer_aggregator: tuple[str, ...] = ()
    overrides: Mapping[str, tuple[str, str]] = field(default_factory=dict)


_OVERLAP = "(epoch(least(a.end_utc, d.end_utc)) - epoch(greatest(a.start_utc, d.start_utc)))"
_SHORTER = "least(epoch(a.end_utc) - epoch(a.start_utc), epoch(d.end_utc) - epoch(d.start_utc))"
_START_GAP = "abs(epoch(a.start_utc) - epoch(d.start_utc))"
_MEAL_TIME_FROM_AGGREGATOR = "NOT coalesce(d.time_known, true) AND m.first_ts_utc IS NOT NULL"

RULES: dict[str, Rule] = {
    "workouts": Rule(
        match=f"({_START_GAP} <= 120 OR ({_OVERLAP} > 0 AND {_OVERLAP} >= 0.5 * {_SHORTER}))",
        closeness=_START_GAP,
        prefer_aggregator=("avg_hr_bpm", "min_hr_bpm", "max_hr_bpm", "route_file"),
    ),
    "sleep_sessions": Rule(
        match=f"{_OVERLAP} > 0 AND {_OVERLAP} >= 0.5 * {_SHORTER}",
        closeness=_START_GAP,
    ),
    "nutrition_entries": Rule(
        match="a.local_date = d.local_date AND (lower(a.meal) = lower(d.meal) OR a.meal IS NULL)",
        closeness="CASE WHEN lower(a.meal) = lower(d.meal) THEN 0 ELSE 1 END, "
        "abs(epoch(a.ts_utc) - epoch(d.ts_utc))",
        overrides={
            "ts_utc": ("m.first_ts_utc", _MEAL_TIME_FROM_AGGREGATOR),
            "local_ts": ("m.first_local_ts", _MEAL_TIME_FROM_AGGREGATOR),
            "time_known": ("true", _MEAL_TIME_FROM_AGGREGATOR),
        },
    ),
    "body_measurements": Rule(
        match="a.metric = d.metric AND a.local_date = d.local_date "
        "AND abs(a.value - d.value) <= 0.005 * abs(d.value) + 0.05",
        closeness="abs(a.value - d.value), abs(epoch(a.start_utc) - epoch(d.start_utc))",
    ),
}

# Columns that identify a row or say where it came from: always the kept row's own.
_OWN = {"subject_id", "_source", "_file_sha256", "_ingested_at", "_exported_at", "source_name", "year"}


def has_rule(entity_name: str) -> bool:
    return entity_name in RULES


def by_source_name(entity_name: str) -> str:
    """The folder and view holding every source's rows of a cross-source entity."""
    return entity_name + BY_SOURCE


def _norm(expr: str) -> str:
    return f"regexp_replace(lower({expr}), '[^a-z0-9]', '', 'g')"


def _choose(ent: Entity, rule: Rule) -> list[tuple[str, str, str | None]]:
    """(column, value SQL, SQL true when the value came from the aggregator) for each contract column."""
    out: list[tuple[str, str, str | None]] = []
    for name in ent.column_names:
        col = f'"{name}"'
        if name in _OWN:
            out.append((name, f"d.{col}", None))
        elif name in rule.overrides:
            value, from_agg = rule.overrides[name]
            out.append((name, f"CASE WHEN {from_agg} THEN {value} ELSE d.{col} END", from_agg))
        elif name in rule.prefer_aggregator:
            out.append((name, f"coalesce(a.{col}, d.{col})", f"a.{col} IS NOT NULL"))
        else:
            out.append((name, f"coalesce(d.{col}, a.{col})", f"d.{col} IS NULL AND a.{col} IS NOT NULL"))
    return out


def resolve_sql(entity_name: str, rows: str) -> str:
    """SQL turning ``rows`` (every source's rows of the entity, with ``year``) into the entity's
    cross-source deduplicated rows plus ``_merged_from``, ``_field_sources`` and ``year``."""
    ent, rule = ENTITIES[entity_name], RULES[entity_name]
    aggregators = ", ".join(f"'{s}'" for s in AGGREGATORS)
    time_col = "ts_utc" if "ts_utc" in ent.column_names else "start_utc"
    local_col = "local_ts" if time_col == "ts_utc" else "start_local"
    chosen = _choose(ent, rule)
    fields = ", ".join(
        f"{{'k': '{name}', 'v': CASE WHEN {cond} THEN a._source END}}"
        for name, _, cond in chosen
        if cond is not None
    )
    select = ", ".join(f'{value} AS "{name}"' for name, value, _ in chosen)
    return f"""
    WITH r AS (SELECT *, row_number() OVER () AS _rid FROM ({rows})),
    pairs AS (
        SELECT a._rid AS agg_rid, d._rid AS dir_rid,
            row_number() OVER (PARTITION BY a._rid ORDER BY {rule.closeness}, d._rid) AS rank_for_agg
        FROM r a JOIN r d
          ON a.subject_id = d.subject_id AND a._source IN ({aggregators}) AND d._source NOT IN ({aggregators})
         AND {_norm("a.source_name")} = {_norm("d.source_name")} AND {rule.match}
    ),
    folded AS (
        SELECT agg_rid, dir_rid, row_number() OVER (PARTITION BY dir_rid ORDER BY a.{time_col}, agg_rid) AS n
        FROM pairs JOIN r a ON a._rid = pairs.agg_rid WHERE rank_for_agg = 1
    ),
    m AS (
        SELECT f.dir_rid,
            min(a.{time_col}) AS first_ts_utc,
            arg_min(a.{local_col}, a.{time_col}) AS first_local_ts,
            to_json(list({{'_source': a._source, 'source_name': a.source_name, '_file_sha256': a._file_sha256,
                           '{time_col}': a.{time_col}}} ORDER BY a.{time_col}, a._rid)) AS merged_from
        FROM folded f JOIN r a ON a._rid = f.agg_rid GROUP BY f.dir_rid
    )
    SELECT {select},
        m.merged_from AS _merged_from,
        CASE WHEN a._rid IS NOT NULL THEN
            to_json(map_from_entries(list_filter([{fields}], x -> x.v IS NOT NULL))) END AS _field_sources,
        d.year
    FROM r d
    LEFT JOIN folded f ON f.dir_rid = d._rid AND f.n = 1
    LEFT JOIN r a ON a._rid = f.agg_rid
    LEFT JOIN m ON m.dir_rid = d._rid
    WHERE d._rid NOT IN (SELECT agg_rid FROM folded)
    """


def write_resolved(
    con: duckdb.DuckDBPyConnection,
    entity_name: str,
    paths: LakePaths,
    staging: Staging,
    tag: str,
    fresh: bool,
) -> int:
    """Derive ``silver/<entity>`` from every source's rows (the lake's plus this import's staged ones;
    ``fresh``: staged only, as a rebuild does) into staging; return the number of folded rows."""
    source_folder = paths.silver_entity(by_source_name(entity_name))
    staged_folder = staging.mirror(source_folder)
    replaced = set(staging.replaced)
    files = [] if fresh else [p for p in sorted(source_folder.rglob("*.parquet")) if p not in replaced]
    files += sorted(staged_folder.rglob("*.parquet"))
    target_folder = paths.silver_entity(entity_name)
    staging.replaced.extend(sorted(target_folder.rglob("*.parquet")))
    if not files:
        return 0
    listing = "[" + ", ".join(sql_string(p) for p in files) + "]"
    rows = f"SELECT * FROM read_parquet({listing}, hive_partitioning = true, union_by_name = true)"
    resolved = resolve_sql(entity_name, rows)
    target = staging.mirror(target_folder)
    target.mkdir(parents=True, exist_ok=True)
    options = f"{PARQUET}, PARTITION_BY (year), FILENAME_PATTERN 'part-{tag}-{{i}}', OVERWRITE_OR_IGNORE"
    kept = con.execute(f"COPY ({resolved}) TO {sql_string(target)} ({options})").fetchone()
    total = con.execute(f"SELECT count(*) FROM ({rows})").fetchone()
    return int(total[0] if total else 0) - int(kept[0] if kept else 0)
