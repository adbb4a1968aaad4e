"""``biolake sync``: mirror the lake's layers to ``s3://bucket/prefix``, incrementally.

Only files whose content hash differs from the remote manifest move; the manifest is written last, so a
mirror is never described as holding what it does not. Each finished upload is also recorded in a local
manifest: a sync that was interrupted resumes by checking those objects' hashes instead of sending them
again. Remote objects are never deleted unless ``delete`` is set.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from biolake.errors import LakeError, SyncError
from biolake.lake.lock import lake_lock
from biolake.lake.paths import LakePaths
from biolake.sync.manifest import MANIFEST_KEY, Entry, Journal, Manifest, local_manifest_path, save_local
from biolake.sync.plan import LAYERS, Item, Plan, TableSpec, build_plan
from biolake.sync.record import SyncRecord, write_record
from biolake.sync.s3 import Bucket, Connection, Destination


class Progress(Protocol):
    """What a sync reports while it moves bytes (the CLI draws a bar)."""

    def start(self, files: int, total_bytes: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...


@dataclass
class SyncOptions:
    """Everything ``biolake sync`` takes besides the destination."""

    layers: tuple[str, ...] = LAYERS
    dry_run: bool = False
    delete: bool = False
    sse: str | None = None
    connection: Connection = field(default_factory=Connection)
    athena_database: str | None = None
    athena_workgroup: str = "primary"
    share: ShareMaker | None = None
    lock_timeout: float = 30.0


ShareMaker = Callable[[LakePaths, Path], tuple[list[Item], list[TableSpec]]]


@dataclass
class SyncResult:
    """What a sync did (or, for a dry run, would do)."""

    destination: str
    plan: Plan
    uploaded: list[Item] = field(default_factory=list)
    resumed: list[Item] = field(default_factory=list)  # already in the bucket from an interrupted run
    deleted: list[str] = field(default_factory=list)
    athena: list[dict[str, str]] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0


def parse_layers(text: str) -> tuple[str, ...]:
    """``bronze,silver,gold`` → a tuple in layer order; SyncError for an unknown layer."""
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in LAYERS]
    if unknown or not wanted:
        raise SyncError(f"--layers {text}: choose from {', '.join(LAYERS)}")
    return tuple(layer for layer in LAYERS if layer in wanted)


def push(paths: LakePaths, url: str, options: SyncOptions, progress: Progress | None = None) -> SyncResult:
    """Mirror ``options.layers`` of the lake at ``paths`` to ``url``."""
    started, clock = datetime.now(UTC), time.perf_counter()
    dest = Destination.parse(url)
    if not paths.exists():
        raise LakeError(f"no lake at {paths.root}: run 'biolake init' or 'biolake ingest' first")
    if options.share is not None and "bronze" in options.layers:
        raise SyncError("--share cannot include bronze (the original exports): use --layers silver,gold")
    bucket = Bucket(options.connection, dest, options.sse)
    bucket.check()
    remote = _remote_manifest(bucket)
    with (
        lake_lock(paths.lock, options.lock_timeout),
        tempfile.TemporaryDirectory(prefix="biolake-sync-") as staging,
    ):
        plan = build_plan(paths, options.layers, Path(staging), options.share)
        plan.compare(remote, options.layers)
        result = SyncResult(dest.url, plan, dry_run=options.dry_run)
        if options.dry_run:
            result.deleted = plan.stale if options.delete else []
            return result
        _upload(paths, bucket, dest, plan, remote, result, progress)
        if options.delete and plan.stale:
            bucket.delete(plan.stale)
            for key in plan.stale:
                remote.entries.pop(key, None)
            result.deleted = list(plan.stale)
        for spec in plan.tables:
            remote.tables[spec.name] = {
                "layer": spec.layer,
                "folder": spec.folder,
                "partitions": spec.partitions,
                "columns": spec.columns,
            }
        bucket.put(MANIFEST_KEY, remote.to_json())
        local = local_manifest_path(paths.state, dest.url)
        save_local(local, remote)
        Journal(local).clear()
        try:
            if options.athena_database:
                from biolake.sync.athena import register

                result.athena = register(
                    paths, bucket, plan, options.athena_database, options.athena_workgroup
                )
        finally:  # the mirror is complete even when Athena fails: record it
            result.seconds = time.perf_counter() - clock
            write_record(paths, _record(result, options, started))
    return result


def _remote_manifest(bucket: Bucket) -> Manifest:
    data = bucket.get(MANIFEST_KEY)
    if data is None:
        return Manifest()
    try:
        return Manifest.from_json(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise SyncError(f"{bucket.dest.url}/{MANIFEST_KEY}: unreadable manifest ({exc})") from None


def _upload(
    paths: LakePaths,
    bucket: Bucket,
    dest: Destination,
    plan: Plan,
    remote: Manifest,
    result: SyncResult,
    progress: Progress | None,
) -> None:
    """Upload the plan's changed files, journalling each as it lands. Files an interrupted sync already
    uploaded (in its journal, and the object's hash metadata agrees) are not sent again."""
    journal = Journal(local_manifest_path(paths.state, dest.url))
    earlier = journal.read()
    if progress is not None:
        progress.start(len(plan.uploads), plan.upload_bytes)
    for item in plan.uploads:
        entry = Entry(item.sha256, item.size, item.layer, item.lake_path)
        known = earlier.get(item.key)
        if known and known.sha256 == item.sha256 and bucket.remote_sha256(item.key) == item.sha256:
            result.resumed.append(item)
            if progress is not None:
                progress.advance(item.size)
        else:
            bucket.upload(item.path, item.key, item.sha256, progress.advance if progress else None)
            result.uploaded.append(item)
            journal.append(item.key, entry)
        remote.entries[item.key] = entry


def _record(result: SyncResult, options: SyncOptions, started: datetime) -> SyncRecord:
    return SyncRecord(
        started_at=started,
        direction="push",
        destination=result.destination,
        layers=",".join(options.layers),
        share=options.share is not None,
        files_total=len(result.plan.items),
        files_moved=len(result.uploaded),
        bytes_moved=sum(i.size for i in result.uploaded),
        files_unchanged=len(result.plan.unchanged) + len(result.resumed),
        files_stale=len(result.plan.stale),
        files_deleted=len(result.deleted),
        athena_database=options.athena_database,
        seconds=round(result.seconds, 3),
    )
