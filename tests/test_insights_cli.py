"""The insights commands end to end on (a copy of) the shared demo lake: every analyzer's JSON follows the
documented schema, the planted relationships show with the right sign, discovery caches its run in the lake,
an experiment goes start → stop → analyze, what-if predicts, and bad input gives one error line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from biolake.insights.data import LakeData
from biolake.insights.discover import Settings, run_discovery
from biolake.insights.registry import ANALYZERS, run_insights
from biolake.insights.whatif import PlanDay, whatif
from biolake.insights.workouts import parse_workout
from biolake.lake.paths import LakePaths
from conftest import RunCli, assert_one_error_line

pytestmark = pytest.mark.slow  # CLI subprocesses over a 365-day lake


@pytest.fixture(scope="module")
def lake(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("insights") / "lake"
    shutil.copytree(demo_lake, copy)
    return copy


@pytest.fixture(scope="module")
def cli(lake: Path) -> RunCli:
    return RunCli(lake)


@pytest.fixture(scope="module")
def report(demo_lake: Path) -> dict[str, Any]:
    return run_insights(LakeData(LakePaths.at(demo_lake)))


def _json(cli: RunCli, *args: str) -> Any:
    proc = cli("--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


FINDING_KEYS = {"label", "method", "n", "effect", "effect_name", "interval", "p_value", "unit"}


def test_every_result_follows_the_documented_schema(report: dict[str, Any]) -> None:
    assert report["schema"] == "biolake.insights/1"
    assert set(report) == {"schema", "generated_at", "subject_id", "from", "to", "results"}
    assert [r["name"] for r in report["results"]] == list(ANALYZERS)
    for r in report["results"]:
        assert set(r) == {
            "name",
            "title",
            "verdict",
            "n",
            "findings",
            "summary",
            "chart",
            "notes",
            "narrative",
        }
        assert r["verdict"] in ("signal", "no_clear_signal", "insufficient_data")
        assert r["verdict"] != "insufficient_data", r  # a year of demo data is enough for every analyzer
        for f in r["findings"]:
            assert set(f) == FINDING_KEYS
            assert set(f["interval"]) == {"low", "high", "level", "kind"}
        if r["chart"] is not None:
            assert all(len(v) == len(r["chart"]["x"]) for v in r["chart"]["series"].values()), r["name"]
    json.dumps(report, allow_nan=False)  # strict JSON: no NaN


def _result(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in report["results"] if r["name"] == name)


def test_planted_relationships_show_in_the_analyzers(report: dict[str, Any]) -> None:
    sleep = _result(report, "sleep_readiness")
    assert sleep["verdict"] == "signal" and sleep["findings"][0]["effect"] > 0.4  # docs/demo.md #1: +0.55
    intensity = _result(report, "intensity_recovery")["findings"]
    assert intensity[0]["effect"] < 0 and intensity[1]["effect"] < 0 and intensity[2]["effect"] > 0  # #2
    meals = _result(report, "glucose_meals")["findings"]
    assert meals[0]["effect"] > 0.8  # #4: +0.91
    assert meals[1]["interval"]["low"] < 0.69 < meals[1]["interval"]["high"] + 0.03  # slope 0.69 mg/dL per g
    temperature = _result(report, "temperature")
    assert len(temperature["summary"]["flagged_days"]) >= 5  # #7: illness episodes
    assert temperature["findings"][1]["effect"] < -0.5  # readiness far below on those days


def test_insights_table_and_range(cli: RunCli) -> None:
    proc = cli("insights", "sleep_readiness", "--from", "2026-06-01", "--to", "2026-11-14")
    assert proc.returncode == 0, proc.stderr
    assert "Sleep and next-morning readiness" in proc.stdout and "Spearman" in proc.stdout
    doc = _json(cli, "insights", "sleep_readiness", "readiness_trend", "--from", "2026-11-10")
    assert doc["from"] == "2026-11-10" and [r["verdict"] for r in doc["results"]] == ["insufficient_data"] * 2
    assert "not enough data" in doc["results"][0]["narrative"]


def test_insights_errors(cli: RunCli) -> None:
    assert_one_error_line(cli("insights", "no_such"), "unknown insight", "no_such")
    assert_one_error_line(cli("insights", "--from", "2026-05-01", "--to", "2026-04-01"), "--from")


def test_discover_caches_its_run_in_the_lake(cli: RunCli, lake: Path) -> None:
    first = _json(cli, "insights", "discover", "--top", "0")
    assert first["schema"] == "biolake.discover/1" and not first["cached"]
    assert first["tests"] > 1000 and 0 < first["discoveries"] == len(first["pairs"])
    assert list((lake / "state" / "insights").glob("discoveries-*.parquet"))
    second = _json(cli, "insights", "discover", "--top", "3")
    assert second["cached"] and second["fingerprint"] == first["fingerprint"] and len(second["pairs"]) == 3
    assert second["pairs"] == first["pairs"][:3]
    changed = run_discovery(LakeData(LakePaths.at(lake)), Settings(q=0.01))
    assert not changed.cached and changed.results["discovered"].sum() <= first["discoveries"]


def test_experiment_lifecycle(cli: RunCli) -> None:
    assert (
        cli(
            "experiment",
            "start",
            "early nights",
            "--metric",
            "sleep_score",
            "--on",
            "2026-08-01",
            "--hypothesis",
            "earlier bedtime, better sleep",
        ).returncode
        == 0
    )
    assert cli("experiment", "stop", "early nights", "--on", "2026-08-28").returncode == 0
    listed = _json(cli, "experiment", "list")
    assert listed[0]["name"] == "early nights" and listed[0]["stop"] == "2026-08-28"
    doc = _json(cli, "experiment", "analyze", "early nights")
    est = doc["estimate"]
    assert est["baseline_n"] >= 20 and est["intervention_n"] >= 20
    assert est["credible_low"] < est["posterior_mean"] < est["credible_high"]
    assert (
        "Normal(0" in doc["prior"] and doc["difference_in_differences"]["control"] == "the preceding period"
    )
    assert "cannot rule out" in doc["narrative"]
    assert_one_error_line(cli("experiment", "analyze", "nope"), "no experiment named")
    assert_one_error_line(cli("experiment", "start", "x", "--metric", "mood"), "--metric", "mood")


def test_whatif(cli: RunCli, lake: Path, tmp_path: Path) -> None:
    hard = _json(cli, "whatif", "--sleep-score", "85", "--workout", "cycling 45min hard")
    easy = whatif(LakeData(LakePaths.at(lake)), [PlanDay((parse_workout("walk 30min easy"),), None, 85.0)])
    day = hard["days"][0]
    assert (
        day["tss"] == pytest.approx(60.8) and day["readiness_low"] < day["readiness"] < day["readiness_high"]
    )
    assert hard["model"] == "regression" and hard["model_info"]["n"] > 300
    assert (
        day["readiness"] < easy["days"][0]["readiness"]
    )  # more load, lower predicted readiness (planted #2)
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "- cycling 60min hard\n- cycling 45min tempo\n- rest\n"
        "- workout: ride 90min endurance\n  sleep_score: 80\n"
    )
    doc = _json(cli, "whatif", "--plan", str(plan))
    assert len(doc["days"]) == 4 and doc["days"][2]["tss"] == 0
    assert_one_error_line(cli("whatif", "--workout", "cycling hard"), "--workout", "no duration")
