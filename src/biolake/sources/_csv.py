"""CSV plumbing shared by the CGM sources (Dexcom, LibreView, generic ``id,time,gl``).

Reading: UTF-8 with or without BOM (undecodable bytes become U+FFFD), any newline style, quoted fields,
blank lines skipped, ragged rows (missing fields are NULL, fields beyond the header are ignored; the raw
file is kept by the lake). Bronze: each known column as the text written in the file, under a fixed
snake_case name whatever the file's wording or unit, plus ``row_idx``, the file line on which the row
starts, so silver can keep file order and errors can name lines.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO

from biolake.errors import ParseError
from biolake.sources.base import BronzeSink, ParseContext, text_lines
from biolake.sources.localtime import localize_sql

BATCH_ROWS = 50_000
PROGRESS_ROWS = 10_000
NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)
# ISO 8601 local date-time, optional offset: (date)(time)(offset); Python and DuckDB (RE2) read it alike.
ISO = r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?"
_ISO = re.compile(ISO, re.ASCII)

# (bronze column, header pattern matched against the stripped, lower-cased header cell, label for errors)
Column = tuple[str, str, str]


def head_rows(head: bytes, limit: int = 12) -> list[list[str]]:
    """The first rows of ``head`` as stripped, lower-cased cells, for sniffing headers."""
    rows: list[list[str]] = []
    with contextlib.suppress(csv.Error):  # a row cut off by the end of the sniffed bytes
        rows.extend([c.strip().lower() for c in row] for row in csv.reader(text_lines(head, limit)))
    return rows


class _Counted(io.BufferedIOBase):
    """A read-only view of a binary stream that counts the bytes read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self.bytes_read = 0

    @property
    def name(self) -> str:
        return str(getattr(self._raw, "name", "<stream>"))

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        data = self._raw.read(-1 if size is None else size)
        self.bytes_read += len(data)
        return data

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size)


