"""The week a report covers and the read-only connection its sections query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from biolake.lake.paths import LakePaths

KG_PER_LB = 0.45359237


@dataclass
class WeekContext:
    """Seven days ending on ``end`` (inclusive) for one subject, and the seven before them."""

    con: duckdb.DuckDBPyConnection
    subject: str
    end: date
    units: str = "metric"
    paths: LakePaths | None = None  # for builders that open their own reader (the insights engine)
    _cache: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.end - timedelta(days=6)

    @property
    def prev_start(self) -> date:
        return self.end - timedelta(days=13)

    @property
    def prev_end(self) -> date:
        return self.end - timedelta(days=7)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows of ``sql`` as dicts (``?`` placeholders take ``params``)."""
        rel = self.con.execute(sql, list(params))
        columns = [d[0] for d in rel.description or []]
        return [dict(zip(columns, row, strict=True)) for row in rel.fetchall()]

    def has_table(self, schema: str, name: str) -> bool:
        return bool(
            self.rows(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                schema,
                name,
            )
        )

    def daily(self, days_back: int = 90) -> list[dict[str, Any]]:
        """``gold.daily_summary`` for the ``days_back`` days ending on ``end``, oldest first (cached)."""
        key = f"daily:{days_back}"
        if key not in self._cache:
            self._cache[key] = self.rows(
                "SELECT * FROM gold.daily_summary WHERE subject_id = ? AND date_day BETWEEN ? AND ? "
                "ORDER BY date_day",
                self.subject,
                self.end - timedelta(days=days_back - 1),
                self.end,
            )
        return self._cache[key]

    def week_rows(self, rows: list[dict[str, Any]], previous: bool = False) -> list[dict[str, Any]]:
        lo, hi = (self.prev_start, self.prev_end) if previous else (self.start, self.end)
        return [r for r in rows if lo <= _day(r["date_day"]) <= hi]

    def weight(self, kg: float | None) -> float | None:
        """A weight in the user's units."""
        if kg is None:
            return None
        return kg / KG_PER_LB if self.units == "imperial" else kg

    @property
    def weight_unit(self) -> str:
        return "lb" if self.units == "imperial" else "kg"


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[no-any-return]


def mean(values: list[Any]) -> float | None:
    """Mean of the non-null values (None when there are none)."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def total(values: list[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) if present else None
