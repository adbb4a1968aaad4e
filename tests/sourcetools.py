"""Run one source on one file without a lake: parse into memory, map to silver, return rows."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pyarrow as pa

from biolake.lake.silver import lineage_literals, set_context, silver_relation
from biolake.sources.base import ParseContext, Source


class MemorySink:
    """A BronzeSink that keeps tables in memory."""

    def __init__(self, tmp: Path | None = None) -> None:
        self.tables: dict[str, list[pa.Table]] = {}
        self.external: dict[str, list[Path]] = {}
        self.counts: dict[str, int] = {}
        self.tmp = tmp
        self.bytes_read = 0

    def write(self, entity: str, table: pa.Table) -> None:
        self.tables.setdefault(entity, []).append(table)
        self.counts[entity] = self.counts.get(entity, 0) + table.num_rows

    def part_path(self, entity: str) -> Path:
        assert self.tmp is not None, "this parser writes parts itself: give MemorySink a tmp dir"
        paths = self.external.setdefault(entity, [])
        path = self.tmp / f"{entity}-{len(paths)}.parquet"
        paths.append(path)
        return path

    def add_rows(self, entity: str, rows: int) -> None:
        self.counts[entity] = self.counts.get(entity, 0) + rows

    def progress(self, done: int, total: int | None = None) -> None:
        self.bytes_read = done

    def bronze(self, entity: str) -> pa.Table:
        import pyarrow.parquet as pq

        parts = list(self.tables.get(entity, []))
        parts += [pq.read_table(p) for p in self.external.get(entity, [])]
        return pa.concat_tables(parts, promote_options="default")


def ctx(subject: str = "me", timezone: str = "UTC", units: str = "metric", name: str = "f") -> ParseContext:
    return ParseContext(subject=subject, timezone=timezone, units=units, display_name=name)


def parse_bytes(
    source: Source, data: bytes, context: ParseContext | None = None, tmp: Path | None = None
) -> MemorySink:
    sink = MemorySink(tmp)
    source.parse(io.BytesIO(data), context or ctx(), sink)
    return sink


def to_silver(source: Source, sink: MemorySink, context: ParseContext | None = None) -> dict[str, list[dict]]:
    """Silver rows per entity, as dicts, in a stable order."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    set_context(con, context or ctx())
    present = set(sink.tables) | set(sink.external)
    for name in present:
        con.register(f"bronze_{name}", sink.bronze(name))
    out: dict[str, list[dict]] = {}
    lineage = lineage_literals(source.name, "0" * 64, "2026-01-01T00:00:00+00:00")
    for mapping in source.silver:
        if mapping.bronze not in present:
            continue
        sql = silver_relation(con, mapping, lambda e: f"bronze_{e}", lineage)
        rel = con.sql(f"SELECT * RENAME (_problem AS _reason) FROM ({sql})")
        cols = rel.columns
        out.setdefault(mapping.silver, []).extend(dict(zip(cols, r, strict=True)) for r in rel.fetchall())
    return out


def run(
    source: Source, path: Path, context: ParseContext | None = None, tmp: Path | None = None
) -> dict[str, list[dict]]:
    context = context or ctx(name=path.name)
    return to_silver(source, parse_bytes(source, path.read_bytes(), context, tmp), context)
