"""Model versions on disk: numbering, the latest, atomic writes, history rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from biolake.lake.paths import LakePaths
from biolake.ml.models import Config, FittedModel, _fit
from biolake.ml.registry import ModelNotFound, history, latest, save, versions


def _model() -> FittedModel:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    estimator = _fit(Config("ridge", {"k": "all", "alpha": 1.0}), X, X[:, 0], seed=0)
    return FittedModel(Config("ridge", {"k": "all", "alpha": 1.0}), ["a", "b"], estimator, 1.5, 0.8, 50, 0.9)


def _card(mae: float, shares: dict[str, float]) -> dict[str, Any]:
    return {
        "trained_at": "2026-11-22T09:00:00+00:00",
        "model": {"family": "ridge"},
        "data": {"n": 50, "last_day": "2026-11-14"},
        "backtest": {"mae": mae, "baseline_mae": 5.0, "skill": 1 - mae / 5, "skill_ci": [0.1, 0.3]},
        "importance": [{"feature": f, "share": s} for f, s in shares.items()],
    }


def test_versions_are_numbered_and_the_latest_is_loaded(tmp_path: Path) -> None:
    paths = LakePaths.at(tmp_path)
    with pytest.raises(ModelNotFound, match="ml train --target readiness"):
        latest(paths, "readiness")
    first = save(paths, "readiness", _model(), _card(4.0, {"a": 0.7, "b": 0.3}))
    second = save(paths, "readiness", _model(), _card(3.5, {"a": 0.4, "b": 0.6}))
    assert (first.name, second.name) == ("v0001", "v0002")
    assert first.path == tmp_path / "models" / "forecast" / "readiness" / "v0001"
    assert [v.name for v in versions(paths, "readiness")] == ["v0001", "v0002"]
    assert latest(paths, "readiness") == second and second.card()["version"] == "v0002"
    X = pd.DataFrame({"a": [1.0], "b": [2.0]})
    np.testing.assert_allclose(second.model().predict(X), _model().predict(X))
    rows = history(paths, "readiness")
    assert [r["version"] for r in rows] == ["v0001", "v0002"]
    assert [r["imp:b"] for r in rows] == [0.3, 0.6]  # the latest version's leaders, across versions
    assert rows[1]["skill_lo"] == 0.1 and rows[1]["mae"] == 3.5


def test_a_failed_save_leaves_nothing(tmp_path: Path) -> None:
    paths = LakePaths.at(tmp_path)
    save(paths, "hrv", _model(), _card(4.0, {"a": 1.0}))
    broken = _model()
    broken.estimator = lambda x: x  # a lambda cannot be pickled
    with pytest.raises(Exception, match="pickle"):
        save(paths, "hrv", broken, _card(3.0, {"a": 1.0}))
    folder = tmp_path / "models" / "forecast" / "hrv"
    assert sorted(p.name for p in folder.iterdir()) == ["v0001"]
