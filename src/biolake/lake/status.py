"""What the lake holds: per entity, rows, subjects, time span, last import and freshness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from biolake.lake.catalog import open_catalog, view_definitions
from biolake.lake.paths import LakePaths
from biolake.lake.schema import ENTITIES, Entity


def _span_column(ent: Entity) -> str:
    names = ent.column_names
    for candidate in ("ts_utc", "start_utc", "local_date", ent.time_column):
        if candidate in names:
            return candidate
    return ent.time_column


def _days_since(value: Any, now: datetime) -> float | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        return None
    return round((now - moment).total_seconds() / 86400, 1)


def lake_status(paths: LakePaths, now: datetime | None = None) -> list[dict[str, Any]]:
    """One dict per silver entity that has data, in contract order."""
    now = now or datetime.now(UTC)
    present = view_definitions(paths)
    out: list[dict[str, Any]] = []
    con = open_catalog(paths)
    try:
        for name, ent in ENTITIES.items():
            if name not in present:
                continue
            col = _span_column(ent)
            row = con.execute(
                f'SELECT count(*), count(DISTINCT subject_id), min("{col}"), max("{col}"), '
                f"max(_ingested_at), list(DISTINCT _source ORDER BY _source) FROM {name}"
            ).fetchone()
            assert row is not None
            rows, subjects, first, last, last_import, sources = row
            out.append(
                {
                    "entity": name,
                    "rows": rows,
                    "subjects": subjects,
                    "sources": sources,
                    "first": first,
                    "last": last,
                    "last_import": last_import,
                    "freshness_days": _days_since(last, now),
                }
            )
    finally:
        con.close()
    return out
