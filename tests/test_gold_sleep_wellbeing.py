"""Gold sleep, wellbeing and feature marts on the demo lake: they build, hold one row per subject and day,
show the relationships planted in the simulation (docs/demo.md), and the readiness feature table uses
nothing from the day it predicts (no leakage)."""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from biolake.demo.run import Job
from biolake.demo.timeline import DEFAULT_END
from conftest import biolake_cmd, clean_env, query, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gold_sleep_wellbeing")]

DAYS = 120  # seed 0: one illness episode (2026-08-29 …), no trip overlap issues for the checks below
SEED = 0
MODELS = (
    "sleep_architecture",
    "sleep_performance_prediction",
    "readiness_performance_correlation",
    "temperature_trends",
    "weekly_summary",
    "dashboard_30day",
    "nutrition_daily",
    "body_daily",
    "feature_readiness_daily",
)
DAILY_MODELS = (
    "sleep_architecture",
    "sleep_performance_prediction",
    "temperature_trends",
    "dashboard_30day",
    "nutrition_daily",
    "body_daily",
    "feature_readiness_daily",
)
# Fixed per-subject thresholds: otherwise training_load_daily estimates them from the subject's last 365
# days of data, a (documented) look-ahead of the PMC features that would defeat the leakage check.
TRAINING = "\n[training]\nftp_w = 210\nmax_hr_bpm = 185\nresting_hr_bpm = 55\nlthr_bpm = 165\n"
LABELS = {"readiness_today", "readiness_next_day"}


@dataclass(frozen=True)
class Gold:
    lake: Path
    cut: Path  # the same lake cut at the morning of cut_day
    cut_day: date
    days: list  # the simulated days (biolake.demo.model.Day)


