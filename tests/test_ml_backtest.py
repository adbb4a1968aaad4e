"""Walk-forward backtests on the demo lake (planted signal) and on a target that is pure noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biolake.lake.paths import LakePaths
from biolake.ml.backtest import BacktestResult, walk_forward
from biolake.ml.features import FeatureError, design, get_target, load_table
from biolake.ml.models import Config, _fit

NOMINAL = 0.8


@pytest.fixture(scope="module")
def table(demo_lake: Path) -> pd.DataFrame:
    return load_table(LakePaths.at(demo_lake), "me")


@pytest.fixture(scope="module")
def readiness(table: pd.DataFrame) -> BacktestResult:
    return walk_forward(design(table, get_target("readiness")), model="auto", seed=0, coverage=NOMINAL)


@pytest.mark.slow
def test_readiness_beats_the_best_baseline_on_the_planted_signal(readiness: BacktestResult) -> None:
    s = readiness.summary()
    assert s["n"] > 200 and s["folds"] >= 30
    assert s["baseline"] in ("yesterday", "mean_7d", "same_weekday", "long_run_mean")
    assert s["baseline_mae"] == min(b["mae"] for b in s["baselines"].values())
    assert s["skill"] >= 0.10, s
    assert s["skill"] == pytest.approx(1 - s["mae"] / s["baseline_mae"])
    assert 0 < s["skill_ci"][0] <= s["skill"] <= s["skill_ci"][1]
    assert abs(s["interval_coverage"] - NOMINAL) <= 0.05, s
    assert s["r2"] > 0.1


def test_forecasts_use_only_the_past(table: pd.DataFrame) -> None:
    """Cutting the data after a day leaves every earlier forecast exactly as it was."""
    full = walk_forward(design(table, get_target("readiness")), model="ridge", seed=0)
    cut_day = table.index[300]
    cut = walk_forward(design(table.loc[:cut_day], get_target("readiness")), model="ridge", seed=0)
    assert cut.predictions.index.max() == cut_day
    pd.testing.assert_frame_equal(cut.predictions, full.predictions.loc[:cut_day])


@pytest.mark.parametrize("model", ["ridge", "auto"])
def test_noise_target_reports_no_skill(table: pd.DataFrame, model: str) -> None:
    noisy = table.copy()
    values = noisy["readiness_today"].dropna()
    rng = np.random.default_rng(7)
    noisy.loc[values.index, "readiness_today"] = rng.permutation(values.to_numpy())
    result = walk_forward(design(noisy, get_target("readiness")), model=model, seed=0, coverage=NOMINAL)
    lo, hi = result.skill_ci
    assert lo < 0 < hi, result.summary()
    assert abs(result.interval_coverage - NOMINAL) <= 0.05


@pytest.mark.parametrize("target", ["hrv", "resting_hr"])
def test_ninety_percent_intervals_cover_ninety_percent(table: pd.DataFrame, target: str) -> None:
    result = walk_forward(design(table, get_target(target)), model="ridge", seed=0, coverage=0.9)
    assert abs(result.interval_coverage - 0.9) <= 0.05, result.summary()
    assert result.skill_ci[0] > 0  # the planted load → HRV / resting HR effects are found


def test_deterministic_with_a_seed(table: pd.DataFrame) -> None:
    data = design(table, get_target("hrv"))
    a = walk_forward(data, model="ridge", seed=3)
    b = walk_forward(data, model="ridge", seed=3)
    pd.testing.assert_frame_equal(a.predictions, b.predictions)
    assert a.skill_ci == b.skill_ci
    X = data.labelled[data.features].to_numpy()[:250]
    y = data.labelled["y"].to_numpy()[:250]
    config = Config("lightgbm", {"num_leaves": 4, "n_estimators": 40, "learning_rate": 0.1})
    np.testing.assert_array_equal(_fit(config, X, y, 5).predict(X), _fit(config, X, y, 5).predict(X))


def test_small_history_fits_the_linear_model_only_with_a_warning(table: pd.DataFrame) -> None:
    short = table.iloc[:170]
    result = walk_forward(design(short, get_target("readiness")), model="auto", seed=0)
    assert set(result.selected) <= {"ridge", "elasticnet"}
    assert any("linear model only" in w for w in result.warnings)


def test_too_little_data_is_an_error(table: pd.DataFrame) -> None:
    with pytest.raises(FeatureError, match="the backtest needs at least 118"):
        walk_forward(design(table.iloc[:100], get_target("readiness")))
