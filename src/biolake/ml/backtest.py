"""Walk-forward validation: how the forecasts would have done, made day by day with only the past.

The labelled days are split in time: the first test block starts once ``min_train`` labelled days lie
before it; each block covers the next ``step`` (7) calendar days and is forecast by a model trained on
every labelled day before the block (an expanding window). The model search (features screened,
family and hyperparameters chosen, interval calibrated: :func:`biolake.ml.models.select`) runs on that
training window only — at the first block, whenever the set of candidate families changes, and then
every ``search_every`` blocks (about monthly; less often on long histories so at most ``max_searches``
searches run); between searches the chosen configuration is refitted on each block's window.

Scores are over the test days where the target and every baseline exist: MAE, RMSE, R² (1 − SSE/SST
over those days), each baseline's scores, and the skill versus the best baseline,
1 − MAE(model) / MAE(best baseline), with a 95 % circular block-bootstrap interval (Politis & Romano
1992; blocks of 7 days keep the errors' autocorrelation) over the paired daily errors. Interval coverage
is the share of test days whose value fell inside the forecast's conformal interval.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from biolake.ml.baselines import BASELINES, baseline_forecasts
from biolake.ml.features import FeatureError
from biolake.ml.models import FittedModel, Selection, families_for, fit, one_thread, select

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from biolake.ml.features import Design

MIN_TRAIN = 90
STEP = 7
MIN_TEST = 28
MAX_SEARCHES = 12
SEARCH_EVERY = 4
BOOTSTRAP = 2000
BLOCK = 7


@dataclass
class Scores:
    mae: float
    rmse: float
    r2: float

    def as_dict(self) -> dict[str, float]:
        return {"mae": self.mae, "rmse": self.rmse, "r2": self.r2}


@dataclass
class BacktestResult:
    """Walk-forward scores of one target and model choice."""

    target: str
    model: str
    seed: int
    coverage: float
    min_train: int
    step: int
    folds: int
    searches: int
    scores: Scores
    baselines: dict[str, Scores]
    best_baseline: str
    skill: float
    skill_ci: tuple[float, float]
    interval_coverage: float
    mean_interval_width: float
    selected: dict[str, int]
    predictions: pd.DataFrame
    elapsed_s: float
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.predictions)

    def summary(self) -> dict[str, Any]:
        """The JSON shape of ``biolake ml backtest``."""
        days = self.predictions.index
        return {
            "target": self.target,
            "model": self.model,
            "n": self.n,
            "first_day": days.min().date().isoformat(),
            "last_day": days.max().date().isoformat(),
            "folds": self.folds,
            "mae": self.scores.mae,
            "rmse": self.scores.rmse,
            "r2": self.scores.r2,
            "baseline": self.best_baseline,
            "baseline_mae": self.baselines[self.best_baseline].mae,
            "skill": self.skill,
            "skill_ci": list(self.skill_ci),
            "interval_nominal": self.coverage,
            "interval_coverage": self.interval_coverage,
            "mean_interval_width": self.mean_interval_width,
            "baselines": {k: v.as_dict() for k, v in self.baselines.items()},
            "selected": self.selected,
            "seed": self.seed,
            "min_train": self.min_train,
            "step_days": self.step,
            "elapsed_s": round(self.elapsed_s, 3),
            "warnings": self.warnings,
        }


def scores(y: np.ndarray, pred: np.ndarray) -> Scores:
    import numpy as np

    err = y - pred
    sst = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum(err**2)) / sst if sst > 0 else math.nan
    return Scores(float(np.mean(np.abs(err))), float(np.sqrt(np.mean(err**2))), r2)


def block_bootstrap_skill(
    model_abs: np.ndarray, base_abs: np.ndarray, seed: int, n_boot: int = BOOTSTRAP, block: int = BLOCK
) -> tuple[float, float]:
    """95 % percentile interval of 1 − Σ|e_model| / Σ|e_base| over circular block resamples of days."""
    import numpy as np

    n = len(model_abs)
    rng = np.random.default_rng(seed)
    blocks = math.ceil(n / block)
    starts = rng.integers(0, n, size=(n_boot, blocks))
    idx = ((starts[:, :, None] + np.arange(block)) % n).reshape(n_boot, -1)[:, :n]
    skill = 1 - model_abs[idx].sum(axis=1) / base_abs[idx].sum(axis=1)
    lo, hi = np.percentile(skill, [2.5, 97.5])
    return float(lo), float(hi)


def _forecast_blocks(
    design: Design, model: str, seed: int, coverage: float, min_train: int, step: int, max_searches: int
) -> tuple[pd.DataFrame, int, int, list[str]]:
    """Forecasts (y, pred, lower, upper, family) of every test block; folds, searches, warnings."""
    import numpy as np
    import pandas as pd

    labelled = design.labelled
    X, y = labelled[design.features], labelled["y"].to_numpy()
    days = labelled.index
    first = days[min_train]
    block_starts = pd.date_range(first, days[-1], freq=f"{step}D")
    folds = len(block_starts)
    search_every = max(SEARCH_EVERY, math.ceil(folds / max_searches))
    rows: list[pd.DataFrame] = []
    selection: Selection | None = None
    families: list[str] = []
    since_search = 0
    searches = 0
    notes: list[str] = []
    with one_thread():
        for start in block_starts:
            n_train = int(np.searchsorted(days, start))
            test = (days >= start) & (days < start + pd.Timedelta(days=step))
            if not test.any():
                continue
            wanted, notes = families_for(model, n_train)
            if selection is None or wanted != families or since_search >= search_every:
                selection = select(X.iloc[:n_train], y[:n_train], wanted, seed, coverage)
                families, since_search, searches = wanted, 0, searches + 1
            fitted: FittedModel = fit(selection, X.iloc[:n_train], y[:n_train], seed, coverage)
            since_search += 1
            pred = fitted.predict(X[test])
            rows.append(
                pd.DataFrame(
                    {
                        "y": y[test],
                        "pred": pred,
                        "lower": pred - fitted.half_width,
                        "upper": pred + fitted.half_width,
                        "family": fitted.config.family,
                    },
                    index=days[test],
                )
            )
    return pd.concat(rows), folds, searches, notes


def walk_forward(
    design: Design,
    model: str = "auto",
    seed: int = 0,
    coverage: float = 0.8,
    min_train: int = MIN_TRAIN,
    step: int = STEP,
    max_searches: int = MAX_SEARCHES,
) -> BacktestResult:
    """Forecast every block of ``step`` days from the days before it; score against the baselines."""
    import numpy as np

    started = time.perf_counter()
    labelled = design.labelled
    if len(labelled) < min_train + MIN_TEST:
        raise FeatureError(
            f"{design.target.name}: {len(labelled)} days with a value; the backtest needs at least "
            f"{min_train + MIN_TEST} ({min_train} to train, {MIN_TEST} to test)"
        )
    predictions, folds, searches, notes = _forecast_blocks(
        design, model, seed, coverage, min_train, step, max_searches
    )
    base = baseline_forecasts(design.y).loc[predictions.index, list(BASELINES)]
    predictions = predictions.join(base)
    predictions = predictions[predictions[["pred", *BASELINES]].notna().all(axis=1)]
    truth, pred = predictions["y"].to_numpy(), predictions["pred"].to_numpy()
    model_scores = scores(truth, pred)
    baseline_scores = {b: scores(truth, predictions[b].to_numpy()) for b in BASELINES}
    best = min(BASELINES, key=lambda b: baseline_scores[b].mae)
    skill = 1 - model_scores.mae / baseline_scores[best].mae
    ci = block_bootstrap_skill(np.abs(truth - pred), np.abs(truth - predictions[best].to_numpy()), seed)
    inside = (predictions["lower"] <= predictions["y"]) & (predictions["y"] <= predictions["upper"])
    return BacktestResult(
        target=design.target.name,
        model=model,
        seed=seed,
        coverage=coverage,
        min_train=min_train,
        step=step,
        folds=folds,
        searches=searches,
        scores=model_scores,
        baselines=baseline_scores,
        best_baseline=best,
        skill=skill,
        skill_ci=ci,
        interval_coverage=float(inside.mean()),
        mean_interval_width=float((predictions["upper"] - predictions["lower"]).mean()),
        selected={str(k): int(v) for k, v in predictions["family"].value_counts().sort_index().items()},
        predictions=predictions,
        elapsed_s=time.perf_counter() - started,
        warnings=notes,
    )
