"""Helper processes that parse chunks of big Apple Health exports, startable before the heavy imports.

A helper is ``python -m biolake.sources.apple_health.worker``; starting one costs an interpreter and its
imports (~0.2 s). :func:`prestart` lets ``biolake ingest`` begin that while the main process is still
importing DuckDB and Arrow, on a core that would otherwise idle, so the helper is ready when the first
chunk is. This module imports only the standard library.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

WORKER_MODULE = "biolake.sources.apple_health.worker"
PRESTART_MIN_BYTES = 8 * 1024 * 1024  # smaller exports are parsed in-process (two 4 MB chunks)
HEAD_BYTES = 64 * 1024

_spare: list[Worker] = []


def helper_count() -> int:
    """Parsing processes besides this one: one per extra core, or ``BIOLAKE_WORKERS`` - 1."""
    cores = int(os.environ.get("BIOLAKE_WORKERS", "0")) or os.cpu_count() or 1
    return max(cores - 1, 0)


class Worker:
    """One parsing subprocess and the number of requests it has not answered yet.

    A request and its answer are one JSON line each. Answers are read with ``os.read`` and split into
    lines here: a buffered ``readline`` could pull two answers into Python's buffer, after which
    ``select`` would never report the second one."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=env,
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.pending = 0
        self._partial = b""

    def send(self, request: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.pending += 1

    def receive(self) -> list[dict[str, Any]]:
        """The answers that have arrived (call when the pipe is readable; blocks until some bytes do).

        Raises ``EOFError`` if the process has stopped."""
        data = os.read(self.fd, 1 << 16)
        if not data:
            raise EOFError(f"a parsing worker stopped unexpectedly (exit code {self.proc.poll()})")
        *lines, self._partial = (self._partial + data).split(b"\n")
        self.pending -= len(lines)
        return [json.loads(line) for line in lines]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def _big_export(path: Path) -> bool:
    """Whether ``path`` is a file large enough to be parsed in chunks that looks like an Apple Health
    export (``<HealthData`` near its start) or a zip (likely one: a wrong guess costs one idle helper)."""
    try:
        if not path.is_file() or path.stat().st_size < PRESTART_MIN_BYTES:
            return False
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    return head.startswith(b"PK\x03\x04") or b"<HealthData" in head


def prestart(paths: list[Path]) -> None:
    """Start the helpers now if one of ``paths`` (files; folders are not walked) is a big export."""
    if _spare or not any(_big_export(p) for p in paths):
        return
    _spare.extend(Worker() for _ in range(helper_count()))


def take(count: int) -> list[Worker]:
    """``count`` helpers: the prestarted ones first (if still alive), then new ones."""
    pool: list[Worker] = []
    while _spare and len(pool) < count:
        worker = _spare.pop()
        if worker.proc.poll() is None:
            pool.append(worker)
        else:
            worker.close()
    return pool + [Worker() for _ in range(count - len(pool))]


@atexit.register
def _close_spares() -> None:
    while _spare:
        _spare.pop().close()