def csv_rows(
    stream: IO[bytes], ctx: ParseContext, sink: BronzeSink, delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` for each non-blank CSV record of ``stream``; ``line`` is where it starts."""
    counted = _Counted(stream)
    text = io.TextIOWrapper(counted, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text, strict=True, delimiter=delimiter)
    start = 1
    try:
        for count, row in enumerate(reader, 1):
            if any(field.strip() for field in row):
                yield start, row
            start = reader.line_num + 1
            if count % PROGRESS_ROWS == 0:
                sink.progress(counted.bytes_read)
    except csv.Error as exc:
        raise fail(ctx, f"the row starting on line {start} is not valid CSV ({exc})") from None
    finally:
        text.detach()
    sink.progress(counted.bytes_read)


def fail(ctx: ParseContext, problem: str) -> ParseError:
    """The ParseError for ``problem`` in this file."""
    return ParseError(ctx.display_name, problem)


def map_header(
    header: Sequence[str], columns: Sequence[Column], required: Sequence[str], ctx: ParseContext
) -> dict[str, int | None]:
    """Bronze column → field position (None when absent); ParseError if a required column is missing."""
    cells = [cell.strip().lower() for cell in header]
    found: dict[str, int | None] = {}
    for name, pattern, label in columns:
        regex = re.compile(pattern)
        found[name] = next((i for i, cell in enumerate(cells) if regex.fullmatch(cell)), None)
        if found[name] is None and name in required:
            raise fail(ctx, f"missing required column '{label}'")
    return found


def unit_of(label: str) -> str | None:
    """'mg/dL' or 'mmol/L' as named in a column header, else None."""
    low = label.lower()
    if "mmol" in low:
        return "mmol/L"
    return "mg/dL" if "mg/dl" in low else None


def cell(row: Sequence[str], pos: int | None) -> str:
    """The stripped field at ``pos``, '' when the column is absent or the row too short."""
    return row[pos].strip() if pos is not None and pos < len(row) else ""


def is_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (a decimal comma is accepted)."""
    return NUMBER.fullmatch(text) is not None


def check_glucose(ctx: ParseContext, value: str, line: int, words: Sequence[str]) -> None:
    """ParseError unless ``value`` is a number or one of the censored-reading ``words`` (e.g. High, Low)."""
    if not value:
        raise fail(ctx, f"glucose value on line {line} is empty")
    if not (is_number(value) or value.lower() in (w.lower() for w in words)):
        raise fail(ctx, f"glucose value '{value}' on line {line} is not a number or {'/'.join(words)}")


def iso_time(text: str) -> tuple[datetime, str] | None:
    """(wall-clock time, offset text or '') of an ISO 8601 date-time; None if it is not a valid one."""
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    day, clock, offset = match.group(1), match.group(2), match.group(3) or ""
    digits = offset[1:].replace(":", "")
    try:
        wall = datetime.fromisoformat(f"{day}T{clock[:8]}")
    except ValueError:
        return None
    if digits and (int(digits[:2]) > 23 or int(digits[2:] or 0) > 59):
        return None
    return wall, offset


class BronzeBatch:
    """Collects rows of one bronze table and writes them to the sink every BATCH_ROWS rows."""

    def __init__(
        self,
        sink: BronzeSink,
        entity: str,
        positions: Mapping[str, int | None],
        constants: Mapping[str, str] | None = None,
    ) -> None:
        self.sink, self.entity = sink, entity
        self.positions = dict(positions)
        self.constants = dict(constants or {})
        self.columns: dict[str, list[str | None]] = {name: [] for name in self.positions}
        self.row_idx: list[int] = []

    def add(self, line: int, row: Sequence[str | None]) -> None:
        for name, pos in self.positions.items():
            self.columns[name].append(row[pos] if pos is not None and pos < len(row) else None)
        self.row_idx.append(line)
        if len(self.row_idx) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        n = len(self.row_idx)
        if not n:
            return
        data = {name: pa.array(values, pa.string()) for name, values in self.columns.items()}
        data.update({name: pa.array([value] * n, pa.string()) for name, value in self.constants.items()})
        data["row_idx"] = pa.array(self.row_idx, pa.int64())
        self.sink.write(self.entity, pa.table(data))
        self.columns = {name: [] for name in self.positions}
        self.row_idx = []


# --- SQL snippets for the silver mappings ---------------------------------------------------------


def nz(column: str) -> str:
    """SQL: the trimmed text of ``column``, NULL when empty."""
    return f"nullif(trim({column}), '')"


def num(column: str) -> str:
    """SQL: ``column`` (validated by :func:`is_number`, or empty) as DOUBLE."""
    return f"CAST(replace({nz(column)}, ',', '.') AS DOUBLE)"


def mgdl(column: str, unit: str) -> str:
    """SQL: glucose text in ``unit`` ('mg/dL' | 'mmol/L') as mg/dL; mmol/L × 18 in decimal arithmetic, so
    4.3 mmol/L is exactly 77.4 mg/dL."""
    dec = f"CAST(replace({nz(column)}, ',', '.') AS DECIMAL(18, 6))"
    return f"CAST(CASE WHEN {unit} = 'mmol/L' THEN {dec} * 18 ELSE {dec} END AS DOUBLE)"


def iso_local_sql(column: str) -> str:
    """SQL: the wall-clock TIMESTAMP of an ISO 8601 text (validated by :func:`iso_time`), offset ignored."""
    date, clock = (f"regexp_extract(trim({column}), '^{ISO}$', {group})" for group in (1, 2))
    return f"CAST({date} || ' ' || {clock} AS TIMESTAMP)"


def silver_sql(inner: str) -> str:
    """SQL: ``inner`` (naive ``local_ts``) localized to ``ts_utc`` / ``local_date``, without ``row_idx``."""
    return f"SELECT * EXCLUDE (row_idx) FROM ({localize_sql(inner)})"


LOW_LIMIT_MGDL = 40


def glucose(column: str, unit: str, high_mgdl: int) -> tuple[str, str]:
    """SQL ``(glucose_mgdl, censored)`` for a field holding a number or High/Low (HI/LO) text: censored
    readings sit at the sensor limits ``high_mgdl`` / 40 mg/dL whatever the file's unit."""
    word = f"lower(trim({column}))"
    censored = f"CASE WHEN {word} IN ('high', 'hi') THEN 'high' WHEN {word} IN ('low', 'lo') THEN 'low' END"
    value = (
        f"CASE WHEN {word} IN ('high', 'hi') THEN {high_mgdl}.0 WHEN {word} IN ('low', 'lo') "
        f"THEN {LOW_LIMIT_MGDL}.0 ELSE {mgdl(column, unit)} END"
    )
    return value, censored
