"""The pipeline log: one Parquet file per ``biolake run`` under ``<lake>/log/pipeline``, one row per step
(view ``pipeline_runs`` in the catalog)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from biolake.lake.logs import append_log
from biolake.lake.paths import LakePaths

SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("step", pa.string()),
        ("status", pa.string()),  # ok | warn | failed | skipped
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("seconds", pa.float64()),
        ("detail", pa.string()),
        ("biolake_version", pa.string()),
    ]
)


@dataclass
class StepRecord:
    """What one step of one run did."""

    run_id: str
    step: str
    status: str
    started_at: datetime
    seconds: float
    detail: str
    biolake_version: str


def write_run(paths: LakePaths, records: list[StepRecord]) -> Path:
    """Write one run's steps atomically (temporary name, then rename)."""
    written = append_log(
        paths, paths.pipeline_log.name, [asdict(r) for r in records], SCHEMA, records[0].run_id
    )
    assert written is not None, "a run has at least one step"
    return written
