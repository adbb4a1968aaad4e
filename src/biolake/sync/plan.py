"""What a sync uploads: the lake's files layer by layer, mapped to stable object keys, and the gold
tables exported to Parquet partitioned like silver.

- bronze: ``bronze/files/<sha256>`` (the imported exports), the bronze Parquet tables and the lake's
  logs (``log/<name>``, except the sync log itself), under the same relative paths (never rewritten);
- silver: ``silver/<entity>/year=YYYY/part-NNNNN.parquet``: a partition's files by position, so a
  rewritten partition replaces its objects instead of leaving the old file beside the new one;
- gold: each table of the catalog's ``gold`` schema exported to
  ``gold/<model>/subject_id=<id>/year=YYYY/part-00000.parquet`` (by subject and the year of its date
  column, where the table has them), byte-for-byte the same when the table did not change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from biolake.lake.paths import LakePaths
from biolake.sync.manifest import Manifest, sha256_file

LAYERS = ("bronze", "silver", "gold")
UNSYNCED_LOGS = ("sync",)  # written by the sync itself: syncing it would make every sync upload a file
DATE_COLUMNS = ("date_day", "local_date", "week_start", "month_start", "date")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PARTITION_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")

Transform = Callable[[pa.Table], pa.Table]


@dataclass(frozen=True)
class Item:
    """One file to mirror: its key under the prefix, where its bytes are now, and its hash."""

    key: str
    path: Path
    layer: str
    sha256: str
    size: int
    lake_path: str | None = None


@dataclass
class TableSpec:
    """A table of the mirror: a folder of Parquet files, partitioned by ``key=value`` folders."""

    name: str
    layer: str
    folder: str  # key of the folder, relative to the prefix
    partitions: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # gold: the table's columns in order (for a restore)


@dataclass
class Plan:
    """Every file a full mirror holds, the tables they form, and how they compare to a manifest."""

    items: list[Item]
    tables: list[TableSpec]
    uploads: list[Item] = field(default_factory=list)
    unchanged: list[Item] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # keys the mirror has and the lake no longer makes

    def compare(self, remote: Manifest, layers: Iterable[str]) -> None:
        """Split the items into uploads and unchanged against ``remote``; stale keys of ``layers``."""
        self.uploads, self.unchanged = [], []
        for item in self.items:
            entry = remote.entries.get(item.key)
            (self.unchanged if entry and entry.sha256 == item.sha256 else self.uploads).append(item)
        ours = {i.key for i in self.items}
        chosen = set(layers)
        self.stale = sorted(k for k, e in remote.entries.items() if e.layer in chosen and k not in ours)

    @property
    def upload_bytes(self) -> int:
        return sum(i.size for i in self.uploads)


def item(path: Path, key: str, layer: str, lake_root: Path | None, sha256: str | None = None) -> Item:
    lake_path = path.relative_to(lake_root).as_posix() if lake_root is not None else None
    return Item(key, path, layer, sha256 or sha256_file(path), path.stat().st_size, lake_path)


def partitions_of(rel_folder: str) -> list[str]:
    """The ``key=value`` folder names of a path, as partition column names."""
    return [m.group(1) for part in rel_folder.split("/") if (m := PARTITION_RE.match(part))]


def bronze_items(paths: LakePaths) -> tuple[list[Item], list[TableSpec]]:
    """The imported exports, the bronze Parquet tables and the logs, under their lake paths."""
    items: list[Item] = []
    tables: list[TableSpec] = []
    root = paths.root
    if paths.files.is_dir():
        for f in sorted(p for p in paths.files.iterdir() if p.is_file() and not p.name.startswith(".")):
            # content-addressed: the name is the hash (a pull still checks the bytes against it)
            known = f.name if SHA256_RE.match(f.name) else None
            items.append(item(f, f.relative_to(root).as_posix(), "bronze", root, known))
    folders: list[tuple[str, Path]] = []
    if paths.bronze.is_dir():
        for source in sorted(p for p in paths.bronze.iterdir() if p.is_dir() and p.name != "files"):
            folders += [
                (f"bronze_{source.name}__{e.name}", e) for e in sorted(source.iterdir()) if e.is_dir()
            ]
    logs = paths.root / "log"
    if logs.is_dir():
        for folder in sorted(p for p in logs.iterdir() if p.is_dir() and p.name not in UNSYNCED_LOGS):
            folders.append((f"{folder.name}_log", folder))
    for name, folder in folders:
        files = sorted(f for f in folder.rglob("*.parquet") if not f.name.startswith("."))
        if not files:
            continue
        items += [item(f, f.relative_to(root).as_posix(), "bronze", root) for f in files]
        rel = folder.relative_to(root).as_posix()
        parts = sorted({p for f in files for p in partitions_of(f.parent.relative_to(folder).as_posix())})
        tables.append(TableSpec(name, "bronze", rel, parts))
    return items, tables


def silver_items(paths: LakePaths) -> tuple[list[Item], list[TableSpec]]:
    """Silver's Parquet files, each partition's files keyed by position (``part-NNNNN.parquet``)."""
    items: list[Item] = []
    tables: list[TableSpec] = []
    if not paths.silver.is_dir():
        return items, tables
    for entity in sorted(p for p in paths.silver.iterdir() if p.is_dir()):
        files = sorted(f for f in entity.rglob("*.parquet") if not f.name.startswith("."))
        if not files:
            continue
        by_folder: dict[Path, list[Path]] = {}
        for f in files:
            by_folder.setdefault(f.parent, []).append(f)
        for folder, group in by_folder.items():
            rel = folder.relative_to(paths.root).as_posix()
            for n, f in enumerate(group):
                items.append(item(f, f"{rel}/part-{n:05d}.parquet", "silver", paths.root))
        parts = sorted({p for f in files for p in partitions_of(f.parent.relative_to(entity).as_posix())})
        tables.append(TableSpec(entity.name, "silver", f"silver/{entity.name}", parts))
    return items, tables


def year_column(schema: pa.Schema) -> str | None:
    """The date column a table is partitioned by year on: a known name, else its first DATE column."""
    dates = [f.name for f in schema if pa.types.is_date(f.type)]
    return next((c for c in DATE_COLUMNS if c in dates), dates[0] if dates else None)


def write_partitioned(table: pa.Table, out: Path, folder: str, layer: str) -> tuple[list[Item], TableSpec]:
    """Write ``table`` under ``out/folder`` partitioned by ``subject_id`` and the year of its date column
    (where it has them); deterministic bytes for the same rows in the same order."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    columns = list(table.column_names)
    keys: list[tuple[str, pa.Array]] = []
    if "subject_id" in columns:
        keys.append(("subject_id", table.column("subject_id").combine_chunks()))
    date_col = year_column(table.schema)
    if date_col is not None:
        keys.append(("year", pc.year(table.column(date_col)).combine_chunks()))
    file_table = table.drop_columns(["subject_id"]) if "subject_id" in columns else table
    groups: dict[tuple[Any, ...], list[int]] = {}
    values = [k[1].to_pylist() for k in keys]
    for row, combo in enumerate(zip(*values, strict=True) if values else [()] * table.num_rows):
        groups.setdefault(tuple(combo), []).append(row)
    if not groups:
        groups[tuple("__null__" for _ in keys)] = []
    items: list[Item] = []
    for combo, rows in sorted(groups.items(), key=lambda kv: tuple(str(v) for v in kv[0])):
        segments = [
            f"{name}={quote('__null__' if v is None else str(v), safe='')}"
            for (name, _), v in zip(keys, combo, strict=True)
        ]
        rel = "/".join([folder, *segments, "part-00000.parquet"])
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(file_table.take(pa.array(rows, type=pa.int64())), path, compression="zstd")
        items.append(item(path, rel, layer, None))
    name = folder.rsplit("/", 1)[-1]
    spec = TableSpec(name, layer, folder, [k for k, _ in keys], columns)
    return items, spec


