"""Helpers shared by the MyFitnessPal summaries: value checks, number SQL and local-date intervals."""

from __future__ import annotations

import re
from datetime import date

from biolake.sources._csv import fail, nz
from biolake.sources.base import ParseContext
from biolake.sources.localtime import localize_sql

SOURCE_NAME = "MyFitnessPal"
LB_KG = "0.45359237"  # exact, by definition
INCH_CM = "2.54"
# Plain decimals with a point, optionally with thousands separators ("1,234.5").
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def check_date(ctx: ParseContext, text: str, line: int) -> None:
    """ParseError unless ``text`` is a valid YYYY-MM-DD date."""
    valid = _DATE.fullmatch(text) is not None
    if valid:
        try:
            date.fromisoformat(text)
        except ValueError:
            valid = False
    if not valid:
        raise fail(ctx, f"date '{text}' on line {line} is not YYYY-MM-DD")


def check_number(ctx: ParseContext, text: str, line: int, label: str) -> None:
    """ParseError unless ``text`` is empty or a number."""
    if text and _NUMBER.fullmatch(text) is None:
        raise fail(ctx, f"{label} '{text}' on line {line} is not a number")


def decimal(column: str) -> str:
    """SQL: a checked number (or empty) as DECIMAL, so sums and unit factors are exact."""
    return f"CAST(replace({nz(column)}, ',', '') AS DECIMAL(18, 6))"


def number(column: str, scale: str | None = None) -> str:
    """SQL: a checked number (or empty) as DOUBLE, times ``scale`` (a DECIMAL factor) if given."""
    if scale is None:
        return f"CAST({decimal(column)} AS DOUBLE)"
    return f"CAST({decimal(column)} * CAST({scale} AS DECIMAL(10, 8)) AS DOUBLE)"


def day(column: str) -> str:
    """SQL: local midnight of a checked YYYY-MM-DD date."""
    return f"CAST(CAST(trim({column}) AS DATE) AS TIMESTAMP)"


def interval_sql(inner: str) -> str:
    """``inner`` (``subject_id``, ``row_idx``, ``start_local``, ``end_local``, …) with ``start_utc``,
    ``end_utc`` and ``local_date`` (of the start) added, both ends read in the configured zone; without
    ``row_idx``."""
    ends = localize_sql(f"SELECT *, end_local AS local_ts FROM ({inner})")
    starts = localize_sql(
        f"SELECT * EXCLUDE (local_ts, local_date) RENAME (ts_utc AS end_utc), start_local AS local_ts "
        f"FROM ({ends})"
    )
    return f"SELECT * EXCLUDE (local_ts, row_idx) RENAME (ts_utc AS start_utc) FROM ({starts})"


def separator_problem(ctx: ParseContext, header: list[str]) -> None:
    """ParseError if the header is one field holding ';' (a re-saved, semicolon-separated file)."""
    if len(header) == 1 and ";" in header[0]:
        raise fail(ctx, "fields are separated by ';', not commas: not a MyFitnessPal export as exported")
