"""The pipeline log: one Parquet file per ``biolake run`` under ``<lake>/log/pipeline``, one row per step
(view ``pipeline_runs`` in the catalog)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

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
    folder = paths.pipeline_log
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{records[0].run_id}.parquet"
    tmp = folder / f".{final.name}.tmp"
    pq.write_table(pa.Table.from_pylist([asdict(r) for r in records], schema=SCHEMA), tmp)
    tmp.replace(final)
    return final
