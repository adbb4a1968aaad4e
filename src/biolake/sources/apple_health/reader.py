"""Streaming reader of Apple Health ``export.xml``: chunking at element boundaries, chunk → bronze columns.

The export is a flat list of top-level elements under ``<HealthData>``. We skip the prologue (the inline
DTD is broken in iOS 16 exports, so it is never parsed), cut the rest into chunks that each hold whole
top-level elements, and parse chunks independently — in parallel worker processes for large files.
Records nested in a ``Correlation`` also appear at top level, so nested ones are not counted again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat as pyexpat

import pyarrow as pa
import pyarrow.parquet as pq

from biolake.sources.base import BRONZE_CODEC

try:
    from biolake.sources.apple_health import _fastparse

    HAVE_COMPILED = True
except ImportError:  # the C extension was not built: the pure-Python parser does the same work
    HAVE_COMPILED = False

TOP_LEVEL = (
    b"Record",
    b"Workout",
    b"ActivitySummary",
    b"Correlation",
    b"ClinicalRecord",
    b"Audiogram",
    b"VisionPrescription",
)
# XML 1.0 forbids these control characters; real exports contain them (e.g. \x0b in values).
CONTROL_CHARS = bytes(c for c in range(32) if c not in (9, 10, 13))
PROLOGUE_LIMIT = 4 * 1024 * 1024
READ_BYTES = 1024 * 1024
VERSION_RE = re.compile(rb"HealthKit Export Version:\s*(\d+)")
LOCALE_RE = re.compile(rb'locale="([^"]*)"')

RECORD_ATTRS = (
    "type",
    "unit",
    "value",
    "sourceName",
    "sourceVersion",
    "device",
    "creationDate",
    "startDate",
    "endDate",
)
WORKOUT_ATTRS = (
    "workoutActivityType",
    "duration",
    "durationUnit",
    "totalDistance",
    "totalDistanceUnit",
    "totalEnergyBurned",
    "totalEnergyBurnedUnit",
    "totalSwimmingStrokeCount",
    "totalSwimmingStrokeCountUnit",
    "totalFlightsClimbed",
    "totalFlightsClimbedUnit",
    "sourceName",
    "sourceVersion",
    "device",
    "creationDate",
    "startDate",
    "endDate",
)
SUMMARY_ATTRS = (
    "dateComponents",
    "activeEnergyBurned",
    "activeEnergyBurnedGoal",
    "activeEnergyBurnedUnit",
    "appleMoveTime",
    "appleMoveTimeGoal",
    "appleExerciseTime",
    "appleExerciseTimeGoal",
    "appleStandHours",
    "appleStandHoursGoal",
)
CORRELATION_ATTRS = ("type", "sourceName", "sourceVersion", "device", "creationDate", "startDate", "endDate")
STATISTICS_ATTRS = ("type", "startDate", "endDate", "average", "minimum", "maximum", "sum", "unit")
EVENT_ATTRS = ("type", "date", "duration", "durationUnit")
ROUTE_ATTRS = ("sourceName", "sourceVersion", "device", "creationDate", "startDate", "endDate", "path")
LOCATION_ATTRS = (
    "date",
    "latitude",
    "longitude",
    "altitude",
    "horizontalAccuracy",
    "verticalAccuracy",
    "course",
    "speed",
)
ME_PREFIX = "HKCharacteristicTypeIdentifier"
# Top-level elements whose children need context (read with end events on).
CONTAINERS = frozenset({"Correlation", "Workout", "ClinicalRecord", "Audiogram", "VisionPrescription"})
FEED_BYTES = 1 << 20
ME_ATTRS = (
    "DateOfBirth",
    "BiologicalSex",
    "BloodType",
    "FitzpatrickSkinType",
    "WheelchairUse",
    "CardioFitnessMedicationsUse",
)


def _schema(id_col: str | None, names: tuple[str, ...]) -> pa.Schema:
    cols = [(id_col, pa.int64())] if id_col else []
    return pa.schema(cols + [(n, pa.string()) for n in names])


# Every bronze table of this source, with a fixed schema (empty ones are still written).
BRONZE_SCHEMAS: dict[str, pa.Schema] = {
    "records": _schema("record_id", RECORD_ATTRS),
    "record_metadata": _schema("record_id", ("key", "value")),
    "hrv_beats": _schema("record_id", ("bpm", "time")),
    "correlations": _schema("correlation_id", CORRELATION_ATTRS),
    "correlation_members": _schema("correlation_id", RECORD_ATTRS),
    "workouts": _schema("workout_id", WORKOUT_ATTRS),
    "workout_metadata": _schema("workout_id", ("key", "value")),
    "workout_statistics": _schema("workout_id", STATISTICS_ATTRS),
    "workout_events": _schema("workout_id", EVENT_ATTRS),
    "workout_route_refs": _schema("workout_id", ROUTE_ATTRS),
    "workout_route_points": _schema("workout_id", LOCATION_ATTRS),
    "activity_summaries": _schema(None, SUMMARY_ATTRS),
    "me": _schema(None, ("export_date", "locale", "export_version", *ME_ATTRS)),
}


class ChunkError(Exception):
    """A chunk that is not well-formed XML; ``line`` is the line in the whole file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)  # both in args, so the error survives pickling from a worker
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Chunk:
    """Whole top-level elements of the export, with where they start in the file."""

    index: int
    data: bytes
    first_line: int
    meta: tuple[tuple[str, str | None], ...] = ()  # the first chunk carries locale and export version
    offset: int = 0  # where ``data`` starts in the stream


