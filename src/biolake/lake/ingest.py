"""Import exports into the lake, and rebuild silver from bronze.

Each input is its own transaction: copied into staging while hashed, parsed to bronze Parquet, mapped
to silver, validated (bad rows to quarantine), merged on natural keys, then committed with a move of
every staged file and a log entry. A failure anywhere before the commit leaves the lake untouched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from biolake import __version__
from biolake.config import Settings, render_config
from biolake.errors import BiolakeError, FileError, LakeError, ParseError
from biolake.lake import catalog
from biolake.lake.catalog import glob_literal
from biolake.lake.crosssource import by_source_name, has_rule, write_resolved
from biolake.lake.ingestlog import LogEntry, already_imported, entry_path, read_entries, write_entry
from biolake.lake.inputs import BadInput, Input, expand
from biolake.lake.lock import lake_lock
from biolake.lake.merge import EntityCounts, merge_entity, stage_rows
from biolake.lake.paths import LakePaths
from biolake.lake.schema import entity
from biolake.lake.silver import lineage_literals, set_context, silver_relation
from biolake.lake.staging import Staging, StagingSink
from biolake.sources.base import SNIFF_BYTES, ParseContext, Source, detect, get_source

log = logging.getLogger(__name__)

# (file display name, bytes done, bytes total if known, bronze rows so far)
ProgressFn = Callable[[str, int, int | None, int], None]


@dataclass
class FileResult:
    """What happened to one input."""

    file: str
    status: str  # imported | skipped | failed
    source: str | None = None
    sha256: str | None = None
    size_bytes: int = 0
    rows_bronze: int = 0
    entities: dict[str, EntityCounts] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def rows_new(self) -> int:
        return sum(c.new for c in self.entities.values())

    @property
    def rows_duplicate(self) -> int:
        return sum(c.duplicate for c in self.entities.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(c.quarantined for c in self.entities.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "status": self.status,
            "source": self.source,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "rows_bronze": self.rows_bronze,
            "rows_new": self.rows_new,
            "rows_duplicate": self.rows_duplicate,
            "rows_quarantined": self.rows_quarantined,
            "entities": {k: vars(v) for k, v in sorted(self.entities.items())},
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


def _now() -> datetime:
    return datetime.now(UTC)


def ensure_lake(settings: Settings, with_catalog: bool = True) -> LakePaths:
    """Create the lake's folders, catalog and commented config if missing; check it is writable
    (``with_catalog=False``: the caller writes the catalog itself when it is done)."""
    paths = LakePaths.at(settings.lake)
    if paths.root.exists() and not paths.root.is_dir():
        raise LakeError(f"lake path {paths.root} exists and is not a directory")
    created = not paths.exists()
    try:
        for folder in paths.layout():
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (paths.root, paths.staging):
            fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe-")
            os.close(fd)
            Path(probe).unlink()
    except OSError as exc:
        raise LakeError(f"lake directory {paths.root} is not writable ({exc.strerror})") from None
    if created:
        if not paths.config.exists():
            paths.config.write_text(render_config(settings), encoding="utf-8")
        if with_catalog:
            catalog.refresh_catalog(paths)
    return paths


def ingest(
    settings: Settings,
    targets: list[Path],
    source: str | None = None,
    on_progress: ProgressFn | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Import every export under ``targets``; one FileResult per input, in order."""
    forced = get_source(source) if source else None
    paths = ensure_lake(settings, with_catalog=False)
    results: list[FileResult] = []
    with lake_lock(paths.lock, settings.lock_timeout):
        for item in expand(targets):
            if isinstance(item, BadInput):
                result = FileResult(item.display, "failed", error=str(item.error))
            else:
                result = _ingest_one(paths, settings, item, forced, on_progress)
            results.append(result)
            if on_result:
                on_result(result)
        if any(r.status == "imported" for r in results) or not paths.catalog.exists():
            catalog.refresh_catalog(paths)
    return results


