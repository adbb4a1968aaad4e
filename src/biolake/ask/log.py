"""The query log: one row per question asked (``<lake>/log/ask``, the catalog view ``ask_log``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from biolake.lake.logs import append_log
from biolake.lake.paths import LakePaths

SCHEMA = pa.schema(
    [
        ("asked_at", pa.timestamp("us", tz="UTC")),
        ("question", pa.string()),
        ("engine", pa.string()),
        ("model", pa.string()),
        ("status", pa.string()),  # answered | declined | failed
        ("sql", pa.string()),
        ("row_count", pa.int64()),
        ("latency_ms", pa.float64()),
        ("confidence", pa.float64()),
        ("today", pa.date32()),
        ("error", pa.string()),
    ]
)
MAX_LOGGED_CHARS = 2000


def log_question(
    paths: LakePaths,
    question: str,
    engine: str,
    status: str,
    latency_s: float,
    sql: str | None = None,
    row_count: int | None = None,
    confidence: float | None = None,
    today: date | None = None,
    model: str | None = None,
    error: str | None = None,
) -> None:
    """Append one question to the log (questions and errors are cut to 2,000 characters)."""
    row: dict[str, Any] = {
        "asked_at": datetime.now(UTC),
        "question": question[:MAX_LOGGED_CHARS],
        "engine": engine,
        "model": model,
        "status": status,
        "sql": sql,
        "row_count": row_count,
        "latency_ms": round(latency_s * 1000, 3),
        "confidence": confidence,
        "today": today,
        "error": error[:MAX_LOGGED_CHARS] if error else None,
    }
    append_log(paths, "ask", [row], SCHEMA)
