"""``biolake ml`` end to end on a copy of the demo lake: train, backtest, predict, explain, history;
model cards and versions; what-if overrides; bad input."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from biolake.ml.features import FeatureError
from biolake.ml.predict import predict_day
from biolake.ml.registry import ModelNotFound
from biolake.ml.train import backtest, train
from conftest import RunCli, assert_one_error_line, settings_for


@pytest.fixture(scope="module")
def trained(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """A private copy of the demo lake with one readiness model (ridge, to keep the test quick)."""
    lake = tmp_path_factory.mktemp("ml") / "lake"
    shutil.copytree(demo_lake, lake)
    proc = RunCli(lake)("--format", "json", "ml", "train", "--model", "ridge")
    assert proc.returncode == 0, proc.stderr
    return lake, json.loads(proc.stdout)


def test_train_writes_a_versioned_model_with_a_card(trained: tuple[Path, dict[str, object]]) -> None:
    lake, card = trained
    folder = lake / "models" / "forecast" / "readiness" / "v0001"
    assert card["path"] == str(folder) and card["version"] == "v0001"
    assert (folder / "model.pkl").is_file()
    on_disk = json.loads((folder / "card.json").read_text())
    assert on_disk["data"] == {"first_day": "2025-11-15", "last_day": "2026-11-14", "n": on_disk["data"]["n"]}
    assert 330 < on_disk["data"]["n"] <= 366
    assert on_disk["model"]["family"] == "ridge" and on_disk["seed"] == 0
    assert "night_hrv_ms" in on_disk["excluded"] and "night_hrv_ms" not in on_disk["features"]
    backtest = on_disk["backtest"]
    for key in ("mae", "rmse", "r2", "baseline", "baseline_mae", "skill", "skill_ci", "interval_coverage"):
        assert key in backtest
    assert backtest["skill"] > 0.1
    assert on_disk["importance"][0]["share"] >= on_disk["importance"][-1]["share"]
    assert sum(i["share"] for i in on_disk["importance"]) == pytest.approx(1)
    assert on_disk["training_time_s"] >= 0 and on_disk["backtest_time_s"] > 0


def test_backtest_json(trained: tuple[Path, dict[str, object]]) -> None:
    lake, _ = trained
    proc = RunCli(lake)("--format", "json", "ml", "backtest", "--model", "ridge", "--target", "hrv")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"model", "n", "mae", "baseline", "baseline_mae", "skill", "skill_ci", "interval_coverage"} <= set(
        data
    )
    assert data["target"] == "hrv" and data["model"] == "ridge" and data["n"] > 200
    assert not (lake / "models" / "forecast" / "hrv").exists()  # a backtest saves nothing


def test_predict_explain_history(trained: tuple[Path, dict[str, object]]) -> None:
    lake, _ = trained
    run = RunCli(lake)
    proc = run("--format", "json", "ml", "predict", "--date", "2026-06-01")
    assert proc.returncode == 0, proc.stderr
    p = json.loads(proc.stdout)
    assert p["date"] == "2026-06-01" and p["lower"] < p["forecast"] < p["upper"]
    assert p["actual"] is not None and len(p["top_features"]) == 5
    table = run("ml", "predict")
    assert table.returncode == 0 and "readiness on 2026-11-15" in table.stdout
    explained = json.loads(run("--format", "json", "ml", "explain").stdout)
    assert explained["version"] == "v0001" and explained["importance"]
    train(settings_for(lake), model="ridge", seed=1)  # type: ignore[arg-type]
    rows = json.loads(run("--format", "json", "ml", "history").stdout)
    assert [r["version"] for r in rows] == ["v0001", "v0002"]
    assert any(k.startswith("imp:") for k in rows[0])


def test_predict_day_what_if(trained: tuple[Path, dict[str, object]]) -> None:
    lake, _ = trained
    settings = settings_for(lake)
    plain = predict_day(settings, None)  # type: ignore[arg-type]
    assert plain.base + sum(c.contribution for c in plain.contributions) == pytest.approx(plain.value)
    assert plain.upper - plain.lower == pytest.approx(2 * (plain.value - plain.lower))
    hard = predict_day(settings, None, overrides={"output_kj_lag1": 900.0, "tss_lag1": 150.0})  # type: ignore[arg-type]
    assert hard.value < plain.value  # the planted effect: a hard ride yesterday lowers readiness
    with pytest.raises(FeatureError, match="night_hrv_ms"):
        predict_day(settings, None, overrides={"night_hrv_ms": 80.0})  # type: ignore[arg-type]


def test_bad_input(trained: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    lake, _ = trained
    run = RunCli(lake)
    assert_one_error_line(run("ml", "predict", "--date", "June"), "--date", "June")
    assert_one_error_line(run("ml", "train", "--target", "vo2"), "unknown target", "vo2")
    assert_one_error_line(run("ml", "explain", "--target", "hrv"), "no trained model", "hrv")
    settings = settings_for(lake)
    with pytest.raises(
        FeatureError, match=r"no feature row for 2030-01-01: .* covers 2025-11-14 to 2026-11-15"
    ):
        predict_day(settings, date(2030, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(FeatureError, match="unknown model 'forest'"):
        backtest(settings, model="forest")  # type: ignore[arg-type]
    with pytest.raises(ModelNotFound, match="ml train --target sleep_score"):
        predict_day(settings, target="sleep_score")  # type: ignore[arg-type]
    with pytest.raises(FeatureError, match="no lake catalog"):
        backtest(settings_for(tmp_path / "empty"))  # type: ignore[arg-type]
    assert not (lake / "models" / "forecast" / "sleep_score").exists()


def test_short_history_trains_the_linear_model_with_a_warning(demo_lake: Path, tmp_path: Path) -> None:
    """Five months of data (under LightGBM's 200 days) and [ml] settings from biolake.toml."""
    import duckdb

    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    con = duckdb.connect(str(lake / "biolake.duckdb"))
    con.execute("DELETE FROM gold.feature_readiness_daily WHERE date_day < DATE '2026-06-15'")
    con.close()
    with (lake / "biolake.toml").open("a") as fh:
        fh.write("\n[ml]\ncoverage = 0.9\nseed = 4\n")
    proc = RunCli(lake)("--format", "json", "ml", "train")
    assert proc.returncode == 0, proc.stderr
    assert "warning: only" in proc.stderr and "linear model only" in proc.stderr
    card = json.loads(proc.stdout)
    assert card["model"]["family"] in ("ridge", "elasticnet") and card["data"]["n"] < 200
    assert card["model"]["interval_nominal"] == 0.9 and card["seed"] == 4
    assert "linear model only" in card["warnings"][0]
    with (lake / "biolake.toml").open("a") as fh:
        fh.write("min_train_days = 5\n")
    assert_one_error_line(RunCli(lake)("ml", "backtest"), "min_train_days", "at least 30")
