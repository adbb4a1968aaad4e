"""Bad input and edge cases give defined results (None with a reason), never a crash; property tests."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biolake.glucose.agp import profile
from biolake.glucose.episodes import table
from biolake.glucose.grid import regular_grid
from biolake.glucose.readings import from_arrays
from biolake.glucose.summary import catalogue
from biolake.glucose.targets import windows
from glucose_support import T0, readings

EVERY_5 = [float(m) for m in range(0, 3 * 1440, 5)]
WAVE = [120 + 60 * np.sin(m / 90) for m in EVERY_5]


def one(minutes: list[float], glucose: list[float]) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning either
        recs = catalogue(readings(minutes, glucose))
    assert len(recs) == 1
    return recs[0]


def test_no_readings_gives_no_record() -> None:
    assert catalogue(readings([], [])) == []


def test_single_reading() -> None:
    rec = one([0.0], [100.0])
    assert rec["n_obs"] == 1 and rec["mean"] == 100.0 and rec["median"] == 100.0 and rec["gmi"] is not None
    for key in ("sd", "cv", "mage", "conga", "modd", "SDw", "sd_roc"):
        assert rec[key] is None and rec["undefined"][key]
    assert rec["undefined"]["sd"] == "needs at least 2 readings"


def test_duplicates_are_averaged_not_double_counted() -> None:
    rec = one([0, 0, 5, 10], [100.0, 120.0, 130.0, 140.0])
    assert rec["n_obs"] == 3 and rec["mean"] == pytest.approx((110 + 130 + 140) / 3)


def test_gap_longer_than_45_minutes_is_not_interpolated() -> None:
    r = readings([0, 5, 10, 100, 105], [100.0, 100, 100, 200, 200])
    grid = regular_grid(r)
    v = grid.values[~np.isnan(grid.values)]
    assert set(v.tolist()) == {100.0, 200.0}  # nothing between the two sides of the gap


def test_censored_values_count_at_the_sensor_limit() -> None:
    r = from_arrays(
        ["a"] * 4,
        [T0 + np.timedelta64(5 * i, "m") for i in range(4)],
        [40.0, 40.0, 100, 400],
        [True, True, False, True],
    )
    rec = catalogue(r)[0]
    assert rec["n_censored"] == 3 and rec["below_54"] == 50.0 and rec["above_250"] == 25.0


def test_constant_glucose_has_no_excursions() -> None:
    rec = one(EVERY_5, [100.0] * len(EVERY_5))
    assert rec["sd"] == 0.0 and rec["conga"] == 0.0 and rec["modd"] == 0.0 and rec["mage"] is None
    assert rec["in_range_70_180"] == 100.0 and rec["gvp"] == 0.0


def test_mixed_5_and_15_minute_sampling() -> None:
    minutes = [float(m) for m in range(0, 1440, 5)] + [float(m) for m in range(1440, 3 * 1440, 15)]
    glucose = [55 + 10 * np.sin(m / 60) for m in minutes[:288]] + [
        150 + 40 * np.sin(m / 60) for m in minutes[288:]
    ]
    rec = one(minutes, glucose)
    assert rec["dt0_min"] == 5 and rec["below_70"] == pytest.approx(60.0)  # count-based: 288 of 480
    assert rec["tw_below_70"] == pytest.approx(100 / 3, abs=0.2)  # time-weighted: one day of three
    assert rec["mage"] is not None and rec["conga"] is not None


def test_step_that_does_not_divide_a_day() -> None:
    rec = one([0.0, 7, 14, 21, 28], [100.0, 110, 120, 110, 100])
    assert rec["dt0_min"] == 6 and rec["mean"] == 108.0


def test_episodes_follow_the_consensus_rules() -> None:
    minutes = [float(m) for m in range(0, 900, 5)]
    gl = [100.0] * len(minutes)
    for i in range(20, 24):  # 20 min below 70: an episode (≥ 15 min)
        gl[i] = 60.0
    for i in range(40, 42):  # 10 min below 70: not one
        gl[i] = 65.0
    for i in range(60, 90):  # below 54 with one 5-minute rise inside: still one episode
        gl[i] = 80.0 if i == 75 else 50.0
    for i in range(100, 131):  # 155 minutes below 70: also an extended episode
        gl[i] = 60.0
    eps = table(readings(minutes, gl))
    hypo1 = [e for e in eps if e["level"] == "level_1"]
    assert [e["start_local"].strftime("%H:%M") for e in hypo1] == ["01:40", "05:00", "08:20"]
    assert hypo1[1]["duration_min"] == 150 and hypo1[1]["extreme_mgdl"] == 50.0
    assert [e["level"] for e in eps].count("extended") == 1
    assert [e["level"] for e in eps].count("level_2") == 1
    assert hypo1[0]["is_night"] and not hypo1[2]["is_night"]


def test_windows_and_agp_cope_with_one_reading() -> None:
    r = readings([0.0], [100.0])
    assert windows(r, 14)[0]["n_obs"] == 1 and windows(r, 14)[0]["sd_mgdl"] is None
    agp = profile(r)
    assert len(agp.profile) == 288 and agp.profile[0]["p50"] == 100.0 and len(agp.daily) == 1


glucose_values = st.lists(st.floats(min_value=39, max_value=401, allow_nan=False), min_size=1, max_size=200)


@settings(max_examples=60, deadline=None)
@given(glucose_values, st.integers(min_value=1, max_value=20))
def test_range_percentages_partition_the_readings(values: list[float], step: int) -> None:
    rec = catalogue(readings([i * step for i in range(len(values))], values))[0]
    parts = rec["below_54"] + (rec["below_70"] - rec["below_54"]) + rec["in_range_70_180"]
    assert parts + rec["above_180"] == pytest.approx(100.0)
    tw = rec["tw_below_70"] + rec["tw_in_range_70_180"] + rec["tw_above_180"]
    assert tw == pytest.approx(100.0)
    assert rec["gri"] <= 100 and rec["lbgi"] >= 0 and rec["hbgi"] >= 0
    assert rec["quantile_0"] <= rec["median"] <= rec["quantile_100"]


@settings(max_examples=40, deadline=None)
@given(glucose_values, st.floats(min_value=0.1, max_value=50))
def test_gmi_and_ea1c_increase_with_the_mean(values: list[float], shift: float) -> None:
    minutes = [5.0 * i for i in range(len(values))]
    low = catalogue(readings(minutes, values))[0]
    high = catalogue(readings(minutes, [v + shift for v in values]))[0]
    assert high["gmi"] > low["gmi"] and high["ea1c"] > low["ea1c"]
    if low["sd"] is not None:
        assert high["sd"] == pytest.approx(low["sd"], rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(40))))
def test_order_of_rows_does_not_matter(order: list[int]) -> None:
    values = [100 + 50 * np.sin(i / 3) for i in range(40)]
    base = catalogue(readings([5.0 * i for i in range(40)], values))[0]
    shuffled = catalogue(readings([5.0 * i for i in order], [values[i] for i in order]))[0]
    for key in ("mean", "sd", "mage", "gvp", "active_percent", "SDwsh"):
        assert shuffled[key] == base[key]


def test_subjects_do_not_leak_into_each_other() -> None:
    a = catalogue(readings(EVERY_5, WAVE))[0]
    both = catalogue(readings(EVERY_5 * 2, WAVE + [200.0] * len(WAVE), ["a"] * len(WAVE) + ["b"] * len(WAVE)))
    for key in ("mean", "sd", "mage", "conga", "modd", "SDb", "pgs", "adrr"):
        assert both[0][key] == pytest.approx(a[key], rel=1e-12)
    assert both[1]["mean"] == 200.0


def test_chunked_computation_gives_the_same_values() -> None:
    from biolake.glucose.summary import compute

    ids = [s for s in "abcdef" for _ in EVERY_5]
    values = [v + 10 * k for k in range(6) for v in WAVE]
    r = readings(EVERY_5 * 6, values, ids)
    whole, chunked = compute(r), compute(r, chunk_readings=len(EVERY_5) * 2)
    for key, value in whole.items():
        np.testing.assert_allclose(chunked[key], value, rtol=1e-12, equal_nan=True, err_msg=key)


def test_percentages_at_any_threshold() -> None:
    from biolake.glucose.metrics import DEFAULT_THRESHOLDS

    r = readings([0.0, 5, 10, 15], [50.0, 65, 100, 200])
    rec = catalogue(r, thresholds=DEFAULT_THRESHOLDS.extended(((60, 100),), (65,), (3.9,)))[0]
    assert rec["in_range_60_100"] == 50.0 and rec["below_65"] == 25.0 and rec["above_3.9"] == 100.0
    assert rec["in_range_70_180"] == 25.0 and rec["tw_below_65"] == 25.0


def test_rate_of_change_series() -> None:
    from biolake.glucose.variability import roc

    grid = regular_grid(readings([0.0, 5, 10, 15, 20], [100.0, 110, 120, 150, 150]))
    rates = roc(grid)
    valid = rates[~np.isnan(rates)]
    # the grid starts at midnight + 5 min (iglu), so 00:00 is not on it: one 15-minute difference
    assert valid.tolist() == pytest.approx([(150 - 110) / 15])


def test_agp_smoothing_keeps_a_flat_day_flat_across_midnight() -> None:
    minutes = [float(m) for m in range(0, 3 * 1440, 5)]
    agp = profile(readings(minutes, [100.0 + 20 * ((m // 5) % 2) for m in minutes]))
    assert all(row["p50"] == pytest.approx(110.0, abs=3.0) for row in agp.profile)
    assert agp.profile[0]["p5"] <= agp.profile[0]["p50"] <= agp.profile[0]["p95"]
    assert {row["date"].isoformat() for row in agp.daily} == {"2024-03-01", "2024-03-02", "2024-03-03"}


def test_clocks_going_back_keep_both_readings() -> None:
    import duckdb

    from biolake.glucose.readings import from_connection

    con = duckdb.connect()
    con.execute(
        """create table g as select * from (values
        ('a', timestamptz '2024-11-03 05:30:00+00', timestamp '2024-11-03 01:30', 100.0),
        ('a', timestamptz '2024-11-03 06:30:00+00', timestamp '2024-11-03 01:30', 120.0),
        ('a', timestamptz '2024-11-03 06:30:00+00', timestamp '2024-11-03 01:30', 130.0),
        ('a', timestamptz '2024-11-03 06:35:00+00', timestamp '2024-11-03 01:35', 125.0))
        t(subject_id, ts_utc, local_ts, glucose_mgdl)"""
    )
    sql = "(select *, cast(local_ts as date) local_date, 'cgm' reading_kind, null censored from g)"
    r = from_connection(con, sql)
    # two instants at 01:30 stay two readings; the same instant from two sources is one (their mean)
    assert r.glucose.tolist() == [100.0, 125.0, 125.0] and r.n_groups == 1
    rec = catalogue(r)[0]
    assert rec["n_obs"] == 3 and rec["dt0_min"] == 5
