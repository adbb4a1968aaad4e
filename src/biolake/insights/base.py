"""The common shape of every insight: an analyzer loads its data, ``analyze`` turns a frame into a
:class:`Result` (numbers, verdict, chart data) and ``narrate`` puts the result into plain words.

Results serialise to the stable JSON documented in ``docs/insights.md`` (``SCHEMA``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from biolake.insights.data import LakeData

SCHEMA = "biolake.insights/1"

Verdict = Literal["signal", "no_clear_signal", "insufficient_data"]
IntervalKind = Literal["confidence", "credible", "prediction", "reference_range"]

NOT_CAUSAL = "This is an observational association, not evidence that one causes the other."


@dataclass(frozen=True)
class Interval:
    """An interval around an estimate: ``kind`` says what it is (a 95 % confidence interval, …)."""

    low: float | None
    high: float | None
    level: float = 0.95
    kind: IntervalKind = "confidence"


@dataclass(frozen=True)
class Finding:
    """One estimate: what was measured (``label``), how (``method``), on how many observations (``n``),
    the effect size (``effect`` named ``effect_name``, in ``unit``), its interval and p-value."""

    label: str
    method: str
    n: int
    effect: float | None
    effect_name: str
    interval: Interval
    p_value: float | None
    unit: str | None = None

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value is not None and self.p_value < alpha


@dataclass
class Chart:
    """Data for one chart: ``kind`` (scatter, line, bar), named series of equal length over ``x``."""

    kind: Literal["scatter", "line", "bar"]
    x_label: str
    y_label: str
    x: list[Any]
    series: dict[str, list[float | None]]


@dataclass
class Result:
    """What an analyzer concluded: verdict, the main number of observations, every finding (the primary
    one first), extra figures in ``summary``, chart data and caveats in ``notes``."""

    name: str
    title: str
    verdict: Verdict
    n: int
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def to_dict(self, narrative: str) -> dict[str, Any]:
        """The JSON object of one result (``docs/insights.md``)."""
        data = asdict(self)
        data["narrative"] = narrative
        return data


def insufficient(name: str, title: str, n: int, need: int, what: str) -> Result:
    """The result for data too thin to conclude anything."""
    return Result(
        name,
        title,
        "insufficient_data",
        n,
        notes=[f"only {n} {what}; at least {need} are needed to say anything"],
    )


def verdict_of(finding: Finding, floor: float = 0.0, alpha: float = 0.05) -> Verdict:
    """``signal`` when the primary finding is significant and at least ``floor`` in size."""
    if finding.effect is None or finding.p_value is None:
        return "no_clear_signal"
    return "signal" if finding.significant(alpha) and abs(finding.effect) >= floor else "no_clear_signal"


class Analyzer(Protocol):
    """One insight. ``load`` reads the lake; ``analyze`` is pure (tests pass fixed frames)."""

    name: str
    title: str

    def load(self, data: LakeData) -> pd.DataFrame: ...

    def analyze(self, frame: pd.DataFrame) -> Result: ...

    def narrate(self, result: Result) -> str: ...


class BaseAnalyzer:
    """Shared plumbing: a daily ``table`` and its ``columns`` (``pad_before`` days before the range for
    baselines), at least ``min_n`` observations, and narration that handles thin data."""

    name: str = ""
    title: str = ""
    table: str = "gold.daily_summary"
    columns: tuple[str, ...] = ()
    pad_before: int = 0
    min_n: int = 30

    def load(self, data: LakeData) -> pd.DataFrame:
        return data.daily(self.table, list(self.columns), self.pad_before)

    def analyze(self, frame: pd.DataFrame) -> Result:
        raise NotImplementedError

    def narrate(self, result: Result) -> str:
        from biolake.insights.narrate import thin

        if result.verdict == "insufficient_data":
            return thin(result)
        return self.describe(result)

    def describe(self, result: Result) -> str:
        from biolake.insights.narrate import stats_text

        return "; ".join(f"{f.label}: {stats_text(f)}" for f in result.findings)

    def thin(self, n: int, what: str = "days with data") -> Result:
        return insufficient(self.name, self.title, n, self.min_n, what)
