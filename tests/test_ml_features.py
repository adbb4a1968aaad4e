"""The predictor's inputs: targets, the leakage audit and its exclusion lists, calendar alignment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biolake.lake.paths import LakePaths
from biolake.ml.features import (
    CALENDAR,
    LABELS,
    PREV_NIGHT,
    PRIOR_DAYS,
    SAME_NIGHT,
    TARGETS,
    FeatureError,
    LeakageError,
    audit,
    design,
    get_target,
    load_table,
    to_calendar,
)

ALL_COLUMNS = [*LABELS, *CALENDAR, *SAME_NIGHT, *PRIOR_DAYS, *PREV_NIGHT]

# The exclusion list, written out per target: the night that ends on the forecast day and both labels.
EXCLUDED = {
    "readiness": {"readiness_today", "readiness_next_day", *SAME_NIGHT},
    "hrv": {"readiness_today", "readiness_next_day", *SAME_NIGHT},
    "resting_hr": {"readiness_today", "readiness_next_day", *SAME_NIGHT},
    "sleep_score": {"readiness_today", "readiness_next_day", *SAME_NIGHT},
}
CONTRIBUTORS = {
    "readiness": {
        "readiness_today",
        "night_sleep_score",
        "night_hrv_ms",
        "night_hrv_vs_prev7d_ms",
        "night_hrv_vs_prev28d_ms",
        "night_hrv_z_prev28d",
        "night_lowest_hr_bpm",
        "night_lowest_hr_vs_prev7d_bpm",
        "night_lowest_hr_vs_prev28d_bpm",
        "night_temperature_deviation_c",
    },
    "hrv": {"night_hrv_ms", "night_hrv_vs_prev7d_ms", "night_hrv_vs_prev28d_ms", "night_hrv_z_prev28d"},
    "resting_hr": {
        "night_lowest_hr_bpm",
        "night_lowest_hr_vs_prev7d_bpm",
        "night_lowest_hr_vs_prev28d_bpm",
        "night_avg_hr_bpm",
    },
    "sleep_score": {
        "night_sleep_score",
        "night_sleep_hours",
        "night_sleep_hours_vs_prev7d",
        "night_efficiency_pct",
        "night_deep_min",
        "night_rem_min",
        "night_latency_min",
        "night_awake_min",
        "night_bedtime_clock_min",
        "night_midpoint_clock_min",
        "night_bedtime_sd_7d_min",
        "night_midpoint_sd_7d_min",
    },
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_exclusion_list_per_target(name: str) -> None:
    target = get_target(name)
    result = audit(ALL_COLUMNS, target)
    assert set(result.excluded) == EXCLUDED[name]
    assert set(target.contributors) == CONTRIBUTORS[name]
    assert target.column in result.excluded and "(the target)" in result.excluded[target.column]
    for column in CONTRIBUTORS[name]:
        assert result.excluded[column].startswith(f"same-day contributor of {name}")
    assert "future" in result.excluded["readiness_next_day"]
    # what remains is known by the evening before the forecast day, and nothing else
    assert set(result.features) == set(CALENDAR) | set(PRIOR_DAYS) | set(PREV_NIGHT)
    assert not any(f.startswith("night_") or f in LABELS for f in result.features)


def test_audit_refuses_a_column_it_does_not_know() -> None:
    with pytest.raises(LeakageError, match="readiness_smoothed"):
        audit([*ALL_COLUMNS, "readiness_smoothed"], get_target("readiness"))


def test_unknown_target() -> None:
    with pytest.raises(FeatureError, match="unknown target 'vo2'"):
        get_target("vo2")


def _table(days: list[str], **columns: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame({"subject_id": "me", "date_day": pd.to_datetime(days), **columns})


def test_calendar_fills_missing_days_and_shifts_the_previous_night_by_one_day() -> None:
    # 2024-01-03 is absent from the table: its night is unknown, so the 4th has no previous night
    table = to_calendar(
        _table(
            ["2024-01-01", "2024-01-02", "2024-01-04"],
            readiness_today=[60, 70, 80],
            night_hrv_ms=[50, 55, 65],
            late_workout_lag1=[0, 1, None],
        )
    )
    assert list(table.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    assert table["prev_night_hrv_ms"].tolist()[1] == 50
    assert np.isnan(table["prev_night_hrv_ms"].tolist()[3])
    assert table["late_workout_lag1"].dtype == float


def test_design_row_of_a_day_ignores_that_days_night_and_labels(demo_lake: Path) -> None:
    table = load_table(LakePaths.at(demo_lake), "me")
    day = table.index[200]
    before = design(table, get_target("readiness"))
    changed = table.copy()
    changed.loc[day, [*SAME_NIGHT, "readiness_next_day"]] = 0.0
    after = design(changed, get_target("readiness"))
    pd.testing.assert_series_equal(
        before.frame.loc[day, before.features], after.frame.loc[day, after.features]
    )
    # the target of day T is the readiness of T, i.e. readiness_next_day of the row before
    assert before.y.loc[day] == table.loc[day - pd.Timedelta(days=1), "readiness_next_day"]


def test_the_gold_table_is_fully_classified(demo_lake: Path) -> None:
    table = load_table(LakePaths.at(demo_lake), "me")
    for name in TARGETS:
        data = design(table, get_target(name))
        assert data.features and data.labelled.shape[0] > 300


def test_missing_table_and_subject(tmp_path: Path, demo_lake: Path) -> None:
    with pytest.raises(FeatureError, match="no lake catalog"):
        load_table(LakePaths.at(tmp_path / "nowhere"), "me")
    with pytest.raises(FeatureError, match="no rows for subject 'nobody'"):
        load_table(LakePaths.at(demo_lake), "nobody")