@dataclass
class Prologue:
    """What precedes the elements: export version (from the DTD comment) and locale."""

    export_version: str | None = None
    locale: str | None = None


@dataclass
class Splitter:
    """Cuts a byte stream of an export into :class:`Chunk` s of about ``chunk_size`` bytes."""

    stream: IO[bytes]
    chunk_size: int = 8 * 1024 * 1024
    prologue: Prologue = field(default_factory=Prologue)
    bytes_read: int = 0
    _line: int = 1
    _index: int = 0
    _offset: int = 0

    def _read(self) -> bytes:
        block = self.stream.read(min(self.chunk_size, READ_BYTES))
        self.bytes_read += len(block)
        return block

    def _start(self) -> bytes:
        """Consume the prologue and ``<HealthData …>``; return what follows it."""
        buf = b""
        while True:
            block = self._read()
            buf += block
            pos = buf.find(b"<HealthData")
            if pos >= 0:
                end = buf.find(b">", pos)
                if end >= 0:
                    break
            if not block or len(buf) > PROLOGUE_LIMIT:
                raise ChunkError(1, "not an Apple Health export: no <HealthData> element")
        head = buf[: end + 1]
        if m := VERSION_RE.search(head):
            self.prologue.export_version = m.group(1).decode()
        if m := LOCALE_RE.search(head, pos):
            self.prologue.locale = m.group(1).decode(errors="replace")
        self._line += head.count(b"\n")
        self._offset = end + 1
        if buf[end - 1 : end + 1] == b"/>":
            raise ChunkError(self._line, "the export holds no data (<HealthData/> is empty)")
        return buf[end + 1 :]

    def _emit(self, data: bytes) -> Chunk:
        meta = (("locale", self.prologue.locale), ("export_version", self.prologue.export_version))
        chunk = Chunk(self._index, data, self._line, meta if self._index == 0 else (), self._offset)
        self._index += 1
        self._offset += len(data)
        self._line += data.count(b"\n")
        return chunk

    def __iter__(self) -> Iterator[Chunk]:
        blocks = [self._start()]
        held = len(blocks[0])
        while True:
            block = self._read()
            if not block:
                buf = b"".join(blocks)
                end = buf.rfind(b"</HealthData>")
                if end < 0:
                    line = self._line + buf.count(b"\n")
                    raise ChunkError(line, "the file is truncated: it ends before </HealthData>")
                yield self._emit(buf[:end])
                return
            blocks.append(block)
            held += len(block)
            if held >= self.chunk_size:
                buf = b"".join(blocks)
                cut = _cut_point(buf)
                if cut > 0:
                    yield self._emit(buf[:cut])
                    buf = buf[cut:]
                blocks, held = [buf], len(buf)


def _cut_point(buf: bytes) -> int:
    """Offset of the last top-level element start in ``buf`` that is not inside a Correlation (0: none).

    Only the tail is searched at first (elements are small); the window widens if it holds none."""
    window = 1 << 16
    while True:
        lo = max(len(buf) - window, 0)
        cut = max(buf.rfind(b"<" + tag + b" ", lo) for tag in TOP_LEVEL)
        if cut > 0 or lo == 0:
            break
        window <<= 2
    if cut <= 0:
        return 0
    open_corr = buf.rfind(b"<Correlation ", 0, cut)
    if open_corr > buf.rfind(b"</Correlation>", 0, cut):
        cut = open_corr  # the candidate is a record inside a correlation: cut before the correlation
    return max(cut, 0)


