"""What-if: workout phrases → TSS, the PMC rolled forward as the training marts define it, the regression
model against statsmodels, widening intervals over a plan, the model seam, and plan-file errors."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from biolake.insights.data import InsightError
from biolake.insights.whatif import (
    FEATURES,
    TARGET,
    PlanDay,
    Prediction,
    RegressionModel,
    Today,
    read_plan,
    simulate,
)
from biolake.insights.workouts import parse_workout


@pytest.mark.parametrize(
    ("text", "kind", "minutes", "factor"),
    [
        ("cycling 45min hard", "cycling", 45, 0.90),
        ("Run 1h easy", "running", 60, 0.65),
        ("1h30 ride tempo", "cycling", 90, 0.80),
        ("1 h 30 min bike, zone 2", "cycling", 90, 0.65),
        ("strength 30'", "strength_training", 30, 0.65),
        ("yoga 20 min", "flexibility", 20, 0.55),
        ("walk 1:15", "walking", 75, 0.60),
        ("90 minutes of something", "other", 90, 0.70),
        ("spin 40 min intervals", "cycling", 40, 1.05),
        ("ride 60min threshold", "cycling", 60, 0.95),
        ("ride 60min IF 0.85", "cycling", 60, 0.85),
    ],
)
def test_parse_workout(text: str, kind: str, minutes: float, factor: float) -> None:
    w = parse_workout(text)
    assert (w.activity_type, w.minutes, w.intensity_factor) == (kind, minutes, factor)
    assert w.tss == pytest.approx(100 * minutes / 60 * factor**2, abs=0.05)  # Coggan: 100 · h · IF²


def test_parse_workout_given_tss_and_rest() -> None:
    assert parse_workout("ride 90 minutes TSS 85").tss == 85
    assert parse_workout("Rest").tss == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [("cycling hard", "no duration"), ("ride 30h", "more than a day"), ("ride 1h IF 1.9", "outside")],
)
def test_parse_workout_errors_name_the_option(text: str, message: str) -> None:
    with pytest.raises(InsightError, match=f"--workout: .*{message}"):
        parse_workout(text)


class Fixed:
    """A stand-in model through the seam: readiness = 40 + 0.5 · previous readiness, SD 5."""

    def __init__(self) -> None:
        self.calls: list[Mapping[str, float]] = []

    def predict(self, features: Mapping[str, float]) -> Prediction:
        self.calls.append(dict(features))
        return Prediction(40 + 0.5 * features["readiness_lag1"] - 0.1 * features["tss_lag1"], 5.0)


TODAY = Today(
    date(2026, 11, 14),
    readiness=80,
    sleep_score=82,
    ctl_yesterday=40,
    atl_yesterday=50,
    sleep_median=80,
    sleep_sd=6,
)


def test_pmc_rolls_forward_with_the_42_and_7_day_constants() -> None:
    plan = [PlanDay(tss=100.0), PlanDay(tss=0.0), PlanDay(tss=60.0)]
    rows = simulate(Fixed(), TODAY, plan)
    ctl, atl = 40.0, 50.0
    for row, day in zip(rows, plan, strict=True):
        assert day.tss is not None
        ctl += (day.tss - ctl) * (1 - math.exp(-1 / 42))
        atl += (day.tss - atl) * (1 - math.exp(-1 / 7))
        assert (row["ctl"], row["atl"], row["tsb_next_morning"]) == pytest.approx(
            (ctl, atl, ctl - atl), abs=0.06
        )
    assert [r["day"] for r in rows] == ["2026-11-14", "2026-11-15", "2026-11-16"]
    assert rows[0]["predicted_for"] == "2026-11-15"


def test_the_model_seam_and_variance_propagation() -> None:
    model = Fixed()
    rows = simulate(model, TODAY, [PlanDay(tss=50.0, sleep_score=85.0)] * 3)
    assert model.calls[0]["readiness_lag1"] == 80 and model.calls[0]["night_sleep_score"] == 85
    assert rows[0]["readiness"] == pytest.approx(40 + 40 - 5, abs=0.05)
    # var_t = 25 + 0.5² var_(t−1): SDs 5, √31.25, √32.8125
    sds = [(r["readiness_high"] - r["readiness"]) / 1.959964 for r in rows]
    assert sds == pytest.approx([5, math.sqrt(31.25), math.sqrt(32.8125)], abs=0.06)


def _history(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f: rng.normal(70, 8, n) for f in FEATURES})
    frame["tss_lag1"] = rng.uniform(0, 120, n)
    frame["tsb_morning"] = rng.normal(0, 10, n)
    frame[TARGET] = (
        5
        + 0.5 * frame["night_sleep_score"]
        + 0.1 * frame["sleep_score_lag1"]
        - 0.08 * frame["tss_lag1"]
        + 0.3 * frame["readiness_lag1"]
        + 0.05 * frame["tsb_morning"]
        + rng.normal(0, 4, n)
    )
    return frame


def test_regression_prediction_interval_matches_statsmodels() -> None:
    frame = _history()
    model = RegressionModel(frame)
    feats = {
        "night_sleep_score": 85,
        "sleep_score_lag1": 75,
        "tss_lag1": 60,
        "readiness_lag1": 72,
        "tsb_morning": -5,
    }
    pred = model.predict(feats)
    ref = sm.OLS(frame[TARGET], sm.add_constant(frame[list(FEATURES)])).fit()
    sf = ref.get_prediction(np.array([[1.0, *feats.values()]])).summary_frame(alpha=0.05)
    assert pred.mean == pytest.approx(float(sf["mean"].iloc[0]))
    q = float(__import__("scipy").stats.t.ppf(0.975, ref.df_resid))
    assert pred.sd * q == pytest.approx(float(sf["obs_ci_upper"].iloc[0] - sf["mean"].iloc[0]))
    assert model.coefficients["night_sleep_score"] == pytest.approx(0.5, abs=0.05)


def test_plan_intervals_widen_day_by_day() -> None:
    model = RegressionModel(_history())
    rows = simulate(model, TODAY, [PlanDay((parse_workout("cycling 60min hard"),))] * 7)
    widths = [r["readiness_high"] - r["readiness_low"] for r in rows]
    # wider than day 1 every day after, then levelling off at the model's stationary spread (± rounding)
    assert all(w > widths[0] for w in widths[1:])
    assert all(b >= a - 0.25 for a, b in itertools.pairwise(widths))
    assert all(r["sleep_assumed"] for r in rows)


def test_too_little_history_is_refused() -> None:
    with pytest.raises(InsightError, match="complete days to fit"):
        RegressionModel(_history(10))


def test_read_plan(tmp_path: Path) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text(
        "days:\n  - workout: cycling 45min hard\n    sleep_score: 80\n  - rest\n"
        "  - workout: [ride 1h endurance, strength 20min]\n  - tss: 70\n"
    )
    plan = read_plan(f)
    assert [d.total_tss for d in plan][1:] == [0, pytest.approx(42.3 + 14.1, abs=0.1), 70]
    assert plan[0].sleep_score == 80 and plan[1].sleep_score is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("days: [", "not valid YAML"),
        ("42", "expected a list of days"),
        ("- workout: cycling\n", "day 1: no duration"),
        ("- rest\n- sleep: 80\n", "day 2: give 'workout'"),
        ("- tss: -5\n", "day 1: 'tss' must be a number"),
        ("- workout: 45\n", "day 1: 'workout' must be text"),
    ],
)
def test_read_plan_errors_name_the_file_and_day(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    with pytest.raises(InsightError, match=message) as info:
        read_plan(f)
    assert str(f) in str(info.value)
