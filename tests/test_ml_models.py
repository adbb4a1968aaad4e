"""The pieces of the predictor against reference values: baselines, scores, bootstrap, conformal
quantile, the closed-form ridge, time-ordered inner splits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from biolake.ml.backtest import block_bootstrap_skill, scores
from biolake.ml.baselines import baseline_forecasts
from biolake.ml.models import (
    LIGHTGBM_MIN_ROWS,
    Config,
    FittedModel,
    Standardizer,
    _fit,
    conformal_half_width,
    families_for,
    inner_splits,
    screen_columns,
)


def test_baselines_by_hand() -> None:
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    y = pd.Series(np.arange(30, dtype=float), index=days)
    y.iloc[28] = np.nan  # day 29 missing
    b = baseline_forecasts(y)
    assert b["yesterday"].iloc[10] == 9
    assert b["yesterday"].iloc[29] == 27  # yesterday missing: the last value before it
    assert b["mean_7d"].iloc[10] == pytest.approx(np.mean(np.arange(3, 10)))
    assert b["mean_7d"].iloc[29] == pytest.approx(np.mean([22, 23, 24, 25, 26, 27]))
    assert b["same_weekday"].iloc[29] == pytest.approx(np.mean([22, 15, 8, 1]))
    assert b["same_weekday"].iloc[10] == pytest.approx(3)  # only one earlier same weekday
    assert b["long_run_mean"].iloc[10] == pytest.approx(4.5)
    assert math.isnan(b["yesterday"].iloc[0]) and math.isnan(b["long_run_mean"].iloc[0])


def test_scores_match_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    y, pred = rng.normal(70, 8, 200), rng.normal(70, 8, 200)
    s = scores(y, pred)
    assert s.mae == pytest.approx(mean_absolute_error(y, pred))
    assert s.rmse == pytest.approx(math.sqrt(mean_squared_error(y, pred)))
    assert s.r2 == pytest.approx(r2_score(y, pred))


def test_block_bootstrap_skill() -> None:
    rng = np.random.default_rng(2)
    base = np.abs(rng.normal(0, 5, 300))
    assert block_bootstrap_skill(base / 2, base, seed=0) == pytest.approx((0.5, 0.5))
    lo, hi = block_bootstrap_skill(np.abs(rng.normal(0, 5, 300)), base, seed=0)
    assert lo < 0 < hi
    assert block_bootstrap_skill(base * 0.9, base, seed=3) == block_bootstrap_skill(base * 0.9, base, seed=3)


def test_conformal_quantile() -> None:
    residuals = np.array([-1, 2, -3, 4, -5, 6, -7, 8, -9, 10], dtype=float)
    assert conformal_half_width(residuals, 0.8) == 9  # ⌈11 · 0.8⌉ = 9th smallest of |r|
    assert conformal_half_width(residuals, 0.95) == 10  # capped at the largest
    assert math.isnan(conformal_half_width(np.array([np.nan]), 0.8))


def test_ridge_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 6))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = rng.normal(size=120) + np.nan_to_num(X[:, 0])
    fitted = _fit(Config("ridge", {"k": "all", "alpha": 10.0}), X, y, seed=0)
    std = Standardizer.fit(X)
    reference = Ridge(alpha=10.0).fit(std.transform(X), y)
    np.testing.assert_allclose(fitted.coef, reference.coef_, rtol=1e-8)
    np.testing.assert_allclose(fitted.predict(X), reference.predict(std.transform(X)), rtol=1e-8)


def test_ridge_screening_keeps_the_k_most_correlated() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 5))
    y = 3 * X[:, 3] - 2 * X[:, 1] + rng.normal(scale=0.1, size=200)
    fitted = _fit(Config("ridge", {"k": 2, "alpha": 1.0}), X, y, seed=0)
    assert fitted.selected.tolist() == [1, 3]


@pytest.mark.parametrize(
    "config",
    [
        Config("ridge", {"k": "all", "alpha": 1.0}),
        Config("elasticnet", {"alpha": 0.05, "l1_ratio": 0.5}),
        Config("lightgbm", {"num_leaves": 4, "n_estimators": 30, "learning_rate": 0.1}),
    ],
    ids=lambda c: c.family,
)
def test_contributions_add_up_to_the_forecast(config: Config) -> None:
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    X.iloc[::7, 1] = np.nan
    y = X["a"].to_numpy() * 2 + 1 + rng.normal(scale=0.1, size=120)
    model = FittedModel(config, ["a", "b", "c"], _fit(config, X.to_numpy(), y, 0), 1.0, 0.8, 120, 0.0)
    base, contrib = model.contributions(X)
    np.testing.assert_allclose(base + contrib.sum(axis=1).to_numpy(), model.predict(X), atol=1e-6)
    assert contrib["a"].abs().mean() > 5 * contrib["c"].abs().mean()  # the feature that matters


def test_inner_splits_are_time_ordered() -> None:
    for n in (90, 200, 1800):
        splits = inner_splits(n)
        assert len(splits) == 3
        for train, valid in splits:
            assert train.start == 0 and train.stop == valid.start and valid.stop <= n
        assert splits[-1][1].stop == n
        assert splits[0][0].stop >= 20


def test_screening_drops_sparse_and_constant_columns() -> None:
    X = pd.DataFrame({"ok": [1.0, 2, 3, 4], "sparse": [1.0, None, None, None], "flat": [5.0] * 4})
    assert screen_columns(X) == ["ok"]


def test_small_samples_fit_the_linear_models_only() -> None:
    families, notes = families_for("auto", LIGHTGBM_MIN_ROWS - 1)
    assert "lightgbm" not in families and "linear model only" in notes[0]
    assert families_for("lightgbm", 50)[0] == ["ridge"]
    assert families_for("auto", LIGHTGBM_MIN_ROWS) == (["ridge", "elasticnet", "lightgbm"], [])
