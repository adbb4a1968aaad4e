"""CGM summary Observations (HL7 CGM IG) from iglu-keyed summaries, and the export's summary: the glucose
library's, checked against iglu-python (the reference implementation of iglu's metrics) on the demo lake."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from biolake.fhir.observations import (
    IG_METRICS,
    Subject,
    cgm_summary_observations,
    period_glucose_summary,
)
from biolake.glucose.summary import summarize
from biolake.lake.catalog import open_catalog
from biolake.lake.paths import LakePaths
from fhir_support import check_against_table, validate

SUBJECT = Subject("me", "5f0c2f6e-0000-5000-8000-000000000001", "relative")
START, END = date(2026, 5, 1), date(2026, 5, 14)
SUMMARY = {  # as biolake.glucose.summarize returns it (iglu names)
    "mean": 145.04,
    "gmi": 6.7793,
    "cv": 34.2,
    "in_range_70_180": 65.0,
    "below_54": 3.0,
    "below_70": 11.0,
    "above_180": 24.0,
    "above_250": 4.0,
    "active_percent": 95.123,
    "n_obs": 3800.0,
}


def _by_code(observations: list[dict]) -> dict[str, dict]:
    return {o["code"]["coding"][0]["code"]: o for o in observations}


def test_summary_observations_follow_the_cgm_ig() -> None:
    observations = cgm_summary_observations(SUMMARY, SUBJECT, START, END)
    for o in observations:
        validate(o)
        check_against_table(o)
        assert o["effectivePeriod"] == {"start": "2026-05-01", "end": "2026-05-14"}
        assert o["subject"] == {"reference": f"Patient/{SUBJECT.patient_id}"}
    by = _by_code(observations)
    assert set(by) == {"97507-8", "106793-3", "97506-0", "104638-2", "104637-4", "cgm-summary"}
    assert by["97507-8"]["valueQuantity"]["value"] == 145
    assert by["97506-0"]["valueQuantity"]["value"] == 6.78
    assert by["104638-2"]["valueQuantity"]["value"] == 34.2
    assert by["104637-4"]["valueQuantity"]["value"] == 95.12
    ranges = {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in by["106793-3"]["component"]
    }
    # the IG's example split: 3 % very low, 8 % low (54–69), 65 % target, 20 % high (181–250), 4 % very high
    assert ranges == {"104642-4": 3, "104641-6": 8, "97510-2": 65, "104640-8": 20, "104639-0": 4}
    assert sum(ranges.values()) == 100
    members = [m["reference"] for m in by["cgm-summary"]["hasMember"]]
    assert members == [f"Observation/{o['id']}" for o in observations[:-1]]


def test_missing_metrics_are_left_out_and_ids_are_stable() -> None:
    partial = {"mean": 120.0, "gmi": None, "cv": 30.0}
    observations = cgm_summary_observations(partial, SUBJECT, START, END)
    assert [o["code"]["coding"][0]["code"] for o in observations] == ["97507-8", "104638-2", "cgm-summary"]
    assert cgm_summary_observations({}, SUBJECT, START, END) == []
    again = cgm_summary_observations(partial, SUBJECT, START, END)
    assert json.dumps(again) == json.dumps(observations)
    later = cgm_summary_observations(partial, SUBJECT, START, END + timedelta(days=1))
    assert later[0]["id"] != observations[0]["id"]


def test_transaction_style_references_are_urn_uuids() -> None:
    urn = Subject(SUBJECT.subject_id, SUBJECT.patient_id, "urn")
    group = cgm_summary_observations(SUMMARY, urn, START, END)[-1]
    assert group["subject"]["reference"] == f"urn:uuid:{SUBJECT.patient_id}"
    assert all(m["reference"].startswith("urn:uuid:") for m in group["hasMember"])


@pytest.mark.slow
def test_export_summary_is_the_glucose_library_and_matches_iglu(demo_lake: Path) -> None:
    """The export's CGM summary is biolake.glucose.summarize for the window (one definition), checked
    here against iglu-python (the reference implementation) on the window's CGM readings."""
    import iglu_python as iglu

    paths = LakePaths.at(demo_lake)
    con = open_catalog(paths)
    try:
        (hypo_day,) = con.execute(
            "SELECT min(local_date) FROM glucose_readings WHERE glucose_mgdl < 54"
        ).fetchone()
        start, end = hypo_day - timedelta(days=6), hypo_day + timedelta(days=7)
        ours = period_glucose_summary(con, "me", start, end)
        df = con.execute(
            "SELECT subject_id AS id, local_ts AS time, glucose_mgdl AS gl FROM glucose_readings "
            "WHERE reading_kind = 'cgm' AND local_date BETWEEN $s AND $e ORDER BY ts_utc",
            {"s": start, "e": end},
        ).df()
        (days,) = con.execute(
            "SELECT count(DISTINCT local_date) FROM glucose_readings "
            "WHERE reading_kind = 'cgm' AND local_date BETWEEN $s AND $e",
            {"s": start, "e": end},
        ).fetchone()
        assert period_glucose_summary(con, "me", date(2031, 1, 1), date(2031, 1, 2)) is None
    finally:
        con.close()
    df["time"] = df["time"].dt.tz_localize("UTC")  # naive local times: iglu would read them in TZ
    (library,) = summarize(paths, subject="me", start=start, end=end)
    assert ours is not None and ours["below_54"] and ours["below_54"] > 0
    assert set(ours) == {*IG_METRICS, "days_of_wear"}
    for name in IG_METRICS:  # the values of summarize, computed by the same library functions
        assert ours[name] == pytest.approx(library[name], rel=1e-12), name
    assert ours["days_of_wear"] == days == 14
    assert ours["n_obs"] == len(df)
    assert ours["mean"] == pytest.approx(iglu.mean_glu(df)["mean"][0], rel=1e-9)
    assert ours["gmi"] == pytest.approx(iglu.gmi(df)["GMI"][0], rel=1e-9)
    assert ours["cv"] == pytest.approx(iglu.cv_glu(df)["CV"][0], rel=1e-9)
    assert ours["in_range_70_180"] == pytest.approx(iglu.in_range_percent(df)["in_range_70_180"][0], rel=1e-9)
    below, above = iglu.below_percent(df), iglu.above_percent(df)
    for name, frame in (("below_54", below), ("below_70", below), ("above_180", above), ("above_250", above)):
        assert ours[name] == pytest.approx(frame[name][0], rel=1e-9, abs=1e-12), name
    assert ours["active_percent"] == pytest.approx(iglu.active_percent(df)["active_percent"][0], rel=1e-9)
