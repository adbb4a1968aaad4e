"""Generic research CGM layout ``id,time,gl`` (iglu's), one or many subjects per file.

Columns are found by name, case-insensitively, in any order; others (such as R's unnamed row index
``""``) are ignored. ``id`` is the subject: subject_id = the trimmed id, not the ``--subject`` option.
``time`` is ``YYYY-MM-DD HH:MM[:SS]`` or ISO 8601 with ``T``: with an offset or ``Z`` it is that instant;
without one it is wall time in the configured zone, localized with :mod:`biolake.sources.localtime`.
``gl`` is glucose in mg/dL (reading_kind 'cgm', device NULL); an empty or ``NA`` gl is a gap, not a
reading, and is skipped (it stays in bronze).
"""

from __future__ import annotations

from typing import IO, ClassVar

from biolake.sources._csv import (
    ISO,
    BronzeBatch,
    Column,
    cell,
    csv_rows,
    fail,
    head_rows,
    is_number,
    iso_local_sql,
    iso_time,
    map_header,
    num,
    silver_sql,
)
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping

COLUMNS: tuple[Column, ...] = (("id", "id", "id"), ("time", "time", "time"), ("gl", "gl", "gl"))
MISSING = ("", "na")

_OFFSET = f"nullif(regexp_extract(trim(time), '^{ISO}$', 3), '')"
_OFFSET_DIGITS = "replace(substr(_offset, 2), ':', '')"
_OFFSET_MINUTES = (
    f"CASE WHEN upper(_offset) = 'Z' THEN 0 ELSE CASE WHEN left(_offset, 1) = '-' THEN -1 ELSE 1 END * "
    f"(CAST(left({_OFFSET_DIGITS}, 2) AS INTEGER) * 60 + coalesce(TRY_CAST(substr({_OFFSET_DIGITS}, 3) "
    "AS INTEGER), 0)) END"
)
_LOCALIZED = silver_sql(f"""
    SELECT trim(id) AS subject_id, row_idx, {iso_local_sql("time")} AS local_ts, {_OFFSET} AS _offset,
        {num("gl")} AS glucose_mgdl, 'cgm' AS reading_kind
    FROM {{bronze}} WHERE lower(coalesce(trim(gl), '')) NOT IN ('', 'na')""")
READINGS_SQL = f"""
    SELECT * EXCLUDE (_offset, ts_utc),
        CASE WHEN _offset IS NULL THEN ts_utc
             ELSE timezone('UTC', local_ts - to_minutes({_OFFSET_MINUTES})) END AS ts_utc
    FROM ({_LOCALIZED})"""


class CgmGeneric:
    """Generic ``id,time,gl`` CGM CSV."""

    name: ClassVar[str] = "cgm_generic"
    description: ClassVar[str] = "Generic CGM CSV with columns id, time, gl (mg/dL), e.g. iglu data"
    silver: ClassVar[tuple[SilverMapping, ...]] = (
        SilverMapping("readings", "glucose_readings", READINGS_SQL),
    )

    def sniff(self, head: bytes, name: str) -> bool:
        rows = head_rows(head, 1)
        return bool(rows) and {"id", "time", "gl"} <= set(rows[0])

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        rows = csv_rows(stream, ctx, sink)
        header = next((row for _, row in rows), None)
        if header is None:
            raise fail(ctx, "file is empty")
        pos = map_header(header, COLUMNS, ("id", "time", "gl"), ctx)
        batch = BronzeBatch(sink, "readings", pos)
        found = 0
        for line, row in rows:
            subject, time, gl = (cell(row, pos[name]) for name in ("id", "time", "gl"))
            if not subject:
                raise fail(ctx, f"row on line {line} has no id")
            if iso_time(time) is None:
                raise fail(ctx, f"time '{time}' on line {line} is not YYYY-MM-DD HH:MM[:SS] (ISO 8601)")
            if gl.lower() not in MISSING:
                if not is_number(gl):
                    raise fail(ctx, f"glucose value '{gl}' on line {line} is not a number")
                found += 1
            batch.add(line, row)
        batch.flush()
        if not found:
            raise fail(ctx, "no readings found")


SOURCE = CgmGeneric()