def gold_tables(paths: LakePaths) -> list[str]:
    """The tables of the catalog's gold schema."""
    from biolake.lake.catalog import open_catalog

    if not paths.catalog.is_file():
        return []
    con = open_catalog(paths)
    try:
        rows = con.sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'gold' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows]


def gold_items(
    paths: LakePaths, out: Path, transform: Transform | None = None
) -> tuple[list[Item], list[TableSpec]]:
    """Export every gold table to Parquet under ``out/gold/<model>/`` (``transform`` first, if any)."""
    from biolake.lake.catalog import open_catalog

    names = gold_tables(paths)
    items: list[Item] = []
    tables: list[TableSpec] = []
    if not names:
        return items, tables
    con = open_catalog(paths)
    try:
        for name in names:
            table = con.sql(f'SELECT * FROM gold."{name}"').to_arrow_table()
            if transform is not None:
                table = transform(table)
            got, spec = write_partitioned(table, out, f"gold/{name}", "gold")
            spec.name = f"gold_{name}"
            items += got
            tables.append(spec)
    finally:
        con.close()
    return items, tables


def build_plan(
    paths: LakePaths,
    layers: Iterable[str],
    staging: Path,
    share: Callable[[LakePaths, Path], tuple[list[Item], list[TableSpec]]] | None = None,
) -> Plan:
    """Every item and table of ``layers``; gold (and, in share mode, everything) is written to ``staging``."""
    items: list[Item] = []
    tables: list[TableSpec] = []
    if share is not None:
        got, specs = share(paths, staging)
        return Plan(got, specs)
    for layer in layers:
        if layer == "bronze":
            got, specs = bronze_items(paths)
        elif layer == "silver":
            got, specs = silver_items(paths)
        else:
            got, specs = gold_items(paths, staging)
        items += got
        tables += specs
    return Plan(items, tables)
