"""Oura membership-site data export: ``dailyreadiness.csv``, ``dailysleep.csv``, ``dailyactivity.csv``,
``sleepmodel.csv``, ``dailyspo2.csv``, ``workout.csv`` (and ``heartrate.csv``).

``;``-delimited (the delimiter is taken from the header, so a file re-saved with ``,`` or tabs reads
too), API v2 field names as the header, nested objects as JSON text. The kind comes from the header
(and the first row's contributors), never from the file name. Empty fields are NULL.
"""

from __future__ import annotations

import json
from typing import IO

from biolake.sources._csv import cell, csv_rows, fail
from biolake.sources.base import BronzeSink, ParseContext, text_lines
from biolake.sources.oura.records import JSON_COLUMNS, KindBatches, kind_of

DELIMITERS = (";", ",", "\t")
REQUIRED = {
    "daily_readiness": ("day", "score", "contributors"),
    "daily_sleep": ("day", "score", "contributors"),
    "daily_activity": ("day", "steps"),
    "sleep": ("day", "bedtime_start", "bedtime_end"),
    "daily_spo2": ("day", "spo2_percentage"),
    "workout": ("activity", "start_datetime", "end_datetime"),
    "heartrate": ("bpm", "timestamp"),
}
# Header cells that mark a membership export (with 'day' or 'timestamp').
MARKERS = frozenset({"contributors", "bedtime_start", "spo2_percentage", "start_datetime", "bpm"})


def delimiter_of(head: bytes) -> str:
    """The delimiter that splits the first line into the most fields."""
    first = next(iter(text_lines(head, 1)), "")
    return max(DELIMITERS, key=first.count)


def header_cells(head: bytes) -> list[str]:
    first = next(iter(text_lines(head, 1)), "")
    return [c.strip().strip('"').lower() for c in first.split(delimiter_of(head))]


def is_membership_csv(head: bytes) -> bool:
    cells = set(header_cells(head))
    return bool(cells & MARKERS) and bool(cells & {"day", "timestamp"})


def parse_csv(stream: IO[bytes], head: bytes, ctx: ParseContext, sink: BronzeSink) -> None:
    delimiter = delimiter_of(head)
    rows = csv_rows(stream, ctx, sink, delimiter)
    header = next((row for _, row in rows), None)
    if header is None:
        raise fail(ctx, "file is empty")
    names = [c.strip().lower() for c in header]
    first = next(rows, None)
    kind = kind_of({name: cell(first[1], i) if first else "" for i, name in enumerate(names)})
    if kind is None:
        raise fail(ctx, f"header is not one of Oura's data exports (columns: {', '.join(names[:10])})")
    for column in REQUIRED[kind]:
        if column not in names:
            raise fail(ctx, f"missing required column '{column}' (a {kind} export)")
    batches = KindBatches(sink)
    if first is not None:
        _add(batches, kind, names, *first, delimiter, ctx)
    for line, row in rows:
        _add(batches, kind, names, line, row, delimiter, ctx)
    batches.flush()
    if not batches.counts:
        raise fail(ctx, f"no rows after the header (a {kind} export)")


def _add(
    batches: KindBatches,
    kind: str,
    names: list[str],
    line: int,
    row: list[str],
    delimiter: str,
    ctx: ParseContext,
) -> None:
    if len(row) == 1 and len(names) > 2:
        shown = "tab" if delimiter == "\t" else f"'{delimiter}'"
        raise fail(
            ctx, f"line {line} has 1 field but the header has {len(names)}: not delimited with {shown}"
        )
    fields = {name: cell(row, i) or None for i, name in enumerate(names)}
    for name in JSON_COLUMNS & fields.keys():
        value = fields[name]
        if value is not None:
            try:
                json.loads(value)
            except ValueError:
                raise fail(ctx, f"{name} on line {line} is not JSON: {value[:40]!r}") from None
    batches.add(kind, line, fields)