class _Columns:
    """Rows of one bronze table, collected as tuples (one C-level ``map`` per element)."""

    def __init__(self, schema: pa.Schema, names: tuple[str, ...]) -> None:
        self.schema = schema
        self.names = names
        self.ids: list[int] = []
        self.rows: list[tuple[str | None, ...]] = []

    def add(self, row_id: int | None, attrib: Any) -> None:
        if row_id is not None:
            self.ids.append(row_id)
        self.rows.append(tuple(map(attrib.get, self.names)))

    def table(self) -> pa.Table:
        columns = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in self.names]
        arrays = [pa.array(col, type=pa.string()) for col in columns]
        if len(self.schema) > len(self.names):
            arrays.insert(0, pa.array(self.ids, type=pa.int64()))
        return pa.Table.from_arrays(arrays, schema=self.schema)


def _attr_names(schema: pa.Schema) -> tuple[str, ...]:
    names = tuple(schema.names)
    return names[1:] if schema.field(0).type == pa.int64() else names


# The tables the compiled parser fills, in its order; it leaves ``me`` to Python. It learns their
# columns from here (and checks the table names against its own list).
COMPILED_TABLES = tuple(name for name in BRONZE_SCHEMAS if name != "me")
if HAVE_COMPILED:
    _fastparse.configure(
        [
            (
                name,
                len(BRONZE_SCHEMAS[name]) > len(_attr_names(BRONZE_SCHEMAS[name])),
                _attr_names(BRONZE_SCHEMAS[name]),
            )
            for name in COMPILED_TABLES
        ]
    )


def compiled_parser() -> bool:
    """Whether chunks are parsed by the compiled extension: it is built and ``BIOLAKE_PARSER`` is not
    ``python`` (which forces the pure-Python parser, e.g. to compare the two)."""
    return HAVE_COMPILED and os.environ.get("BIOLAKE_PARSER", "") != "python"


def parse_chunk(chunk: Chunk, compiled: bool | None = None) -> dict[str, pa.Table]:
    """Parse one chunk into bronze tables (ids are unique within the file).

    Both parsers give exactly the same tables; ``compiled`` picks one (default: :func:`compiled_parser`).
    Control characters XML forbids are removed first (real exports contain them, e.g. \\x0b in values)."""
    if compiled_parser() if compiled is None else compiled:
        try:
            return _parse_compiled(chunk)
        except OverflowError:  # a column over 2 GiB (one giant element): Arrow's offsets are 32-bit
            pass
    # ~2.5 ms per 4 MB chunk: cheaper than searching first
    return _parse_python(chunk, chunk.data.translate(None, CONTROL_CHARS))


def _syntax_error(chunk: Chunk, lineno: int, message: str) -> ChunkError:
    line = chunk.first_line + max(lineno, 1) - 1
    return ChunkError(line, f"XML syntax error on line {line}: {message}")


def _apply_extra(me: dict[str, str | None], name: str, attrs: dict[str, str]) -> None:
    """Fold a top-level ExportDate or Me element into the ``me`` row."""
    if name == "ExportDate":
        me["export_date"] = attrs.get("value")
    elif name == "Me":
        me.update((k.removeprefix(ME_PREFIX), v) for k, v in attrs.items())


def _me_table(chunk: Chunk, me: dict[str, str | None]) -> pa.Table:
    """The ``me`` table: one row if the chunk held an ExportDate or a Me with attributes, else none."""
    cols = _Columns(BRONZE_SCHEMAS["me"], _attr_names(BRONZE_SCHEMAS["me"]))
    if "export_date" in me or len(me) > len(chunk.meta):
        cols.add(None, me)
    return cols.table()


def _parse_compiled(chunk: Chunk) -> dict[str, pa.Table]:
    """Parse with the C extension, which hands back Arrow buffers per column (see ``_fastparse.c``)."""
    try:
        parsed, extras = _fastparse.parse(chunk.data, chunk.index)
    except _fastparse.XMLError as exc:
        message, lineno = exc.args
        raise _syntax_error(chunk, lineno, message) from None
    tables: dict[str, pa.Table] = {}
    for name, (rows, ids, columns) in zip(COMPILED_TABLES, parsed, strict=True):
        arrays = [
            pa.Array.from_buffers(
                pa.string(),
                rows,
                [None if valid is None else pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(text)],
                null_count=nulls,
            )
            for valid, offsets, text, nulls in columns
        ]
        if ids is not None:
            arrays.insert(0, pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(ids)], null_count=0))
        tables[name] = pa.Table.from_arrays(arrays, schema=BRONZE_SCHEMAS[name])
    me: dict[str, str | None] = dict(chunk.meta)
    for name, pairs in extras:
        _apply_extra(me, name, dict(pairs))
    tables["me"] = _me_table(chunk, me)
    return {name: tables[name] for name in BRONZE_SCHEMAS}