def cli(*args: str | Path, lake: Path) -> None:
    proc = run(biolake_cmd(*args, lake=lake), env=clean_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def cut_lake(src: Path, dst: Path, day: date) -> None:
    """Copy the lake ``src`` to ``dst`` keeping only what was known on the morning of ``day``: every silver
    row of an earlier local date, and of ``day`` only the main sleep that ended that morning (its sleep
    periods, the stage intervals up to its end) and Oura's sleep score of that night."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".dbt"))
    d = f"DATE '{day.isoformat()}'"
    con = duckdb.connect()
    try:
        main_end = con.sql(
            f"SELECT max(end_utc) FROM read_parquet('{src}/silver/sleep_sessions/*/*.parquet') "
            f"WHERE is_main AND local_date = {d}"
        ).fetchone()[0]
        keep_today = {
            "sleep_sessions": "is_main",
            "sleep_sessions_by_source": "is_main",
            "sleep_stages": f"end_utc <= TIMESTAMPTZ '{main_end.isoformat()}'",
            "daily_scores": "score_type = 'sleep'",
        }
        for path in sorted((dst / "silver").glob("*/*/*.parquet")):
            entity = path.parent.parent.name
            columns = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
            if "local_date" not in columns:
                continue  # subject_profile: no date
            today = keep_today.get(entity, "false")
            where = f"local_date < {d} OR (local_date = {d} AND ({today}))"
            tmp = path.with_suffix(".tmp")
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{path}', hive_partitioning = false) WHERE {where}) "
                f"TO '{tmp}' (FORMAT parquet)"
            )
            tmp.replace(path)
    finally:
        con.close()


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> Gold:
    base = tmp_path_factory.mktemp("gold_sleep")
    lake = base / "lake"
    cli("demo", "--days", str(DAYS), "--seed", str(SEED), "--out", base / "exports", lake=lake)
    # my models, everything upstream and all their data and unit tests: the gate passes
    cli("build", *[a for m in MODELS for a in ("--select", f"+{m}")], lake=lake)
    _, _, days = Job(base / "exports", 0, "me", DAYS, SEED, DEFAULT_END).simulate()
    # the cut day: rides on the day before and on the day itself, the ring worn, well inside the range
    cut_day = next(
        d.date for prev, d in itertools.pairwise(days[60:]) if prev.rides and d.rides and d.ring and prev.ring
    )
    cut = base / "cut"
    cut_lake(lake, cut, cut_day)
    # both lakes again with fixed training thresholds, models only (the training marts' unit tests
    # assume no thresholds are configured), side by side
    env = clean_env(DBT_EXCLUDE_RESOURCE_TYPES="unit_test test")
    procs = []
    for where in (lake, cut):
        with (where / "biolake.toml").open("a", encoding="utf-8") as fh:
            fh.write(TRAINING)
        cmd = biolake_cmd("build", "--select", "+feature_readiness_daily", lake=where)
        procs.append(
            subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-3000:] + err[-3000:]
    return Gold(lake, cut, cut_day, days)


def test_models_build_with_one_row_per_subject_and_day(gold: Gold) -> None:
    [(spine_days, subjects)] = query(
        gold.lake, "SELECT count(*), count(DISTINCT subject_id) FROM intermediate.int_calendar_spine"
    )
    assert spine_days >= DAYS
    for model in DAILY_MODELS:
        [(rows, keys)] = query(
            gold.lake, f"SELECT count(*), count(DISTINCT (subject_id, date_day)) FROM gold.{model}"
        )
        # the feature table adds the day after the last day with data: the row tomorrow's forecast reads
        extra = subjects if model == "feature_readiness_daily" else 0
        assert rows == keys == spine_days + extra, model
    [(weeks, distinct_weeks)] = query(
        gold.lake, "SELECT count(*), count(DISTINCT (subject_id, week_start)) FROM gold.weekly_summary"
    )
    assert weeks == distinct_weeks and DAYS / 7 <= weeks <= DAYS / 7 + 2
    # the night's architecture: proportions of total sleep, regularity once enough nights are in
    [(nights, props, sd7)] = query(
        gold.lake,
        "SELECT count(total_sleep_min), avg(deep_pct + rem_pct + light_pct), count(midpoint_sd_7d_min) "
        "FROM gold.sleep_architecture",
    )
    assert nights >= DAYS - 2 and props == pytest.approx(100, abs=0.5) and sd7 >= DAYS - 10


def test_sleep_score_predicts_next_day_readiness(gold: Gold) -> None:
    rows = query(
        gold.lake,
        "SELECT lag_days, n, r, t_stat, p_value FROM gold.readiness_performance_correlation "
        "WHERE metric_x = 'sleep_score' AND metric_y = 'readiness_score' ORDER BY lag_days",
    )
    assert [r[0] for r in rows] == [0, 1]
    for lag, n, r, t, p in rows:
        assert n > 30 and r > 0 and p < 0.01, (lag, n, r, p)
        # the p-value is the two-sided normal tail of t = r·sqrt((n−2)/(1−r²))
        assert t == pytest.approx(r * math.sqrt((n - 2) / (1 - r * r)))
        assert p == pytest.approx(math.erfc(abs(t) / math.sqrt(2)), abs=2e-7)
    [(r_load,)] = query(
        gold.lake,
        "SELECT r FROM gold.readiness_performance_correlation "
        "WHERE metric_x = 'training_output_kj' AND metric_y = 'sleep_lowest_hr_bpm' AND lag_days = 1",
    )
    assert r_load > 0.2  # load raises the next night's lowest heart rate


def test_temperature_flag_marks_the_illness_episode(gold: Gold) -> None:
    ill = {d.date for d in gold.days if d.illness > 0}
    assert ill, "the seed should hold an illness episode"
    flagged = {
        r[0] for r in query(gold.lake, "SELECT date_day FROM gold.temperature_trends WHERE illness_signal")
    }
    assert len(flagged) >= 2 and flagged <= ill, (sorted(flagged), sorted(ill))
    alerts = {
        r[0] for r in query(gold.lake, "SELECT date_day FROM gold.temperature_trends WHERE illness_alert")
    }
    assert alerts and alerts <= flagged


def _features(lake: Path, until: date) -> dict[date, dict[str, object]]:
    from biolake.lake.paths import LakePaths
    from biolake.lake.query import run_query

    result = run_query(
        LakePaths.at(lake),
        f"SELECT * FROM gold.feature_readiness_daily WHERE date_day <= DATE '{until}' ORDER BY date_day",
    )
    out = {}
    for row in result.rows:
        values = dict(zip(result.columns, row, strict=True))
        out[values["date_day"]] = {k: v for k, v in values.items() if k not in LABELS}
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_feature_readiness_daily_uses_nothing_from_the_day_it_predicts(gold: Gold) -> None:
    full = _features(gold.lake, gold.cut_day)
    cut = _features(gold.cut, gold.cut_day)
    assert gold.cut_day in cut and set(cut) == set(full)
    differences = {
        (day, column): (value, cut[day][column])
        for day, row in full.items()
        for column, value in row.items()
        if not _same(value, cut[day][column])
    }
    assert not differences, differences
    # the cut is real: the day's data and the labels are gone from the cut lake
    d = f"DATE '{gold.cut_day}'"
    [(readiness_full,)] = query(
        gold.lake, f"SELECT readiness_today FROM gold.feature_readiness_daily WHERE date_day = {d}"
    )
    [(readiness_cut, output_cut)] = query(
        gold.cut, f"SELECT readiness_score, workout_output_kj FROM gold.daily_summary WHERE date_day = {d}"
    )
    assert readiness_full is not None and readiness_cut is None and output_cut is None
    # and the features of the cut day carry the previous day and the night
    row = cut[gold.cut_day]
    assert row["output_kj_lag1"] and row["night_sleep_score"] and row["ctl_lag1"]
    assert gold.cut_day - timedelta(days=1) in cut
