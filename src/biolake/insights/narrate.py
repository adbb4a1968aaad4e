"""Plain-language sentences for findings. Associations are described as associations: the wording never
says that one thing causes, drives or improves another (a test checks it)."""

from __future__ import annotations

from biolake.insights.base import NOT_CAUSAL, Finding, Result


def p_text(p: float | None) -> str:
    if p is None:
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def stats_text(f: Finding, digits: int = 2) -> str:
    """'Spearman ρ = 0.55, 95 % CI 0.47 to 0.62, p < 0.001, n = 340'."""
    names = {
        "rho": "Spearman ρ",
        "r": "Pearson r",
        "slope": "slope",
        "rank_biserial": "rank-biserial r",
        "epsilon_squared": "ε²",
        "mean": "mean",
        "z": "robust z",
        "difference": "difference",
    }
    label = names.get(f.effect_name, f.effect_name)
    unit = f" {f.unit}" if f.unit else ""
    kind = {
        "confidence": "CI",
        "credible": "credible interval",
        "prediction": "prediction interval",
        "reference_range": "normal range",
    }[f.interval.kind]
    level = f"{f.interval.level * 100:.0f} %"
    return (
        f"{label} = {num(f.effect, digits)}{unit}, {level} {kind} {num(f.interval.low, digits)} to "
        f"{num(f.interval.high, digits)}, {p_text(f.p_value)}, n = {f.n}"
    )


def strength(r: float) -> str:
    """Cohen's (1988) conventional labels for a correlation's size."""
    a = abs(r)
    return "negligible" if a < 0.1 else "weak" if a < 0.3 else "moderate" if a < 0.5 else "strong"


def association(f: Finding, x: str, y: str, units: str = "Days") -> str:
    """A sentence on a correlation finding between two described quantities."""
    if f.effect is None:
        return f"There are too few paired days ({f.n}) to relate {x} and {y}."
    if not f.significant():
        return (
            f"No clear association between {x} and {y} ({stats_text(f)}); the interval includes "
            "effects of either sign or none."
        )
    direction = "higher" if f.effect > 0 else "lower"
    return (
        f"{units} with higher {x} tended to come with {direction} {y}: a {strength(f.effect)} association "
        f"({stats_text(f)}). {NOT_CAUSAL}"
    )


def thin(result: Result) -> str:
    """The sentence for an insufficient-data result."""
    why = result.notes[0] if result.notes else f"only {result.n} observations"
    return f"{result.title}: not enough data to conclude anything ({why})."
