"""The training marts (dbt/models/marts/training) on a demo lake: `biolake build` builds them, every day
has one row, the Performance Management Chart stays plausible, and the planted relationship "training
load lowers next-morning HRV" (docs/demo.md #2) shows in gold. The formulas themselves are checked by the
dbt unit tests in the models' .yml files, which this build runs too."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from biolake.demo.run import demo
from conftest import RunCli, query, settings_for

pytestmark = pytest.mark.slow  # a 120-day demo and one dbt build of the training marts (~20 s)

DAYS = 120
TRAINING_MARTS = (
    "training_load_daily",
    "overtraining_risk",
    "workout_recommendations",
    "energy_state",
    "workout_recovery_windows",
    "workout_type_optimization",
)
UNIT_TESTS = (
    "int_workouts_deduped_keeps_the_richest_copy",
    "int_training_thresholds_estimates_from_data",
    "int_training_thresholds_configured_values_win",
    "int_workouts_stress_formulas",
    "int_training_wellness_daily_sources_and_baselines",
    "training_load_daily_pmc_by_hand",
    "overtraining_risk_flags_and_levels",
    "workout_recommendations_rules",
    "energy_state_components",
    "workout_recovery_windows_days_to_baseline",
    "workout_type_optimization_next_day_changes",
)
# the training marts and everything they read (other marts, downstream of daily_summary, are not built)
SELECT = " ".join(f"+{mart}" for mart in TRAINING_MARTS)
DAILY_MARTS = ("training_load_daily", "overtraining_risk", "workout_recommendations", "energy_state")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A 120-day demo lake (seed 0) and the JSON report of `biolake build` on it."""
    root = tmp_path_factory.mktemp("training")
    lake = root / "lake"
    result = demo(settings_for(lake), out_dir=root / "exports", days=DAYS, seed=0, build=False)  # type: ignore[arg-type]
    assert all(r.status == "imported" for r in result.results), [(r.file, r.error) for r in result.results]
    proc = RunCli(lake)("--format", "json", "build", "--select", SELECT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    return lake, json.loads(proc.stdout)


def one(lake: Path, sql: str) -> tuple[Any, ...]:
    rows = query(lake, sql)
    assert len(rows) == 1, rows
    return rows[0]


def test_build_builds_and_tests_every_training_model(built: tuple[Path, dict[str, Any]]) -> None:
    _, report = built
    assert report["success"] is True
    status = {n["name"]: n["status"] for n in report["nodes"]}
    for model in (*TRAINING_MARTS, "int_workouts_stress", "int_workouts_deduped", "int_training_thresholds"):
        assert status.get(model) == "success", (model, status.get(model))
    unit_tests = {n["name"]: n["status"] for n in report["nodes"] if n["resource_type"] == "unit_test"}
    assert {name: unit_tests.get(name) for name in UNIT_TESTS} == dict.fromkeys(UNIT_TESTS, "pass")
    assert not [n["name"] for n in report["nodes"] if n["status"] in ("error", "fail")]


@pytest.mark.parametrize("mart", DAILY_MARTS)
def test_one_row_per_calendar_day(built: tuple[Path, dict[str, Any]], mart: str) -> None:
    lake, _ = built
    rows, days, spine = one(
        lake,
        f"SELECT count(*), count(DISTINCT (subject_id, date_day)), "
        f"(SELECT count(*) FROM intermediate.int_calendar_spine) FROM gold.{mart}",
    )
    assert rows == days == spine
    assert DAYS <= rows <= DAYS + 2


def test_performance_management_chart_is_plausible(built: tuple[Path, dict[str, Any]]) -> None:
    lake, _ = built
    min_ctl, max_ctl, max_atl, min_tss, rest_load, training_days = one(
        lake,
        "SELECT min(ctl), max(ctl), max(atl), min(tss), max(tss) FILTER (WHERE workouts = 0), "
        "count(*) FILTER (WHERE tss > 0) FROM gold.training_load_daily",
    )
    assert min_ctl >= 0 and 10 < max_ctl <= 300  # a rider training most days builds fitness
    assert 0 < max_atl <= 400
    assert min_tss == 0 and rest_load == 0  # days without workouts carry no load
    assert training_days > DAYS / 2
    # the recursion: CTL_d = CTL_(d-1)·e^(-1/42) + TSS_d·(1 - e^(-1/42)); TSB_d = CTL_(d-1) - ATL_(d-1)
    worst = one(
        lake,
        f"""WITH d AS (
                SELECT ctl, tsb, tss, lag(ctl) OVER s AS ctl_1, lag(atl) OVER s AS atl_1
                FROM gold.training_load_daily WINDOW s AS (PARTITION BY subject_id ORDER BY date_day))
            SELECT max(abs(ctl - (ctl_1 * {math.exp(-1 / 42)} + tss * {1 - math.exp(-1 / 42)}))),
                   max(abs(tsb - (ctl_1 - atl_1)))
            FROM d""",
    )
    assert worst[0] < 1e-9 and worst[1] < 1e-9
    # daily_summary carries the same numbers
    assert one(
        lake,
        "SELECT count(*) FROM gold.daily_summary d "
        "JOIN gold.training_load_daily t USING (subject_id, date_day) "
        "WHERE d.tss <> t.tss OR d.ctl <> t.ctl OR d.atl <> t.atl OR d.tsb <> t.tsb",
    ) == (0,)


def test_cross_source_copies_of_a_ride_count_once(built: tuple[Path, dict[str, Any]]) -> None:
    lake, _ = built
    # Oura autodetects most Peloton rides and MyFitnessPal lists them: only the Peloton row carries stress
    sources = dict(
        query(lake, "SELECT _source, count(*) FROM intermediate.int_workouts_stress GROUP BY _source")  # type: ignore[arg-type]
    )
    rides = one(lake, "SELECT count(*) FROM workouts WHERE _source = 'peloton'")[0]
    assert sources.get("peloton") == rides
    assert "myfitnesspal" not in sources
    methods = dict(
        query(lake, "SELECT tss_method, count(*) FROM intermediate.int_workouts_stress GROUP BY 1")
    )  # type: ignore[arg-type]
    assert methods.get("heart_rate", 0) >= rides  # no FTP configured: the watch's heart rate gives hrTSS


def test_training_load_lowers_next_day_hrv(built: tuple[Path, dict[str, Any]]) -> None:
    lake, _ = built
    r, n = one(
        lake,
        """WITH d AS (
               SELECT t.tss, lead(w.hrv_ms) OVER s - w.hrv_ms AS next_day_hrv_change
               FROM gold.training_load_daily t
               JOIN intermediate.int_training_wellness_daily w USING (subject_id, date_day)
               WINDOW s AS (PARTITION BY t.subject_id ORDER BY t.date_day))
           SELECT corr(tss, next_day_hrv_change), count(next_day_hrv_change) FROM d""",
    )
    p = math.erfc(abs(r * math.sqrt((n - 2) / (1 - r * r))) / math.sqrt(2))
    assert n > 80
    assert r < -0.15 and p < 0.05, (r, n, p)


def test_harder_bands_disturb_the_next_morning_more(built: tuple[Path, dict[str, Any]]) -> None:
    lake, _ = built
    z = dict(
        query(  # type: ignore[arg-type]
            lake,
            "SELECT intensity_band, mean_next_morning_z FROM gold.workout_recovery_windows "
            "WHERE metric = 'hrv' AND events >= 5",
        )
    )
    assert "rest" in z and {"endurance", "tempo"} & set(z)
    hard = min(v for band, v in z.items() if band in ("endurance", "tempo", "threshold_plus"))
    assert hard < z["rest"]  # HRV the morning after a hard day sits lower than after a rest day
    days = one(
        lake,
        "SELECT min(mean_days_to_baseline), max(mean_days_to_baseline) FROM gold.workout_recovery_windows",
    )
    assert 1 <= days[0] <= days[1] <= 7


def test_daily_decisions_are_in_their_domains(built: tuple[Path, dict[str, Any]]) -> None:
    lake, _ = built
    risks = {r[0] for r in query(lake, "SELECT DISTINCT risk_level FROM gold.overtraining_risk")}
    recs = {r[0] for r in query(lake, "SELECT DISTINCT recommendation FROM gold.workout_recommendations")}
    states = {r[0] for r in query(lake, "SELECT DISTINCT energy_state FROM gold.energy_state")}
    assert risks <= {"low", "moderate", "high"} and "low" in risks
    assert recs <= {"rest", "easy", "moderate", "hard"} and len(recs) >= 2
    assert states <= {"fresh", "neutral", "fatigued", "depleted"} and len(states) >= 2
    # ACWR needs 28 days of history; after that it exists on every day
    missing = one(
        lake,
        "SELECT count(*) FROM (SELECT acwr_rolling, row_number() OVER (ORDER BY date_day) AS i "
        "FROM gold.overtraining_risk) WHERE i > 28 AND acwr_rolling IS NULL",
    )
    assert missing == (0,)
    cycling = one(
        lake,
        "SELECT workouts, mean_tss, mean_output_kj, recovery_rank FROM gold.workout_type_optimization "
        "WHERE activity_type = 'cycling'",
    )
    assert cycling[0] > 30 and cycling[1] > 0 and cycling[2] > 0 and cycling[3] >= 1
