"""The ingestion log: one Parquet file per completed import under ``<lake>/log/ingestion``.

Only imports that completed are logged: a failed import must leave the lake exactly as it was, so its
error is reported to the user (and to logging) instead. The log file is written last in an import's
commit, which makes it the import's receipt.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from biolake.lake.paths import LakePaths

SCHEMA = pa.schema(
    [
        ("ingest_id", pa.string()),
        ("file", pa.string()),
        ("sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("source", pa.string()),
        ("subject_id", pa.string()),
        ("timezone", pa.string()),
        ("units", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("rows_bronze", pa.int64()),
        ("rows_new", pa.int64()),
        ("rows_duplicate", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("entities_json", pa.string()),
        ("biolake_version", pa.string()),
    ]
)


@dataclass
class LogEntry:
    """One completed import."""

    ingest_id: str
    file: str
    sha256: str
    size_bytes: int
    source: str
    subject_id: str
    timezone: str
    units: str
    started_at: datetime
    finished_at: datetime
    rows_bronze: int
    rows_new: int
    rows_duplicate: int
    rows_quarantined: int
    entities: dict[str, dict[str, int]] = field(default_factory=dict)
    biolake_version: str = ""

    def to_row(self) -> dict[str, object]:
        row = asdict(self)
        row["entities_json"] = json.dumps(row.pop("entities"), sort_keys=True)
        return row


def write_entry(path: Path, entry: LogEntry) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([entry.to_row()], schema=SCHEMA), path)


def entry_path(paths: LakePaths, ingest_id: str) -> Path:
    return paths.ingestion_log / f"{ingest_id}.parquet"


def read_entries(paths: LakePaths) -> list[LogEntry]:
    """Every logged import, oldest first."""
    files = sorted(paths.ingestion_log.glob("*.parquet")) if paths.ingestion_log.is_dir() else []
    entries = []
    for file in files:
        for row in pq.read_table(file).to_pylist():
            row["entities"] = json.loads(row.pop("entities_json") or "{}")
            entries.append(LogEntry(**row))
    return sorted(entries, key=lambda e: (e.started_at, e.ingest_id))


def already_imported(entries: list[LogEntry], sha256: str, subject: str) -> LogEntry | None:
    """The earlier import of the same bytes for the same subject, if any."""
    return next((e for e in entries if e.sha256 == sha256 and e.subject_id == subject), None)