def _ingest_one(
    paths: LakePaths, settings: Settings, item: Input, forced: Source | None, on_progress: ProgressFn | None
) -> FileResult:
    started = _now()
    clock = time.perf_counter()
    ingest_id = f"{started:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:8]}"
    result = FileResult(item.display, "failed")
    staging = Staging(paths, ingest_id)

    def lap(what: str) -> None:
        log.debug("%s: %s at %.2f s", item.display, what, time.perf_counter() - clock)

    finish_copy: Callable[[], Path] | None = None
    try:
        acquired = _acquire(paths, settings, item, staging, result)
        if acquired is None:
            return result
        read_path, finish_copy = acquired
        total = read_path.stat().st_size
        with read_path.open("rb") as fh:
            src = forced or item.source_hint or detect(fh.read(SNIFF_BYTES), item.name, item.display)
        result.source = src.name
        ctx = ParseContext(settings.subject, settings.timezone, settings.units, item.display)

        def progress(done: int, size: int | None, rows: int) -> None:
            if on_progress:
                on_progress(item.display, done, size or total, rows)

        sink = StagingSink(staging, src.name, ingest_id, progress)
        with read_path.open("rb") as fh:
            src.parse(fh, ctx, sink)
        result.rows_bronze = sum(sink.counts.values())
        lap(f"parsed {result.rows_bronze} bronze rows")
        if result.rows_bronze == 0:
            raise ParseError(item.display, f"no records found in this {src.name} file")
        staged = finish_copy()
        lineage = lineage_literals(src.name, result.sha256 or "", started.isoformat())
        result.entities = _to_silver(paths, staging, src, sink, ctx, lineage, ingest_id)
        lap("merged into silver")
        stored = paths.files / (result.sha256 or "")
        if not stored.exists():
            staging.mirror(stored).parent.mkdir(parents=True, exist_ok=True)
            staged.rename(staging.mirror(stored))
        result.seconds = time.perf_counter() - clock
        write_entry(staging.mirror(entry_path(paths, ingest_id)), _log_entry(result, ingest_id, ctx, started))
        staging.commit()
        lap("committed")
        result.status = "imported"
    except BiolakeError as exc:
        result.error = str(exc) if isinstance(exc, FileError) else f"{item.display}: {exc}"
        log.debug("import of %s failed", item.display, exc_info=True)
    finally:
        if finish_copy is not None and result.status != "imported":
            with contextlib.suppress(BiolakeError, OSError):
                finish_copy()  # let a background copy end before its folder is removed
        staging.discard()
        result.seconds = time.perf_counter() - clock
    return result


def _acquire(
    paths: LakePaths, settings: Settings, item: Input, staging: Staging, result: FileResult
) -> tuple[Path, Callable[[], Path]] | None:
    """Copy the input into staging while hashing it; None if these bytes were imported already.

    Returns the file to parse and a function giving the staged copy once it is complete. A regular file
    whose size no earlier import had cannot be a re-import, so it is parsed in place while the copy runs
    in the background (and refused if it changes meanwhile); anything else is copied first."""
    entries = read_entries(paths)
    path = item.path
    before = path.stat() if path is not None else None
    if path is not None and before is not None and all(e.size_bytes != before.st_size for e in entries):
        wait = staging.copy_in_background(item.open)

        def finish() -> Path:
            staged, result.sha256, result.size_bytes = wait()
            after = path.stat()
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                raise FileError(item.display, "the file changed while it was being imported; try again")
            return staged

        return path, finish
    staged, result.sha256, result.size_bytes = staging.copy_in(item.open)
    prior = already_imported(entries, result.sha256, settings.subject)
    if prior is not None:
        result.status, result.source = "skipped", prior.source
        return None
    return staged, lambda: staged


