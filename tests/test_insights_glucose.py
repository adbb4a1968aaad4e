"""The glucose analyzers stand on the glucose marts (biolake.glucose): the meals analyzer reads every
response of gold.meal_glucose_response and recovers the demo's planted carbohydrate response; the
exercise analyzer's daily glucose is gold.glucose_daily's; the overnight window reads CGM readings only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from biolake.insights.analyzers.glucose import GlucoseExercise, GlucoseMeals, GlucoseSleep
from biolake.insights.data import LakeData
from biolake.lake.paths import LakePaths
from conftest import query


@pytest.fixture(scope="module")
def data(demo_lake: Path) -> LakeData:
    return LakeData(LakePaths.at(demo_lake))


def test_meal_responses_come_from_the_meal_mart(data: LakeData, demo_lake: Path) -> None:
    frame = GlucoseMeals().load(data)
    want = query(
        demo_lake,
        "SELECT meal_local, carbs_g, peak_rise_mgdl, time_to_peak_min FROM gold.meal_glucose_response "
        "WHERE carbs_g IS NOT NULL AND peak_rise_mgdl IS NOT NULL ORDER BY meal_local",
    )
    assert len(frame) == len(want) > 1000
    assert frame["rise_mgdl"].tolist() == [r[2] for r in want]
    assert frame["minutes_to_peak"].tolist() == [r[3] for r in want]
    result = GlucoseMeals().analyze(frame)
    rho, slope = result.findings
    # docs/demo.md #4: corr(carbs, rise) +0.91, slope about 0.7 mg/dL per g, peak after a median 50 min
    assert result.verdict == "signal" and rho.effect is not None and rho.effect > 0.85
    assert slope.interval is not None and slope.interval.low < 0.70 < slope.interval.high
    assert 40 <= result.summary["median_minutes_to_peak"] <= 60


def test_meals_in_a_range_only(demo_lake: Path) -> None:
    ranged = LakeData(LakePaths.at(demo_lake), start=date(2026, 10, 1), end=date(2026, 10, 31))
    frame = GlucoseMeals().load(ranged)
    days = pd.to_datetime(frame["date_day"]).dt.date
    assert len(frame) > 50 and days.min() >= date(2026, 10, 1) and days.max() <= date(2026, 10, 31)


def test_exercise_reads_the_daily_glucose_mart(data: LakeData, demo_lake: Path) -> None:
    frame = GlucoseExercise().load(data)
    want = dict(query(demo_lake, "SELECT local_date, mean_mgdl FROM gold.glucose_daily"))
    got = frame.dropna(subset=["glucose_mean_mgdl"])
    assert len(got) == len(want) and frame["in_range"].all()
    for day, value in zip(got["date_day"], got["glucose_mean_mgdl"], strict=True):
        assert value == want[pd.Timestamp(day).date()]
    result = GlucoseExercise().analyze(frame)
    assert result.n == len(want) and result.summary["training_day_median_mgdl"] is not None


def test_overnight_glucose_counts_cgm_readings_only(data: LakeData, demo_lake: Path) -> None:
    frame = GlucoseSleep().load(data)
    day = frame["date_day"].iloc[len(frame) // 2]
    (want,) = query(
        demo_lake,
        "SELECT avg(glucose_mgdl) FROM glucose_readings WHERE reading_kind = 'cgm' AND hour(local_ts) < 6 "
        f"AND local_date = DATE '{pd.Timestamp(day).date()}'",
    )
    assert frame["overnight_glucose_mgdl"].iloc[len(frame) // 2] == pytest.approx(want[0])
