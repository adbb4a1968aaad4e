"""Training and backtesting a target's model from the lake (the library behind ``biolake ml``).

``[ml]`` in biolake.toml: ``coverage`` (nominal coverage of the prediction intervals, default 0.8),
``min_train_days`` (labelled days before the first backtest block, default 90), ``seed`` (default 0).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from biolake.errors import ConfigError
from biolake.lake.paths import LakePaths
from biolake.ml import registry
from biolake.ml.backtest import MIN_TRAIN, BacktestResult, walk_forward
from biolake.ml.explain import importance
from biolake.ml.features import Design, FeatureError, design, get_target, load_table
from biolake.ml.models import FAMILIES, families_for, fit, one_thread, select

if TYPE_CHECKING:
    from biolake.config import Settings

MODEL_CHOICES = ("auto", *FAMILIES)


@dataclass(frozen=True)
class Options:
    """The ``[ml]`` settings."""

    coverage: float = 0.8
    min_train_days: int = MIN_TRAIN
    seed: int = 0


def options(settings: Settings, seed: int | None = None) -> Options:
    section = settings.sections.get("ml", {})
    unknown = set(section) - {"coverage", "min_train_days", "seed"}
    if unknown:
        raise ConfigError(f"[ml] has unknown settings: {', '.join(sorted(unknown))}")
    try:
        opts = Options(
            coverage=float(section.get("coverage", 0.8)),
            min_train_days=int(section.get("min_train_days", MIN_TRAIN)),
            seed=int(section.get("seed", 0)) if seed is None else seed,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[ml] settings are not valid: {exc}") from None
    if not 0.5 <= opts.coverage < 1:
        raise ConfigError(f"[ml] coverage must be in [0.5, 1), not {opts.coverage}")
    if opts.min_train_days < 30:
        raise ConfigError(f"[ml] min_train_days must be at least 30, not {opts.min_train_days}")
    return opts


def load_design(settings: Settings, target: str) -> Design:
    return design(load_table(LakePaths.at(settings.lake), settings.subject), get_target(target))


def check_model(model: str) -> None:
    if model not in MODEL_CHOICES:
        raise FeatureError(f"unknown model '{model}': choose one of {', '.join(MODEL_CHOICES)}")


def backtest(
    settings: Settings, target: str = "readiness", model: str = "auto", seed: int | None = None
) -> BacktestResult:
    """Walk-forward backtest of ``target`` on the lake's feature table (nothing is written)."""
    check_model(model)
    opts = options(settings, seed)
    return walk_forward(
        load_design(settings, target),
        model=model,
        seed=opts.seed,
        coverage=opts.coverage,
        min_train=opts.min_train_days,
    )


@dataclass
class TrainResult:
    version: registry.Version
    card: dict[str, Any]
    backtest: BacktestResult
    warnings: list[str] = field(default_factory=list)


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in ("biolake", "numpy", "scikit-learn", "lightgbm"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


def train(
    settings: Settings, target: str = "readiness", model: str = "auto", seed: int | None = None
) -> TrainResult:
    """Backtest, then fit the chosen model on every labelled day and save it as a new version."""
    check_model(model)
    opts = options(settings, seed)
    data = load_design(settings, target)
    result = walk_forward(
        data, model=model, seed=opts.seed, coverage=opts.coverage, min_train=opts.min_train_days
    )
    started = time.perf_counter()
    labelled = data.labelled
    X, y = labelled[data.features], labelled["y"].to_numpy()
    families, warnings = families_for(model, len(y))
    with one_thread():
        selection = select(X, y, families, opts.seed, opts.coverage)
        fitted = fit(selection, X, y, opts.seed, opts.coverage)
        ranked = importance(fitted, X)
    training_s = time.perf_counter() - started
    summary = result.summary()
    card: dict[str, Any] = {
        "target": target,
        "target_column": data.target.column,
        "unit": data.target.unit,
        "description": data.target.description,
        "subject": settings.subject,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {"first_day": data.first_day.isoformat(), "last_day": data.last_day.isoformat(), "n": len(y)},
        "model": {
            "requested": model,
            "family": fitted.config.family,
            "params": fitted.config.params,
            "columns": fitted.columns,
            "cv_mae": selection.cv_mae,
            "interval_half_width": fitted.half_width,
            "interval_nominal": opts.coverage,
            "search": selection.scores,
        },
        "features": data.features,
        "excluded": data.audit.excluded,
        "backtest": {k: v for k, v in summary.items() if k not in ("target", "warnings")},
        "importance": [i.as_dict() for i in ranked],
        "training_time_s": round(training_s, 3),
        "backtest_time_s": round(result.elapsed_s, 3),
        "seed": opts.seed,
        "versions": _versions(),
        "warnings": warnings,
    }
    saved = registry.save(LakePaths.at(settings.lake), target, fitted, card)
    return TrainResult(saved, saved.card(), result, warnings)
