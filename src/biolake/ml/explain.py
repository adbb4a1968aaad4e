"""What drives a model's forecasts: global importance and one day's contributions.

Contributions are additive (forecast = base + Σ contributions): for a linear model coef_j · z_j on the
standardized feature, for LightGBM its TreeSHAP values (Lundberg et al. 2020, Nat. Mach. Intell.
2:56). A feature's importance is its mean absolute contribution over the training days, in the target's
unit; its direction is the sign of the correlation between the feature's value and its contribution
(+: a higher value raises the forecast).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from biolake.ml.models import FittedModel


@dataclass(frozen=True)
class Importance:
    feature: str
    importance: float
    share: float
    direction: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "importance": self.importance,
            "share": self.share,
            "direction": self.direction,
        }


def importance(model: FittedModel, X: pd.DataFrame) -> list[Importance]:
    """Every used feature's mean absolute contribution over ``X``, largest first (unused ones left out)."""
    import numpy as np

    _, contrib = model.contributions(X)
    values = X.reindex(columns=model.columns)
    mean_abs = contrib.abs().mean()
    total = float(mean_abs.sum()) or 1.0
    out = []
    for feature in model.columns:
        size = float(mean_abs[feature])
        if size <= 0:
            continue
        x, c = values[feature].to_numpy(dtype=float), contrib[feature].to_numpy()
        ok = ~np.isnan(x)
        corr = np.corrcoef(x[ok], c[ok])[0, 1] if ok.sum() > 2 and np.std(x[ok]) > 0 else 0.0
        direction = "+" if corr > 0 else "-" if corr < 0 else "0"
        out.append(Importance(feature, size, size / total, direction))
    return sorted(out, key=lambda i: -i.importance)


@dataclass(frozen=True)
class Contribution:
    """One feature's part in one day's forecast."""

    feature: str
    value: float | None
    contribution: float


def day_contributions(model: FittedModel, row: pd.DataFrame) -> tuple[float, list[Contribution]]:
    """The base value and every feature's contribution for a one-row frame, largest magnitude first."""
    import math

    base, contrib = model.contributions(row)
    values = row.reindex(columns=model.columns).iloc[0]
    parts = [
        Contribution(f, None if math.isnan(float(values[f])) else float(values[f]), float(contrib.iloc[0][f]))
        for f in model.columns
    ]
    return float(base[0]), sorted(parts, key=lambda p: -abs(p.contribution))
