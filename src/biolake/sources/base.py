"""The ``Source`` protocol, the registry of sources and content-based format detection.

A source turns one export file into *bronze* tables (typed only as far as the file says) through a
:class:`BronzeSink`, and declares the DuckDB SQL that maps each bronze table onto silver entities. A
source never touches the lake: the lake package stages, validates, deduplicates and commits.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar, Protocol

from biolake.errors import UnknownFormat

if TYPE_CHECKING:
    import pyarrow as pa

# Modules holding one Source each, in detection order (most specific first).
SOURCE_MODULES = (
    "biolake.sources.apple_health",
    "biolake.sources.oura",
    "biolake.sources.peloton",
    "biolake.sources.myfitnesspal",
    "biolake.sources.dexcom",
    "biolake.sources.libreview",
    "biolake.sources.cgm_generic",
)

SNIFF_BYTES = 64 * 1024
# Bronze Parquet codec: snappy is fast to write and read by every engine (Athena included); bronze is a
# small fraction of the export it was parsed from, which the lake keeps whole anyway.
BRONZE_CODEC = "snappy"


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know besides the bytes: who the data belongs to and how to read local times."""

    subject: str
    timezone: str
    units: str
    display_name: str  # the file as the user named it, for error messages


@dataclass(frozen=True)
class SilverMapping:
    """SQL that turns one bronze table into rows of one silver entity.

    ``sql`` is a DuckDB query in which ``{bronze}`` names the bronze relation (and ``{bronze:<entity>}``
    any other bronze table of the same file). ``getvariable('subject')``, ``getvariable('tz')`` and
    ``getvariable('units')`` hold the parse context. The query returns the silver entity's columns
    except the lineage columns, which the lake adds.
    """

    bronze: str
    silver: str
    sql: str


class BronzeSink(Protocol):
    """Where a parser puts what it read."""

    def write(self, entity: str, table: pa.Table) -> None:
        """Append rows to a bronze table of this file."""

    def part_path(self, entity: str) -> Path:
        """A fresh Parquet path for a part the parser writes itself (e.g. from a worker process)."""

    def add_rows(self, entity: str, rows: int) -> None:
        """Count rows a parser wrote through :meth:`part_path`."""

    def progress(self, done: int, total: int | None = None) -> None:
        """Report how far into the input the parser is (bytes read of ``total``, if known)."""


class Source(Protocol):
    """One export format."""

    name: ClassVar[str]
    description: ClassVar[str]
    silver: ClassVar[tuple[SilverMapping, ...]]

    def sniff(self, head: bytes, name: str) -> bool:
        """Whether the first bytes of a file (``head``) are this format; ``name`` is only a hint."""

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        """Read the whole stream into bronze tables; raise ParseError naming the problem."""


def all_sources() -> list[Source]:
    """Every registered source, in detection order."""
    sources: list[Source] = []
    for module_name in SOURCE_MODULES:
        module = importlib.import_module(module_name)
        sources.append(module.SOURCE)
    return sources


def source_names() -> list[str]:
    """Names accepted by ``--source``."""
    return [s.name for s in all_sources()]


def get_source(name: str) -> Source:
    """The source called ``name``, or UnknownFormat listing the valid names."""
    for source in all_sources():
        if source.name == name:
            return source
    raise UnknownFormat(name, f"no source called '{name}' (known: {', '.join(source_names())})")


def detect(head: bytes, name: str, display: str) -> Source:
    """The source whose ``sniff`` accepts ``head``; UnknownFormat if none does."""
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise UnknownFormat(display, "file is empty")
    for source in all_sources():
        if source.sniff(head, name):
            return source
    first = head.lstrip(b"\xef\xbb\xbf").splitlines()[0][:120].decode("utf-8", "replace")
    raise UnknownFormat(display, f"no source recognises this file (it starts with: {first!r})")


def text_lines(head: bytes, limit: int = 40) -> Iterator[str]:
    """The first lines of ``head`` as text, BOM removed, for header sniffing."""
    text = head.decode("utf-8-sig", errors="replace")
    yield from text.splitlines()[:limit]
