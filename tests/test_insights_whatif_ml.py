"""What-if on the trained readiness model: used when the lake has one (single-day scenarios), the scenario
mapped onto the model's features of the morning after, the regression otherwise (and for plans)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from biolake.insights.data import InsightError, LakeData
from biolake.insights.whatif import PlanDay, load_today, whatif
from biolake.insights.whatif_ml import PLAN_NOTE, overrides_for
from biolake.insights.workouts import parse_workout
from biolake.lake.paths import LakePaths
from biolake.ml.features import load_table
from conftest import RunCli

RIDE = (parse_workout("cycling 45min hard"),)


def test_whatif_uses_the_trained_model(demo_lake_copy: Path) -> None:
    cli = RunCli(demo_lake_copy)
    data = LakeData(LakePaths.at(demo_lake_copy))
    _, today = load_today(data)
    table = load_table(data.paths, data.subject)
    if table.index.max().date() == today.day:  # a demo lake cached before gold had the day after
        assert cli("build").returncode == 0
        table = load_table(data.paths, data.subject)
    assert cli("ml", "train", "--model", "ridge").returncode == 0

    # with the day's logged TSS the rolled PMC is the feature row's own (training_load_daily's constants)
    after = table.index[table.index.date > today.day][0]
    logged = float(table.loc[after, "tss_lag1"])
    values, held = overrides_for(data, table.loc[after], today, PlanDay(tss=logged))
    for name in ("ctl_lag1", "atl_lag1", "tsb_morning"):
        assert values[name] == pytest.approx(table.loc[after, name], abs=0.05)
    assert "workout_min_lag1" in held and "active_energy_kcal_lag1" in held

    low = whatif(data, [PlanDay(RIDE, None, 60.0)])
    high = whatif(data, [PlanDay(RIDE, None, 90.0)])
    rest = whatif(data, [PlanDay((parse_workout("rest"),), None, 90.0)])
    assert high["model"] == "ml:v0001" and high["model_note"] is None
    assert high["interval_level"] == 0.8 and high["interval"].startswith("80 % ")
    assert "80 % prediction interval" in high["narrative"]
    day, info = high["days"][0], high["model_info"]
    assert day["predicted_for"] == after.date().isoformat()
    assert day["readiness_low"] < day["readiness"] < day["readiness_high"]
    assert day["readiness"] > low["days"][0]["readiness"]  # a better night, higher readiness
    assert info["sleep_update"]["slope"] > 0 and info["overrides"]["output_kj_lag1"] > 0
    assert rest["days"][0]["readiness"] > day["readiness"]  # more load, lower readiness (planted #2)
    # open night: the evening forecast itself, no sleep update
    open_night = whatif(data, [PlanDay(RIDE)])["model_info"]
    assert open_night["sleep_update"]["shift"] == 0 and open_night["forecast_before_night"] == pytest.approx(
        info["forecast_before_night"]
    )

    plan = whatif(data, [PlanDay(RIDE), PlanDay(tss=0.0)])
    assert plan["model"] == "regression" and plan["model_note"] == PLAN_NOTE
    assert plan["interval_level"] == 0.95 and "95 % prediction interval" in plan["narrative"]
    assert whatif(data, [PlanDay(RIDE)], prefer="regression")["model"] == "regression"

    doc = json.loads(cli("--format", "json", "whatif", "--sleep-score", "85", "--tss", "70").stdout)
    assert doc["model"] == "ml:v0001" and "output_kj_lag1" in doc["model_info"]["held"]


def test_without_a_model_whatif_falls_back_to_the_regression(demo_lake: Path) -> None:
    data = LakeData(LakePaths.at(demo_lake))
    doc = whatif(data, [PlanDay(RIDE, None, 85.0)])
    assert doc["model"] == "regression" and doc["model_info"]["kind"] == "regression"
    assert "no trained readiness model" in doc["model_note"] and doc["interval_level"] == 0.95
    with pytest.raises(InsightError, match="--model ml: no trained readiness model"):
        whatif(data, [PlanDay(RIDE)], prefer="ml")
