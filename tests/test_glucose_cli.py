"""``biolake glucose …`` end to end (the real CLI in a subprocess) on the iglu 5-subject lake."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli, assert_one_error_line
from glucose_support import iglu_lake

# the contract other parts of biolake rely on (docs/glucose.md)
SUMMARY_KEYS = {
    "id", "n_obs", "mean", "median", "sd", "cv", "gmi", "ea1c", "in_range_70_180", "in_range_63_140",
    "below_54", "below_70", "above_140", "above_180", "above_250", "mage", "conga", "modd", "lbgi", "hbgi",
    "adrr", "grade", "j_index", "mad", "active_percent", "gri", "m_value", "mag", "gvp", "cogi", "pgs",
    "igc", "hypo_index", "hyper_index", "sd_roc", "hourly_auc", "iqr", "range", "CVmean", "CVsd", "SDw",
    "SDhhmm", "SDwsh", "SDdm", "SDb", "SDbdm", "grade_hypo", "grade_eugly", "grade_hyper",
    "tw_in_range_70_180", "undefined",
}  # fmt: skip


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> RunCli:
    return RunCli(iglu_lake(tmp_path_factory.mktemp("iglu-cli")))


def json_rows(proc: Any) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list)
    return rows


def test_summary_json_has_iglu_names(cli: RunCli) -> None:
    rows = json_rows(cli("--format", "json", "glucose", "summary"))
    assert [r["id"] for r in rows] == [f"Subject {i}" for i in range(1, 6)]
    assert set(rows[0]) >= SUMMARY_KEYS
    assert rows[0]["n_obs"] == 2915 and rows[0]["mean"] == pytest.approx(123.665523, rel=1e-6)


def test_summary_mmol_period_and_extra_ranges(cli: RunCli) -> None:
    args = ("--subject", "Subject 1", "--units", "mmol", "--from", "2015-06-10", "--to", "2015-06-12")
    rows = json_rows(
        cli("--format", "json", "glucose", "summary", *args, "--in-range", "80-120", "--below", "60")
    )
    assert len(rows) == 1 and rows[0]["units"] == "mmol/L" and rows[0]["mean"] < 15
    assert rows[0]["first_reading"].startswith("2015-06-10") and rows[0]["last_reading"].startswith(
        "2015-06-12"
    )
    assert 0 < rows[0]["in_range_80_120"] < rows[0]["in_range_70_180"] and rows[0]["tw_below_60"] == 0


def test_summary_table_is_one_column_per_subject(cli: RunCli) -> None:
    proc = cli("glucose", "summary", "--subject", "Subject 2")
    assert proc.returncode == 0, proc.stderr
    assert "Subject 2" in proc.stdout and "mage" in proc.stdout and "118.07" in proc.stdout


def test_subject_without_data_is_a_record_with_reasons(cli: RunCli) -> None:
    rows = json_rows(cli("--format", "json", "glucose", "summary", "--subject", "nobody"))
    assert rows[0]["n_obs"] == 0 and rows[0]["mean"] is None
    assert rows[0]["undefined"]["mage"] == "no readings in the period"


def test_episodes_agp_and_meals(cli: RunCli) -> None:
    eps = json_rows(cli("--format", "json", "glucose", "episodes", "--subject", "Subject 1"))
    assert {e["episode_type"] for e in eps} == {"hypo", "hyper"} and all(e["duration_min"] >= 15 for e in eps)
    proc = cli("--format", "csv", "glucose", "agp", "--subject", "Subject 3", "--units", "mmol")
    table = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(table) == 288 and float(table[100]["p50"]) < 20
    daily = json_rows(cli("--format", "json", "glucose", "agp", "--subject", "Subject 3", "--daily"))
    assert {d["date"] for d in daily} >= {"2015-03-11", "2015-03-15"}
    assert json_rows(cli("--format", "json", "glucose", "meals")) == []
    proc = cli("glucose", "meals")
    assert proc.returncode == 0 and "no meals with a known time" in proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from", "2015-06-10", "--to", "2015-06-01"), ("--from", "after", "--to")),
        (("--in-range", "140-70"), ("--in-range", "LOW-HIGH")),
    ],
)
def test_bad_period_is_one_error_line(cli: RunCli, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert_one_error_line(cli("glucose", "summary", *args), *words)


def test_missing_lake_is_one_error_line(tmp_path: Path, cli: RunCli) -> None:
    assert_one_error_line(cli("glucose", "episodes", lake=tmp_path / "none"), "no lake")


def test_bad_units_is_a_usage_error(cli: RunCli) -> None:
    proc = cli("glucose", "summary", "--units", "mmol/l")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
