"""What a report is made of: metrics with week-over-week change, tables, charts and notes per section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from biolake.errors import BiolakeError

Better = Literal["up", "down", "none"]


class ReportError(BiolakeError):
    """A report cannot be made (no gold yet, no data for the period)."""


@dataclass(frozen=True)
class Metric:
    """One number of the week beside last week's (``better`` says which direction is good)."""

    label: str
    value: float | None
    unit: str = ""
    previous: float | None = None
    decimals: int = 0
    better: Better = "up"

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def formatted(self) -> str:
        return "–" if self.value is None else f"{self.value:,.{self.decimals}f}"

    def formatted_change(self) -> str:
        change = self.change
        if change is None:
            return ""
        if round(change, self.decimals) == 0:
            return "no change"
        return f"{change:+,.{self.decimals}f}"

    def change_text(self) -> str:
        """``+2 vs last week``, ``same as last week`` or "" without last week's value."""
        change = self.formatted_change()
        if not change:
            return ""
        return "same as last week" if change == "no change" else f"{change} vs last week"

    def fact(self) -> dict[str, str]:
        """The metric as the report prints it (what the narrative may quote)."""
        previous = "–" if self.previous is None else f"{self.previous:,.{self.decimals}f}"
        return {
            "week": self.formatted(),
            "previous_week": previous,
            "change": self.formatted_change(),
            "unit": self.unit,
        }

    @property
    def tone(self) -> str:
        """good | bad | neutral: the colour of the change."""
        change = self.change
        if change is None or self.better == "none" or round(change, self.decimals) == 0:
            return "neutral"
        return "good" if (change > 0) == (self.better == "up") else "bad"


@dataclass(frozen=True)
class Table:
    """A small table: column headings and rows of already formatted cells."""

    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # indexes of right-aligned columns


@dataclass
class Section:
    """One section of a report. ``facts`` are the numbers the narrative may use."""

    key: str
    title: str
    metrics: list[Metric] = field(default_factory=list)
    chart: str | None = None  # inline SVG
    chart_caption: str = ""
    table: Table | None = None
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    of_the_week: bool = True  # False: a longer view (insights) that alone does not make a week's report


def metric_facts(metrics: list[Metric]) -> dict[str, Any]:
    return {m.label: m.fact() for m in metrics if m.value is not None}