def _parse_python(chunk: Chunk, data: bytes) -> dict[str, pa.Table]:
    """Parse with pyexpat and Python callbacks.

    expat calls ``start`` for every element. Top-level Records and their children — nearly all of a
    real export — take the short path and need no end events: a MetadataEntry or a heartbeat belongs to
    the latest top-level Record. End events are switched on only while a container whose children need
    context (Workout, Correlation, …) is open, because they cost a quarter of the parse."""
    cols = {name: _Columns(schema, _attr_names(schema)) for name, schema in BRONZE_SCHEMAS.items()}
    rec_id, rec_row = cols["records"].ids.append, cols["records"].rows.append
    meta_id, meta_row = cols["record_metadata"].ids.append, cols["record_metadata"].rows.append
    beats = cols["hrv_beats"]
    stack: list[str] = []  # open containers inside the current top-level container
    me: dict[str, str | None] = dict(chunk.meta)
    route: dict[str, str | None] = {}
    owner = n = chunk.index << 32
    parser = pyexpat.ParserCreate("UTF-8")

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal owner, n
        if name == "Record":
            if not stack:
                n += 1
                owner = n
                rec_id(n)
                rec_row(tuple(map(attrs.get, RECORD_ATTRS)))
            elif stack == ["Correlation"]:
                cols["correlation_members"].add(owner, attrs)
        elif name == "MetadataEntry":
            if not stack:
                meta_id(owner)
                meta_row((attrs.get("key"), attrs.get("value")))
            elif stack == ["Workout"]:
                cols["workout_metadata"].add(owner, attrs)
        elif name == "InstantaneousBeatsPerMinute":
            if not stack:
                beats.add(owner, attrs)
        elif name != "HeartRateVariabilityMetadataList":
            other(name, attrs)

    def other(name: str, attrs: dict[str, str]) -> None:
        nonlocal owner, n
        if not stack:
            if name in CONTAINERS:
                n += 1
                owner = n
                if name == "Workout":
                    cols["workouts"].add(owner, attrs)
                elif name == "Correlation":
                    cols["correlations"].add(owner, attrs)
                stack.append(name)
                parser.EndElementHandler = end
            elif name == "ActivitySummary":
                cols["activity_summaries"].add(None, attrs)
            elif name in ("ExportDate", "Me"):
                _apply_extra(me, name, attrs)
        elif stack == ["Workout"]:
            if name == "WorkoutStatistics":
                cols["workout_statistics"].add(owner, attrs)
            elif name == "WorkoutEvent":
                cols["workout_events"].add(owner, attrs)
            elif name == "WorkoutRoute":
                route.clear()
                route.update(attrs)
                stack.append(name)
        elif stack == ["Workout", "WorkoutRoute"]:
            if name == "FileReference":
                route["path"] = attrs.get("path")
            elif name == "Location":
                cols["workout_route_points"].add(owner, attrs)

    def end(name: str) -> None:
        if name == "WorkoutRoute" and stack == ["Workout", "WorkoutRoute"]:
            cols["workout_route_refs"].add(owner, route)
            stack.pop()
        elif len(stack) == 1 and name == stack[0]:
            stack.pop()
            parser.EndElementHandler = None

    parser.StartElementHandler = start
    view = memoryview(data)
    try:
        parser.Parse(b"<HealthData>", False)
        for offset in range(0, len(view), FEED_BYTES):
            parser.Parse(view[offset : offset + FEED_BYTES], False)
        parser.Parse(b"</HealthData>", True)
    except pyexpat.ExpatError as exc:
        raise _syntax_error(chunk, exc.lineno, pyexpat.ErrorString(exc.code)) from None
    tables = {name: c.table() for name, c in cols.items() if name != "me"}
    tables["me"] = _me_table(chunk, me)
    return tables


def parse_chunk_to_parquet(chunk: Chunk, targets: dict[str, Path]) -> dict[str, int]:
    """Parse a chunk and write each non-empty table to its target path; rows per table."""
    counts: dict[str, int] = {}
    for name, table in parse_chunk(chunk).items():
        if table.num_rows:
            pq.write_table(table, targets[name], compression=BRONZE_CODEC)
            counts[name] = table.num_rows
    return counts
