"""Apple Health: ``export.zip`` (read in place, never unpacked to disk) or ``export.xml``.

Large exports are cut into chunks of whole elements and parsed on every core (this process plus
helper processes); memory stays flat whatever the file size (a bounded number of chunks is in flight).
"""

from __future__ import annotations

import gc
import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import PurePosixPath
from typing import IO, ClassVar

import pyarrow as pa

from biolake.errors import ParseError
from biolake.sources.apple_health import gpx
from biolake.sources.apple_health.mapping import MAPPINGS
from biolake.sources.apple_health.parallel import read_parallel, regular_file
from biolake.sources.apple_health.reader import (
    BRONZE_SCHEMAS,
    ChunkError,
    Splitter,
    parse_chunk,
)
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping
from biolake.sources.helpers import helper_count

CHUNK_BYTES = 4 * 1024 * 1024


class AppleHealth:
    """The Apple Health export source."""

    name: ClassVar[str] = "apple_health"
    description: ClassVar[str] = "Apple Health export.zip / export.xml"
    zip_member: ClassVar[str] = "export.xml"
    silver: ClassVar[tuple[SilverMapping, ...]] = MAPPINGS

    def sniff(self, head: bytes, name: str) -> bool:
        return b"<HealthData" in head

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        if stream.read(4) == b"PK\x03\x04":
            stream.seek(0)
            self._parse_zip(stream, ctx, sink)
        else:
            size = stream.seek(0, os.SEEK_END)
            stream.seek(0)
            _read_xml(stream, ctx, sink, size)

    def _parse_zip(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        try:
            archive = zipfile.ZipFile(stream)
        except zipfile.BadZipFile as exc:
            raise ParseError(ctx.display_name, f"not a readable zip archive ({exc})") from None
        with archive:
            members = [i for i in archive.infolist() if PurePosixPath(i.filename).name == "export.xml"]
            if not members:
                raise ParseError(
                    ctx.display_name, "zip archive has no export.xml (not an Apple Health export)"
                )
            member = min(members, key=lambda i: len(i.filename))
            with archive.open(member) as xml:
                _read_xml(xml, ctx, sink, member.file_size)
            routes = [
                i
                for i in archive.infolist()
                if "workout-routes/" in i.filename and i.filename.endswith(".gpx")
            ]
            tables = []
            for info in routes:
                with archive.open(info) as fh:
                    try:
                        tables.append(gpx.read_gpx(fh, gpx.route_name(info.filename)))
                    except ET.ParseError as exc:
                        raise ParseError(
                            ctx.display_name, f"{info.filename}: not valid GPX ({exc})"
                        ) from None
            sink.write("gpx_points", pa.concat_tables(tables) if tables else gpx.SCHEMA.empty_table())


def _read_xml(stream: IO[bytes], ctx: ParseContext, sink: BronzeSink, size: int | None) -> None:
    """Parse the XML into bronze tables; tables that got no rows are written empty (mappings join them)."""
    splitter = Splitter(stream, CHUNK_BYTES)
    filled: set[str] = set()

    def on_rows(name: str, rows: int) -> None:
        sink.add_rows(name, rows)
        filled.add(name)

    def on_progress() -> None:
        sink.progress(splitter.bytes_read, size)

    try:
        helpers = helper_count()
        if helpers == 0 or (size is not None and size <= 2 * CHUNK_BYTES):
            for chunk in splitter:
                for name, table in parse_chunk(chunk).items():
                    if table.num_rows:
                        sink.write(name, table)
                        filled.add(name)
                on_progress()
        else:
            read_parallel(splitter, regular_file(stream), sink.part_path, on_rows, on_progress, helpers)
    except ChunkError as exc:
        raise ParseError(ctx.display_name, exc.message) from None
    for name, schema in BRONZE_SCHEMAS.items():
        if name not in filled:
            sink.write(name, schema.empty_table())
    gc.collect()  # hand the parse's memory back before the lake's DuckDB work starts
    pa.default_memory_pool().release_unused()


SOURCE = AppleHealth()
