"""The gold glucose marts agree with the library (one definition per metric), on the shared demo lake."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from biolake.glucose import agp, episodes, marts, meals
from biolake.glucose.readings import Readings, from_connection, load
from biolake.glucose.summary import catalogue
from biolake.lake.catalog import open_catalog
from biolake.lake.paths import LakePaths

GLUCOSE_MARTS = [
    "glucose_daily",
    "glucose_period_summary",
    "glucose_episodes",
    "glucose_agp",
    "meal_glucose_response",
]


@pytest.fixture(scope="module")
def gold_lake(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared demo lake, or (when it was built without the glucose marts) a copy with them built."""
    import shutil

    from biolake.config import load_settings
    from biolake.transform.build import build

    con = duckdb.connect(str(LakePaths.at(demo_lake).catalog), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'gold'"
            ).fetchall()
        }
    finally:
        con.close()
    if set(GLUCOSE_MARTS) <= tables:
        return demo_lake
    copy = tmp_path_factory.mktemp("glucose-gold") / "lake"
    shutil.copytree(demo_lake, copy)
    settings = load_settings(lake=copy, environ={}, cwd=copy.parent).with_overrides(timezone="UTC")
    result = build(settings, select=GLUCOSE_MARTS, unit_tests=False)
    assert result.success, result
    return copy


@pytest.fixture(scope="module")
def gold(gold_lake: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(LakePaths.at(gold_lake).catalog), read_only=True)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description or ()]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def readings(gold_lake: Path) -> Readings:
    return load(LakePaths.at(gold_lake))


def test_daily_mart_is_the_library_per_day(gold: duckdb.DuckDBPyConnection, readings: Readings) -> None:
    mart = {
        r["local_date"]: r for r in rows(gold, "select * from gold.glucose_daily where subject_id = 'me'")
    }
    assert len(mart) == 365
    day = date(2026, 6, 1)
    lib = catalogue(readings.select(readings.day() == (day - date(1970, 1, 1)).days))[0]
    for col, (key, _) in marts.DAILY.items():
        assert mart[day][col] == pytest.approx(lib[key], rel=1e-12), col


def test_int_glucose_daily_agrees_with_the_library(gold: duckdb.DuckDBPyConnection) -> None:
    (n, worst) = gold.execute(
        """select count(*), max(greatest(abs(i.glucose_mean_mgdl - g.mean_mgdl),
                  abs(i.glucose_sd_mgdl - g.sd_mgdl), abs(i.glucose_cv_pct - g.cv_pct),
                  abs(i.tir_70_180_pct - g.tir_70_180_pct),
                  abs(i.tbr_70_pct - g.tbr_70_pct), abs(i.tbr_54_pct - g.tbr_54_pct),
                  abs(i.tar_180_pct - g.tar_180_pct), abs(i.tar_250_pct - g.tar_250_pct),
                  abs(i.glucose_readings - g.n_obs)))
           from intermediate.int_glucose_daily i
           full join gold.glucose_daily g using (subject_id, local_date)"""
    ).fetchone() or (0, None)
    assert n == 365 and worst is not None and worst < 1e-9


def test_period_summary_is_the_catalogue_of_its_window(
    gold: duckdb.DuckDBPyConnection, gold_lake: Path
) -> None:
    mart = rows(gold, "select * from gold.glucose_period_summary order by window_end")
    assert len(mart) == 365 and mart[0]["days_with_data"] == 1 and mart[-1]["days_with_data"] == 14
    last = mart[-1]
    assert (last["window_end"] - last["window_start"]).days == 13
    lib = catalogue(load(LakePaths.at(gold_lake), start=last["window_start"], end=last["window_end"]))[0]
    pairs = {
        "n_obs": "n_obs",
        "mean_mgdl": "mean",
        "sd_mgdl": "sd",
        "cv_pct": "cv",
        "gmi_pct": "gmi",
        "tir_70_180_pct": "in_range_70_180",
        "tbr_70_pct": "below_70",
        "tbr_54_pct": "below_54",
        "tar_180_pct": "above_180",
        "tar_250_pct": "above_250",
    }
    for col, key in pairs.items():
        assert last[col] == pytest.approx(lib[key], rel=1e-9), col
    # iglu's active_percent(range_type = "manual", ndays = 14): readings / (14 days of 5-minute slots)
    assert last["active_percent"] == pytest.approx(min(100.0, 100 * lib["n_obs"] / (14 * 288)))
    assert last["sufficient_data"] and last["meets_tir_target"] == (lib["in_range_70_180"] > 70)
    assert last["meets_cv_target"] == (lib["cv"] <= 36)
    assert not mart[0]["sufficient_data"]  # a one-day window holds 1/14 of the readings


