"""Reading the lake for the insights: one subject, an optional date range, pandas frames out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from biolake.errors import BiolakeError

if TYPE_CHECKING:
    import pandas as pd

    from biolake.lake.paths import LakePaths


class InsightError(BiolakeError):
    """An insight, experiment or what-if that cannot run (unknown name, missing gold table, bad input)."""


@dataclass(frozen=True)
class LakeData:
    """The slice of the lake one run looks at: ``subject`` from ``start`` to ``end`` (inclusive)."""

    paths: LakePaths
    subject: str = "me"
    start: date | None = None
    end: date | None = None

    def where(self, day_column: str = "date_day", pad_before: int = 0) -> str:
        """SQL condition for the subject and range; ``pad_before`` days are kept before ``start`` so
        trailing baselines and lags can be computed for the first days of the range."""
        parts = ["subject_id = $subject"]
        if self.start is not None:
            parts.append(f"{day_column} >= $start::DATE - INTERVAL {int(pad_before)} DAY")
        if self.end is not None:
            parts.append(f"{day_column} <= $end::DATE")
        return " AND ".join(parts)

    def params(self, sql: str) -> dict[str, Any]:
        values: dict[str, Any] = {"subject": self.subject, "start": self.start, "end": self.end}
        return {k: v for k, v in values.items() if f"${k}" in sql}

    def frame(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` (which may use ``$subject``, ``$start``, ``$end``) over the catalog."""
        import duckdb

        from biolake.lake.catalog import open_catalog

        con = open_catalog(self.paths)
        con.execute("SET enable_progress_bar = false")
        try:
            return con.execute(sql, self.params(sql)).df()
        except duckdb.CatalogException as exc:
            raise InsightError(
                f"the lake has no gold tables yet ({str(exc).splitlines()[0]}); run 'biolake build' first"
            ) from None
        finally:
            con.close()

    def daily(self, table: str, columns: list[str], pad_before: int = 0) -> pd.DataFrame:
        """``date_day``, ``columns`` and ``in_range`` (False on the padding days) of a daily gold table,
        oldest first."""
        inside = "date_day >= $start::DATE" if self.start is not None else "true"
        cols = ", ".join(["date_day", *columns, f"{inside} AS in_range"])
        return self.frame(
            f"SELECT {cols} FROM {table} WHERE {self.where(pad_before=pad_before)} ORDER BY date_day"
        )
