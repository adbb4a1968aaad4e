"""One day's forecast from the latest trained model: value, conformal interval, top contributions.

``predict_day(settings, day, overrides)`` is the hook for what-if questions: ``overrides`` replaces
feature values of that day's row (e.g. ``{"output_kj_lag1": 0}``: "had I rested yesterday") before the
forecast; only the model's audited features can be overridden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from biolake.lake.paths import LakePaths
from biolake.ml import registry
from biolake.ml.explain import Contribution, day_contributions
from biolake.ml.features import FeatureError, design, get_target, load_table

if TYPE_CHECKING:
    from biolake.config import Settings


@dataclass
class Prediction:
    """The forecast of ``target`` for ``day`` (made the evening before, as in the backtest)."""

    target: str
    day: date
    value: float
    lower: float
    upper: float
    coverage: float
    base: float
    contributions: list[Contribution]
    version: str
    actual: float | None = None
    overrides: dict[str, float] = field(default_factory=dict)

    def as_dict(self, top: int = 5) -> dict[str, Any]:
        return {
            "target": self.target,
            "date": self.day.isoformat(),
            "forecast": self.value,
            "lower": self.lower,
            "upper": self.upper,
            "interval": self.coverage,
            "actual": self.actual,
            "model_version": self.version,
            "base": self.base,
            "overrides": self.overrides,
            "top_features": [
                {"feature": c.feature, "value": c.value, "contribution": c.contribution}
                for c in self.contributions[:top]
            ],
        }


def predict_day(
    settings: Settings,
    day: date | None = None,
    overrides: dict[str, float] | None = None,
    target: str = "readiness",
) -> Prediction:
    """Forecast ``target`` for ``day`` (default: the last day of the feature table) with the latest model."""
    import math

    import pandas as pd

    paths = LakePaths.at(settings.lake)
    version = registry.latest(paths, target)
    model = version.model()
    data = design(load_table(paths, settings.subject), get_target(target))
    frame = data.frame
    when = pd.Timestamp(day) if day is not None else frame.index.max()
    if when not in frame.index:
        first, last = frame.index.min().date(), frame.index.max().date()
        raise FeatureError(
            f"no feature row for {when.date()}: gold.feature_readiness_daily covers {first} to {last}"
        )
    row = frame.loc[[when], data.features].copy()
    for name, value in (overrides or {}).items():
        if name not in data.features:
            raise FeatureError(
                f"cannot override '{name}': not a feature of the {target} model "
                f"(features: {', '.join(data.features)})"
            )
        row[name] = float(value)
    value = float(model.predict(row)[0])
    base, parts = day_contributions(model, row)
    actual = frame.loc[when, "y"]
    return Prediction(
        target=target,
        day=when.date(),
        value=value,
        lower=value - model.half_width,
        upper=value + model.half_width,
        coverage=model.coverage,
        base=base,
        contributions=parts,
        version=version.name,
        actual=None if math.isnan(actual) else float(actual),
        overrides=dict(overrides or {}),
    )