def test_episode_mart_is_the_library_table(gold: duckdb.DuckDBPyConnection, readings: Readings) -> None:
    mart = rows(
        gold, "select * from gold.glucose_episodes order by subject_id, start_local, episode_type, level"
    )
    lib = episodes.table(readings)
    assert len(mart) == len(lib) > 0
    assert [(m["start_local"], m["level"], m["duration_min"]) for m in mart] == [
        (e["start_local"], e["level"], e["duration_min"]) for e in lib
    ]
    assert all(m["duration_min"] >= 15 for m in mart)


def test_agp_mart_is_the_last_14_days(gold: duckdb.DuckDBPyConnection, gold_lake: Path) -> None:
    mart = rows(gold, "select * from gold.glucose_agp order by minute_of_day")
    assert len(mart) == 288 and mart[0]["period_end"] == date(2026, 11, 14)
    lib = agp.agp(LakePaths.at(gold_lake), start=mart[0]["period_start"], end=mart[0]["period_end"]).profile
    for m, lp in zip(mart, lib, strict=True):
        assert m["p50_mgdl"] == pytest.approx(lp["p50"]) and m["p5_mgdl"] <= m["p50_mgdl"] <= m["p95_mgdl"]
    # the demo's planted dawn effect: 06–08 h above 02–04 h
    by_hour = {m["minute_of_day"] // 60: m["p50_mgdl"] for m in mart}
    assert by_hour[7] > by_hour[3] + 10


def test_meal_mart_recovers_the_planted_carb_response(
    gold: duckdb.DuckDBPyConnection, gold_lake: Path
) -> None:
    mart = rows(gold, "select * from gold.meal_glucose_response where peak_rise_mgdl is not null")
    assert len(mart) > 1000
    carbs = np.array([m["carbs_g"] for m in mart])
    rise = np.array([m["peak_rise_mgdl"] for m in mart])
    # docs/demo.md: corr(carbs, rise) = +0.91, slope 0.69 mg/dL per g, median time to peak 50 min
    assert np.corrcoef(carbs, rise)[0, 1] > 0.85
    assert 0.55 < np.polyfit(carbs, rise, 1)[0] < 0.85
    assert 40 <= np.median([m["time_to_peak_min"] for m in mart]) <= 60
    con = open_catalog(LakePaths.at(gold_lake))
    lib = {m["local_ts"]: m for m in meals.meal_responses(con)}
    for m in mart[:50]:
        assert lib[m["meal_local"]]["iauc_2h"] == pytest.approx(m["iauc_2h_mgdl_h"])
        assert lib[m["meal_local"]]["rank_by_carbs"] == m["rank_by_carbs"]


def test_marts_without_cgm_data_are_empty_and_typed() -> None:
    con = duckdb.connect()
    con.execute(
        "create table r as select 'x'::varchar subject_id, now()::timestamptz ts_utc,"
        " now()::timestamp local_ts, current_date local_date, 1.0::double glucose_mgdl,"
        " null::varchar censored, 'cgm' reading_kind where false"
    )
    con.execute(
        "create table n as select 'x'::varchar subject_id, now()::timestamp local_ts,"
        " current_date local_date,"
        " 'lunch' meal, 'food' food, 60.0::double carbs_g, 500.0::double energy_kcal, 1.0::double sugar_g,"
        " 1.0::double fiber_g, 1.0::double protein_g, 1.0::double fat_g, true time_known, 'mfp' _source"
    )
    rel, nut = con.table("r"), con.table("n")
    for build, schema in (
        (marts.glucose_daily, None),
        (marts.glucose_period_summary, marts.PERIOD),
        (marts.glucose_episodes, marts.EPISODES),
        (marts.glucose_agp, marts.AGP),
    ):
        out = build(con, rel)
        assert out.num_rows == 0 and (schema is None or out.column_names == list(schema))
    meal_rows = marts.meal_glucose_response(con, nut, rel)
    assert meal_rows.num_rows == 1 and meal_rows.column("reason").to_pylist() == ["no CGM readings"]
    assert from_connection(con, "r").n_groups == 0
