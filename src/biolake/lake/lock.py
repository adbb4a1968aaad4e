"""One biolake writer at a time: an advisory ``flock`` on ``<lake>/.lock``."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from biolake.errors import LakeError, LockTimeout


@contextmanager
def lake_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lake lock; wait up to ``timeout`` seconds for another run, then raise LockTimeout."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LakeError(f"cannot lock the lake at {path.parent} ({exc.strerror})") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"the lake at {path.parent} is busy: another biolake run holds its lock "
                        f"(waited {timeout:g} s; raise lock_timeout to wait longer)"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
