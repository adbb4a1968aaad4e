"""Parse chunks on every core: worker processes plus the calling process itself.

Workers are plain subprocesses (``python -m biolake.sources.apple_health.worker``; see
:mod:`biolake.sources.helpers`, which may have started them early). A request is one JSON line naming a
byte range of a file, so no chunk data crosses a pipe when the export is a regular file (a chunk of a
zip member is spilled to a temporary file). The caller keeps each worker's queue two chunks deep and
parses the next chunk itself whenever every queue is full.
"""

from __future__ import annotations

import os
import selectors
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from biolake.sources import helpers
from biolake.sources.apple_health.reader import BRONZE_SCHEMAS, Chunk, ChunkError, parse_chunk_to_parquet

QUEUE_DEPTH = 2


def read_parallel(
    chunks: Any,
    source_path: Path | None,
    part_path: Callable[[str], Path],
    on_rows: Callable[[str, int], None],
    on_progress: Callable[[], None],
    workers: int,
) -> None:
    """Parse every chunk of ``chunks`` (an iterator of Chunk) with ``workers`` helper processes."""
    pool = helpers.take(workers)
    selector = selectors.DefaultSelector()
    for w in pool:
        assert w.proc.stdout is not None
        selector.register(w.proc.stdout, selectors.EVENT_READ, w)
    spills: list[Path] = []

    def absorb(answer: dict[str, Any]) -> None:
        if "error" in answer:
            raise ChunkError(int(answer.get("line", 0)), str(answer["error"]))
        for name, rows in answer["counts"].items():
            on_rows(name, int(rows))

    def drain(block: bool) -> None:
        while any(w.pending for w in pool):
            ready = selector.select(timeout=None if block else 0)
            if not ready:
                return
            for key, _ in ready:
                try:
                    answers = key.data.receive()
                except EOFError as exc:
                    raise ChunkError(0, str(exc)) from None
                for answer in answers:
                    absorb(answer)
            on_progress()

    try:
        for chunk in chunks:
            targets = {name: part_path(name) for name in BRONZE_SCHEMAS}
            worker = min(pool, key=lambda w: w.pending)
            if worker.pending < QUEUE_DEPTH:
                worker.send(_request(chunk, targets, source_path, spills))
            else:
                for name, rows in parse_chunk_to_parquet(chunk, targets).items():
                    on_rows(name, rows)
                on_progress()
            drain(block=False)
        drain(block=True)
    finally:
        selector.close()
        for w in pool:
            w.close()
        for spill in spills:
            spill.unlink(missing_ok=True)


def _request(
    chunk: Chunk, targets: dict[str, Path], source: Path | None, spills: list[Path]
) -> dict[str, Any]:
    if source is not None:
        path, offset, delete = source, chunk.offset, False
    else:
        fd, name = tempfile.mkstemp(prefix="biolake-chunk-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(chunk.data)
        path, offset, delete = Path(name), 0, True
        spills.append(path)
    return {
        "index": chunk.index,
        "first_line": chunk.first_line,
        "meta": list(chunk.meta),
        "path": str(path),
        "offset": offset,
        "length": len(chunk.data),
        "delete": delete,
        "targets": {name: str(p) for name, p in targets.items()},
    }


def regular_file(stream: IO[bytes]) -> Path | None:
    """The path of ``stream`` if it is an open regular file (not, say, a zip member that merely has a
    name): its descriptor and the path must be the same file."""
    name = getattr(stream, "name", None)
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    if not isinstance(name, str):
        return None
    path = Path(name).absolute()
    try:
        opened, named = os.fstat(fd), path.stat()
    except OSError:
        return None
    return path if (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino) else None
