"""biolake.glucose against iglu's reference values on the real 5-subject data (every metric of both files).

The reference CSVs print 6 decimals, so a value is compared at a relative error of 1e-6 or, for values
whose 6th decimal is the limit (e.g. LBGI 0.004642), within half that last printed digit (5e-7)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from biolake.glucose.summary import summarize
from biolake.lake.paths import LakePaths
from glucose_support import IGLU, iglu_lake

REL, PRINTED = 1e-6, 5e-7
REFERENCE_FILES = ("iglu_reference_5subj.csv", "iglu_reference_5subj_extras.csv")
# iglu's column name → biolake's key (biolake keeps iglu's names, lower-cased where iglu-R's function is)
NAMES = {
    "ADRR": "adrr",
    "IQR": "iqr",
    "M_value": "m_value",
    "MAG": "mag",
    "COGI": "cogi",
    "IGC": "igc",
    "GVP": "gvp",
    "PGS": "pgs",
    "GRADE_hypo": "grade_hypo",
    "GRADE_hyper": "grade_hyper",
    "GRADE_eugly": "grade_eugly",
}


def _reference() -> list[tuple[str, str, float]]:
    rows = []
    for name in REFERENCE_FILES:
        with (IGLU / name).open(newline="") as f:
            for row in csv.DictReader(f):
                rows += [(row["id"], col, float(v)) for col, v in row.items() if col != "id"]
    return rows


REFERENCE = _reference()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return iglu_lake(tmp_path_factory.mktemp("iglu"))


@pytest.fixture(scope="module")
def records(lake: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in summarize(LakePaths.at(lake))}


def test_period_and_subject_filters(lake: Path, records: dict[str, dict[str, Any]]) -> None:
    from datetime import date

    one = summarize(LakePaths.at(lake), subject="Subject 3", start=date(2015, 3, 11), end=date(2015, 3, 12))
    assert [r["id"] for r in one] == ["Subject 3"]
    assert 0 < one[0]["n_obs"] < records["Subject 3"]["n_obs"]
    assert str(one[0]["first_reading"]) >= "2015-03-11" and str(one[0]["last_reading"]) < "2015-03-13"
    none = summarize(LakePaths.at(lake), subject="Subject 3", start=date(2020, 1, 1))
    assert none[0]["n_obs"] == 0 and none[0]["mean"] is None
    assert none[0]["undefined"]["mean"] == "no readings in the period"


def test_every_reference_metric_is_covered() -> None:
    columns = {col for _, col, _ in REFERENCE}
    assert len(columns) == 46 and len(REFERENCE) == 5 * 46


@pytest.mark.parametrize(
    ("subject", "column", "expected"), REFERENCE, ids=[f"{s}-{c}" for s, c, _ in REFERENCE]
)
def test_metric_matches_iglu(
    records: dict[str, dict[str, Any]], subject: str, column: str, expected: float
) -> None:
    value = records[subject][NAMES.get(column, column)]
    assert value is not None, records[subject]["undefined"]
    assert value == pytest.approx(expected, rel=REL, abs=PRINTED)


def test_mmol_output_divides_glucose_metrics_only(lake: Path, records: dict[str, dict[str, Any]]) -> None:
    mmol = {r["id"]: r for r in summarize(LakePaths.at(lake), units="mmol")}
    for subject, rec in records.items():
        assert mmol[subject]["mean"] == pytest.approx(rec["mean"] / 18.0182)
        assert mmol[subject]["mage"] == pytest.approx(rec["mage"] / 18.0182)
        assert (
            mmol[subject]["gmi"] == rec["gmi"] and mmol[subject]["in_range_70_180"] == rec["in_range_70_180"]
        )
        assert mmol[subject]["units"] == "mmol/L"