def _to_silver(
    paths: LakePaths,
    staging: Staging,
    src: Source,
    sink: StagingSink,
    ctx: ParseContext,
    lineage: dict[str, str],
    ingest_id: str,
) -> dict[str, EntityCounts]:
    """Map this file's bronze tables to silver, quarantine bad rows and merge the rest."""

    def bronze(name: str) -> str | None:
        return _bronze_parts(sink.folder(name), ingest_id)

    con = catalog.memory_connection(temp_dir=staging.tmp)
    try:
        set_context(con, ctx)
        filled = {name for name, rows in sink.counts.items() if rows}
        names = _stage_silver(con, src, bronze, filled, lineage, staging, ingest_id)
        return _merge_all(con, paths, staging, names, ingest_id)
    except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
        raise ParseError(ctx.display_name, f"cannot convert to silver: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


def _stage_silver(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    bronze: Callable[[str], str | None],
    filled: set[str],
    lineage: dict[str, str],
    staging: Staging,
    tag: str,
) -> list[str]:
    """Run each mapping whose bronze table is in ``filled``; stage its rows under ``work/<entity>/``."""
    staged: list[str] = []
    for i, mapping in enumerate(src.silver):
        if mapping.bronze not in filled:
            continue

        def relation(name: str) -> str:
            glob = bronze(name)
            if glob is None:
                raise ParseError(tag, f"bronze table {name} is missing")
            return f"read_parquet({glob}, union_by_name = true)"

        sql = silver_relation(con, mapping, relation, lineage)
        stage_rows(con, entity(mapping.silver), sql, staging.work / mapping.silver / f"{tag}-{i:02d}.parquet")
        if mapping.silver not in staged:
            staged.append(mapping.silver)
    return staged


def _log_entry(result: FileResult, ingest_id: str, ctx: ParseContext, started: datetime) -> LogEntry:
    assert result.sha256 is not None and result.source is not None
    return LogEntry(
        ingest_id=ingest_id,
        file=result.file,
        sha256=result.sha256,
        size_bytes=result.size_bytes,
        source=result.source,
        subject_id=ctx.subject,
        timezone=ctx.timezone,
        units=ctx.units,
        started_at=started,
        finished_at=_now(),
        rows_bronze=result.rows_bronze,
        rows_new=result.rows_new,
        rows_duplicate=result.rows_duplicate,
        rows_quarantined=result.rows_quarantined,
        entities={k: vars(v) for k, v in result.entities.items()},
        biolake_version=__version__,
    )


def rebuild(settings: Settings) -> dict[str, EntityCounts]:
    """Recreate silver (and quarantine) from bronze and the ingestion log; rows per entity."""
    paths = ensure_lake(settings)
    with lake_lock(paths.lock, settings.lock_timeout):
        rebuild_id = f"rebuild-{_now():%Y%m%dT%H%M%S%f}Z"
        staging = Staging(paths, rebuild_id)
        try:
            con = catalog.memory_connection(temp_dir=staging.tmp)
            try:
                names: dict[str, None] = {}  # entities staged, in first-seen order
                for entry in read_entries(paths):
                    names.update(dict.fromkeys(_restage(con, paths, staging, entry)))
                totals = _merge_all(con, paths, staging, list(names), rebuild_id, fresh=True)
            finally:
                con.close()
            staging.replaced = [
                p for base in (paths.silver, paths.quarantine) for p in base.rglob("*.parquet")
            ]
            staging.commit()
        finally:
            staging.discard()
    catalog.refresh_catalog(paths)
    return totals


def _restage(
    con: duckdb.DuckDBPyConnection, paths: LakePaths, staging: Staging, entry: LogEntry
) -> list[str]:
    """Stage the silver rows of one logged import again, from its bronze parts, as it was imported."""
    src = get_source(entry.source)
    set_context(con, ParseContext(entry.subject_id, entry.timezone, entry.units, entry.file))

    def bronze(name: str) -> str | None:
        return _bronze_parts(paths.bronze_entity(src.name, name), entry.ingest_id)

    present = {m.bronze for m in src.silver if bronze(m.bronze)}
    lineage = lineage_literals(src.name, entry.sha256, entry.started_at.isoformat())
    return _stage_silver(con, src, bronze, present, lineage, staging, entry.ingest_id)


def _bronze_parts(folder: Path, ingest_id: str) -> str | None:
    """The parts one import wrote to a bronze folder (a SQL glob literal), or None if it wrote none."""
    pattern = f"{ingest_id}-*.parquet"
    return glob_literal(folder, pattern) if any(folder.glob(pattern)) else None


def _merge_all(
    con: duckdb.DuckDBPyConnection,
    paths: LakePaths,
    staging: Staging,
    names: list[str],
    tag: str,
    fresh: bool = False,
) -> dict[str, EntityCounts]:
    """Merge every staged entity into its silver partitions (``fresh``: ignore what silver holds); an
    entity with a cross-source rule is merged into ``<entity>_by_source`` and then derived from it."""
    counts: dict[str, EntityCounts] = {}
    for name in names:
        folder = by_source_name(name) if has_rule(name) else name
        work = glob_literal(staging.work / name, "*.parquet")
        counts[name] = merge_entity(con, entity(name), work, paths.silver_entity(folder), staging, tag, fresh)
    for name in names:
        if has_rule(name) and (counts[name].new or counts[name].duplicate or fresh):  # a revision too
            counts[name].folded = write_resolved(con, name, paths, staging, tag, fresh)
    return counts
