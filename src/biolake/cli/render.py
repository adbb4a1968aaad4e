"""Rendering results: rich tables for people, JSON and CSV for scripts. Only ``cli`` prints."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.table import Table

from biolake.cli.state import OutputFormat

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


def plain(value: Any) -> Any:
    """A JSON-friendly version of a value DuckDB or the library returned."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID | bytes):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") + ("Z" if value.utcoffset() == timedelta(0) else "")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print rows as a table, a JSON list of objects, or CSV with a header."""
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps([plain(r) for r in rows], indent=2, ensure_ascii=False) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else plain(r.get(c)) for c in cols])
    else:
        table = Table(title=title, show_lines=False, header_style="bold")
        for c in cols:
            numeric = any(isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool) for r in rows)
            table.add_column(c, justify="right" if numeric else "left", overflow="fold")
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in cols))
        out.print(table)
