"""SQL snippets shared by the Oura mappings (bronze values are text; bad values become ``_problem``)."""

from __future__ import annotations

from collections.abc import Sequence

from biolake.sources._csv import ISO, nz

SOURCE_NAME = "'Oura'"
DEVICE = "'Oura Ring'"
SUBJECT = "getvariable('subject') AS subject_id"


def dbl(expr: str) -> str:
    """SQL: ``expr`` (text) as DOUBLE, NULL when it is not a number."""
    return f"TRY_CAST({expr} AS DOUBLE)"


def field(column: str, path: str) -> str:
    """SQL: ``path`` of the JSON text in ``column`` as text (NULL when the text is not JSON)."""
    return f"CASE WHEN json_valid({column}) THEN json_extract_string({column}, '$.{path}') END"


def wall(column: str) -> str:
    """SQL: the wall-clock TIMESTAMP an ISO 8601 text was written in (its offset dropped)."""
    date, clock = (f"regexp_extract(trim({column}), '^{ISO}$', {group})" for group in (1, 2))
    return f"TRY_CAST({date} || ' ' || {clock} AS TIMESTAMP)"


def instant(column: str) -> str:
    """SQL: the instant of an ISO 8601 text: its own offset, else the subject's zone."""
    offset = f"regexp_extract(trim({column}), '^{ISO}$', 3)"
    return (
        f"CASE WHEN {offset} <> '' THEN TRY_CAST(trim({column}) AS TIMESTAMPTZ) "
        f"ELSE timezone(getvariable('tz'), {wall(column)}) END"
    )


def day_interval(day: str) -> str:
    """SQL: the INTERVAL columns (and local_date) of a whole local day given as ``YYYY-MM-DD`` text."""
    start = f"CAST(TRY_CAST({nz(day)} AS DATE) AS TIMESTAMP)"
    return (
        f"timezone(getvariable('tz'), {start}) AS start_utc, "
        f"timezone(getvariable('tz'), {start} + INTERVAL 1 DAY) AS end_utc, "
        f"{start} AS start_local, {start} + INTERVAL 1 DAY AS end_local, "
        f"TRY_CAST({nz(day)} AS DATE) AS local_date"
    )


def problems(numbers: Sequence[tuple[str, str]], non_negative: Sequence[tuple[str, str]] = ()) -> str:
    """SQL: the first problem among ``(label, text expr)`` values that are not numbers, or negative."""
    cases = [
        f"CASE WHEN {expr} IS NOT NULL AND {dbl(expr)} IS NULL THEN '{label} is not a number: ' || {expr} END"
        for label, expr in numbers
    ]
    cases += [
        f"CASE WHEN {dbl(expr)} < 0 THEN 'negative {label}: ' || {expr} END" for label, expr in non_negative
    ]
    return f"coalesce({', '.join(cases)}, NULL)"


def columns(pairs: Sequence[tuple[str, str]]) -> str:
    """SQL select list ``expr AS name`` for ``(name, expr)`` pairs."""
    return ", ".join(f"{expr} AS {name}" for name, expr in pairs)
