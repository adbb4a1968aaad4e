"""``biolake sync --pull``: restore a lake from its mirror (a new machine, a lost disk).

Every object the manifest lists is downloaded next to its place in the lake under a temporary name, its
SHA-256 checked against the manifest, then renamed into place; the gold exports are loaded back into the
catalog's ``gold`` schema. A lake that already holds other bronze or silver files is refused, so a pull
never mixes two lakes.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from biolake.errors import SyncError
from biolake.lake.lock import lake_lock
from biolake.lake.paths import LakePaths
from biolake.sync.manifest import Entry, Manifest, sha256_file
from biolake.sync.push import Progress, _remote_manifest
from biolake.sync.record import SyncRecord, write_record
from biolake.sync.s3 import Bucket, Connection, Destination

HIVE_TYPES = {"subject_id": "VARCHAR", "year": "INTEGER"}


@dataclass
class PullResult:
    """What a pull restored."""

    source: str
    downloaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # already in the lake with the same hash
    gold_tables: list[str] = field(default_factory=list)
    seconds: float = 0.0


def pull(
    paths: LakePaths,
    url: str,
    connection: Connection,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
) -> PullResult:
    """Restore the lake at ``paths`` from the mirror at ``url``, verifying every file's hash."""
    started, clock = datetime.now(UTC), time.perf_counter()
    dest = Destination.parse(url)
    bucket = Bucket(connection, dest)
    bucket.check()
    manifest = _remote_manifest(bucket)
    if not manifest.entries:
        raise SyncError(f"{dest.url}: no biolake mirror there (no {dest.key('_biolake/manifest.json')})")
    if not any(e.lake_path for e in manifest.entries.values()):
        raise SyncError(f"{dest.url}: a shared copy (--share), not a mirror of a lake: nothing to restore")
    _refuse_foreign_files(paths, manifest)
    result = PullResult(dest.url)
    files = {k: e for k, e in manifest.entries.items() if e.lake_path is not None}
    gold = {k: e for k, e in manifest.entries.items() if e.lake_path is None}
    todo = {k: e for k, e in files.items() if not _present(paths.root / str(e.lake_path), e)}
    result.present = sorted(set(files) - set(todo))
    for folder in paths.layout():
        folder.mkdir(parents=True, exist_ok=True)
    with lake_lock(paths.lock, lock_timeout), tempfile.TemporaryDirectory(prefix="biolake-pull-") as tmp:
        if progress is not None:
            progress.start(len(todo) + len(gold), sum(e.size for e in [*todo.values(), *gold.values()]))
        for key, entry in sorted(todo.items()):
            _fetch(bucket, key, entry, paths.root / str(entry.lake_path), progress)
            result.downloaded.append(key)
        for key, entry in sorted(gold.items()):
            _fetch(bucket, key, entry, Path(tmp) / key, progress)
            result.downloaded.append(key)
        from biolake.lake.catalog import refresh_catalog

        refresh_catalog(paths)
        result.gold_tables = _load_gold(paths, manifest, Path(tmp))
    result.seconds = time.perf_counter() - clock
    write_record(
        paths,
        SyncRecord(
            started_at=started,
            direction="pull",
            destination=dest.url,
            layers=",".join(sorted({e.layer for e in manifest.entries.values()})),
            files_total=len(manifest.entries),
            files_moved=len(result.downloaded),
            bytes_moved=sum(manifest.entries[k].size for k in result.downloaded),
            files_unchanged=len(result.present),
            seconds=round(result.seconds, 3),
        ),
    )
    return result


def _present(path: Path, entry: Entry) -> bool:
    return path.is_file() and path.stat().st_size == entry.size and sha256_file(path) == entry.sha256


def _refuse_foreign_files(paths: LakePaths, manifest: Manifest) -> None:
    """SyncError when the lake holds bronze or silver files the mirror does not (or with other bytes)."""
    known = {str(e.lake_path): e for e in manifest.entries.values() if e.lake_path}
    foreign = []
    for folder in (paths.bronze, paths.silver):
        if not folder.is_dir():
            continue
        for f in folder.rglob("*"):
            if not f.is_file() or f.name.startswith("."):
                continue
            rel = f.relative_to(paths.root).as_posix()
            if rel not in known or not _present(f, known[rel]):
                foreign.append(rel)
    if foreign:
        raise SyncError(
            f"{paths.root} already holds {len(foreign)} file(s) that are not in the mirror "
            f"(e.g. {sorted(foreign)[0]}): pull into a new or empty lake"
        )


def _fetch(bucket: Bucket, key: str, entry: Entry, target: Path, progress: Progress | None) -> None:
    """Download ``key`` to ``target`` through a temporary name, checking its hash before the rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.pull")
    try:
        bucket.download(key, tmp, entry.size, progress.advance if progress else None)
        got = sha256_file(tmp)
        if got != entry.sha256:
            raise SyncError(f"{bucket.dest.url}/{key}: content hash {got[:12]}… does not match the manifest")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _load_gold(paths: LakePaths, manifest: Manifest, folder: Path) -> list[str]:
    """Create the catalog's gold tables from the downloaded exports (partition columns restored)."""
    import duckdb

    from biolake.lake.catalog import glob_literal

    loaded: list[str] = []
    specs = {n: t for n, t in manifest.tables.items() if t.get("layer") == "gold"}
    if not specs:
        return loaded
    con = duckdb.connect(str(paths.catalog))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("CREATE SCHEMA IF NOT EXISTS gold")
        for spec in specs.values():
            source = folder / spec["folder"]
            if not source.is_dir():
                continue
            name = spec["folder"].rsplit("/", 1)[-1]
            types = {k: v for k, v in HIVE_TYPES.items() if k in spec["partitions"]}
            hive = ", ".join(f"'{k}': '{v}'" for k, v in types.items())
            options = f", hive_types = {{{hive}}}" if hive else ""
            cols = ", ".join(f'"{c}"' for c in spec["columns"])
            con.execute(
                f'CREATE OR REPLACE TABLE gold."{name}" AS SELECT {cols} FROM read_parquet('
                f"{glob_literal(source, '**/*.parquet')}, hive_partitioning = true{options}, "
                "union_by_name = true)"
            )
            loaded.append(name)
    finally:
        con.close()
    return loaded


__all__ = ["Connection", "PullResult", "pull"]
