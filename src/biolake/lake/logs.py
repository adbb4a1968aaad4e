"""Append-only Parquet logs under ``<lake>/log/<name>``: one file per write, written atomically, shown in
the catalog as the view ``<name>_log`` (ask queries, alerts, deliveries, syncs, exports …)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from biolake.lake.paths import LakePaths


def append_log(
    paths: LakePaths, name: str, rows: list[dict[str, Any]], schema: pa.Schema, stem: str | None = None
) -> Path | None:
    """Write ``rows`` as one new Parquet file of the log ``name`` (temporary name, then rename); None when
    there is nothing to write. Files sort by time of writing."""
    if not rows:
        return None
    folder = paths.log(name)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    final = folder / f"{stem}.parquet"
    tmp = folder / f".{final.name}.tmp"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
    tmp.replace(final)
    return final


def read_log(paths: LakePaths, name: str) -> list[dict[str, Any]]:
    """Every row of the log ``name`` in writing order ([] when it has none)."""
    folder = paths.log(name)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    rows: list[dict[str, Any]] = []
    for f in files:
        rows.extend(pq.read_table(f).to_pylist())
    return rows
