"""A record of every sync and pull in the lake (``log/sync``, the catalog view ``sync_log``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from biolake.lake.logs import append_log
from biolake.lake.paths import LakePaths

SCHEMA = pa.schema(
    [
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("direction", pa.string()),  # push | pull
        ("destination", pa.string()),
        ("layers", pa.string()),
        ("share", pa.bool_()),
        ("files_total", pa.int64()),
        ("files_moved", pa.int64()),
        ("bytes_moved", pa.int64()),
        ("files_unchanged", pa.int64()),
        ("files_stale", pa.int64()),
        ("files_deleted", pa.int64()),
        ("athena_database", pa.string()),
        ("seconds", pa.float64()),
    ]
)


@dataclass
class SyncRecord:
    """What one sync or pull did."""

    started_at: datetime
    direction: str
    destination: str
    layers: str
    share: bool = False
    files_total: int = 0
    files_moved: int = 0
    bytes_moved: int = 0
    files_unchanged: int = 0
    files_stale: int = 0
    files_deleted: int = 0
    athena_database: str | None = None
    seconds: float = 0.0


def write_record(paths: LakePaths, record: SyncRecord) -> None:
    """Append ``record`` to the lake's sync log."""
    append_log(paths, "sync", [vars(record)], SCHEMA)
