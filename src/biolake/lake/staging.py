"""A staging area inside the lake: everything an import writes lands here first, then moves in at once.

Nothing under the lake's real folders changes until :meth:`Staging.commit`; a failure before it only
removes the staging folder, so the lake stays exactly as it was.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from biolake.lake.paths import LakePaths
from biolake.sources.base import BRONZE_CODEC

COPY_BLOCK = 4 * 1024 * 1024


class Staging:
    """One import's private folder under ``<lake>/.staging``, mirroring the lake's layout."""

    def __init__(self, paths: LakePaths, ingest_id: str) -> None:
        self.lake = paths
        self.root = paths.staging / ingest_id
        self.root.mkdir(parents=True)
        self.work = self.root / "work"
        self.tmp = self.root / "tmp"
        self.tmp.mkdir()
        self.replaced: list[Path] = []  # lake files the commit removes (superseded silver parts)

    def mirror(self, lake_path: Path) -> Path:
        """The staging path standing for ``lake_path``."""
        return self.root / "lake" / lake_path.relative_to(self.lake.root)

    def copy_in(self, opener: Callable[[], IO[bytes]]) -> tuple[Path, str, int]:
        """Copy an input into staging while hashing it; return (staged path, sha256, size)."""
        staged = self.tmp / "input"
        digest = hashlib.sha256()
        size = 0
        with opener() as src, staged.open("wb") as dst:
            while block := src.read(COPY_BLOCK):
                digest.update(block)
                dst.write(block)
                size += len(block)
        return staged, digest.hexdigest(), size

    def copy_in_background(self, opener: Callable[[], IO[bytes]]) -> Callable[[], tuple[Path, str, int]]:
        """Start :meth:`copy_in` in a thread (hashing and file writes release the GIL); return a function
        that waits for it and returns its result or raises its error."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="biolake-copy")
        future = pool.submit(self.copy_in, opener)
        pool.shutdown(wait=False)  # no `with`: its exit would wait for the copy here
        return future.result

    def commit(self) -> None:
        """Move every staged file into the lake, then delete the files it supersedes."""
        staged_lake = self.root / "lake"
        if staged_lake.is_dir():
            for src in sorted(p for p in staged_lake.rglob("*") if p.is_file()):
                dst = self.lake.root / src.relative_to(staged_lake)
                dst.parent.mkdir(parents=True, exist_ok=True)
                src.replace(dst)
        for old in self.replaced:
            old.unlink(missing_ok=True)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class StagingSink:
    """A BronzeSink writing each bronze table as Parquet parts into staging."""

    def __init__(
        self,
        staging: Staging,
        source: str,
        ingest_id: str,
        on_progress: Callable[[int, int | None, int], None] | None = None,
    ) -> None:
        self.staging = staging
        self.source = source
        self.ingest_id = ingest_id
        self.counts: dict[str, int] = {}
        self._parts: dict[str, int] = {}
        self._on_progress = on_progress

    def folder(self, entity: str) -> Path:
        return self.staging.mirror(self.staging.lake.bronze_entity(self.source, entity))

    def part_path(self, entity: str) -> Path:
        n = self._parts.get(entity, 0)
        self._parts[entity] = n + 1
        folder = self.folder(entity)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.ingest_id}-{n:05d}.parquet"

    def write(self, entity: str, table: pa.Table) -> None:
        """Write a part; an empty table still records the bronze table's schema."""
        pq.write_table(table, self.part_path(entity), compression=BRONZE_CODEC)
        self.add_rows(entity, table.num_rows)

    def add_rows(self, entity: str, rows: int) -> None:
        self.counts[entity] = self.counts.get(entity, 0) + rows

    def progress(self, done: int, total: int | None = None) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, sum(self.counts.values()))
