"""Oura: sniffing, the three formats (API JSON shapes, membership CSV, trends CSV), silver values and
errors."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from biolake.errors import ParseError
from biolake.sources.base import detect
from biolake.sources.oura import SOURCE
from conftest import lib_ingest, query
from sourcetools import ctx, parse_bytes, run, to_silver

FIXTURES = Path(__file__).parent / "fixtures"
OURA = FIXTURES / "oura"
SEED = OURA / "oura_api_v2_daily_records_from_seed_tests.json"
SLEEP_PAGE = OURA / "api_sleep_page_synthetic.json"
WORKOUT_LIST = OURA / "api_workouts_list_synthetic.json"
KEYED = OURA / "api_endpoint_keyed_synthetic.json"
READINESS_CSV = OURA / "membership_dailyreadiness_synthetic.csv"
DAILYSLEEP_CSV = OURA / "membership_dailysleep_synthetic.csv"
SLEEPMODEL_CSV = OURA / "membership_sleepmodel_synthetic.csv"
SPO2_CSV = OURA / "membership_dailyspo2_synthetic.csv"
WORKOUT_CSV = OURA / "membership_workout_synthetic.csv"
TRENDS = OURA / "trends_synthetic.csv"
ALL = sorted(p for p in OURA.iterdir() if p.suffix in (".json", ".csv"))
PARIS = ctx(timezone="Europe/Paris")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def one(rows: list[dict], **match: object) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def silver_of(data: bytes | str, context=None) -> dict[str, list[dict]]:
    raw = data.encode() if isinstance(data, str) else data
    return to_silver(SOURCE, parse_bytes(SOURCE, raw, context), context)


# --- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_fixture_is_detected_as_oura_whatever_its_name(path: Path) -> None:
    head = path.read_bytes()[:65536]
    assert SOURCE.sniff(head, "export.csv")
    assert detect(head, "data.txt", path.name).name == "oura"


@pytest.mark.parametrize(
    "path",
    [
        FIXTURES / "healthkit" / "simonw_tests_export.xml",
        FIXTURES / "cgm" / "dexcom_clarity_g6_12col_bom_excerpt_cgmquantify.csv",
        FIXTURES / "cgm" / "libreview_uk_mmol_excerpt_Warren8824.csv",
        FIXTURES / "iglu" / "iglu_python_tests_example_data_5_subject.csv",
    ],
    ids=lambda p: p.name,
)
def test_other_exports_are_not_oura(path: Path) -> None:
    assert not SOURCE.sniff(path.read_bytes()[:65536], "oura.json")


def test_other_json_is_not_oura() -> None:
    assert not SOURCE.sniff(b'{"name": "x", "items": [1, 2]}', "daily_sleep.json")
    assert not SOURCE.sniff(b"id;day;text\n1;2024-01-01;hello\n", "dailysleep.csv")


# --- API v2 JSON ---------------------------------------------------------------------------------------


def test_sleep_page_sessions_real_values() -> None:
    sessions = run(SOURCE, SLEEP_PAGE, PARIS)["sleep_sessions"]
    main = one(sessions, session_id="8f0a1c2e-0001")
    assert main["start_utc"] == utc(2024, 3, 1, 22, 12)  # 23:12 +01:00
    assert main["end_utc"] == utc(2024, 3, 2, 5, 47)
    assert main["start_local"] == datetime(2024, 3, 1, 23, 12)  # the wall clock of the record's offset
    assert main["end_local"] == datetime(2024, 3, 2, 6, 47)
    assert main["local_date"] == date(2024, 3, 2)  # Oura's day: the morning it ends
    assert (main["session_type"], main["is_main"]) == ("long_sleep", True)
    assert (main["time_in_bed_s"], main["total_sleep_s"], main["awake_s"]) == (27300, 24600, 2700)
    assert (main["light_s"], main["deep_s"], main["rem_s"]) == (12900, 5400, 6300)
    assert (main["efficiency_pct"], main["latency_s"]) == (90, 600)
    assert (main["avg_hr_bpm"], main["lowest_hr_bpm"], main["avg_hrv_ms"]) == (54.5, 48, 62)
    assert main["avg_breath_rpm"] == 14.25
    assert main["temperature_deviation_c"] == -0.21
    assert (main["source_name"], main["device"], main["_reason"]) == ("Oura", "Oura Ring", None)


def test_is_main_and_deleted_periods() -> None:
    sessions = run(SOURCE, SLEEP_PAGE, PARIS)["sleep_sessions"]
    flags = {r["session_id"]: (r["session_type"], r["is_main"], r["_reason"]) for r in sessions}
    assert flags == {
        "8f0a1c2e-0001": ("long_sleep", True, None),
        "8f0a1c2e-0002": ("sleep", False, None),  # the nap after a long_sleep
        "8f0a1c2e-0003": ("deleted", False, "deleted in Oura"),  # to quarantine, not sleep
        "8f0a1c2e-0004": ("sleep", True, None),  # no long_sleep that day: the longest period
        "8f0a1c2e-0005": ("rest", False, None),  # rejected by the user: never main
    }


def test_sleep_stages_are_run_lengths_of_the_5_minute_phases() -> None:
    stages = run(SOURCE, SLEEP_PAGE, PARIS)["sleep_stages"]
    night = sorted((r for r in stages if r["start_utc"] < utc(2024, 3, 2, 6)), key=lambda r: r["start_utc"])
    got = [(r["stage"], r["duration_s"]) for r in night]
    # "44" + 2*10 + 1*12 + 3*6 + 2*20 + 3*25 + 2*12 + 4*4
    assert got == [
        ("awake", 600),
        ("light", 3000),
        ("deep", 3600),
        ("rem", 1800),
        ("light", 6000),
        ("rem", 7500),
        ("light", 3600),
        ("awake", 1200),
    ]
    assert night[0]["start_utc"] == utc(2024, 3, 1, 22, 12)
    assert night[0]["start_local"] == datetime(2024, 3, 1, 23, 12)
    assert night[-1]["end_utc"] == utc(2024, 3, 2, 5, 47)  # the last run ends at bedtime_end
    assert night[1]["local_date"] == date(2024, 3, 2)  # the date on which the interval ends
    assert {r["stage_raw"] for r in night} == {"1", "2", "3", "4"}
    # deleted (16:00) and rest (13:00 on the 3rd) periods have no stages
    assert not [r for r in stages if r["start_local"].hour in (13, 16)]
    assert all(r["_reason"] is None for r in stages)


def test_endpoint_keyed_file_scores_activity_and_measurements() -> None:
    silver = run(SOURCE, KEYED, PARIS)
    scores = silver["daily_scores"]
    readiness = one(scores, score_type="readiness", local_date=date(2024, 3, 1))
    assert (readiness["score"], readiness["hrv_balance_score"], readiness["sleep_regularity_score"]) == (
        84,
        75,
        88,
    )
    assert (readiness["temperature_deviation_c"], readiness["temperature_trend_deviation_c"]) == (-0.21, 0.1)
    assert readiness["deep_sleep_score"] is None  # a kind fills only its own contributors
    not_worn = one(scores, score_type="readiness", local_date=date(2024, 3, 2))
    assert (not_worn["score"], not_worn["hrv_balance_score"], not_worn["_reason"]) == (None, None, None)
    sleep = one(scores, score_type="sleep")
    assert (sleep["score"], sleep["deep_sleep_score"], sleep["restfulness_score"]) == (79, 95, 62)
    activity = one(scores, score_type="activity")
    assert (activity["score"], activity["stay_active_score"], activity["training_volume_score"]) == (
        91,
        81,
        98,
    )

    [day] = silver["activity_daily"]
    assert day["local_date"] == date(2024, 3, 1)
    assert (day["steps"], day["active_energy_kcal"], day["total_energy_kcal"]) == (12034, 512, 2712)
    assert day["active_energy_goal_kcal"] == 450
    assert (day["high_activity_min"], day["medium_activity_min"], day["low_activity_min"]) == (15, 45, 240)
    assert day["sedentary_min"] == 500
    assert day["distance_km"] == pytest.approx(11.234)

    measured = {(r["metric"], r["local_date"]): r for r in silver["measurements"]}
    spo2 = measured["spo2_pct", date(2024, 3, 1)]
    assert (spo2["value"], spo2["unit"]) == (96.42, "%")
    assert (spo2["start_utc"], spo2["end_utc"]) == (utc(2024, 2, 29, 23), utc(2024, 3, 1, 23))  # Paris day
    assert measured["breathing_disturbance_index", date(2024, 3, 1)]["value"] == 4
    assert measured["temperature_deviation_c", date(2024, 3, 1)]["value"] == -0.21
    assert ("spo2_pct", date(2024, 3, 2)) not in measured  # no SpO2 that night
    hr = sorted(
        (r for r in silver["measurements"] if r["metric"] == "heart_rate"), key=lambda r: r["start_utc"]
    )
    assert [(r["value"], r["unit"]) for r in hr] == [(58, "bpm"), (61, "bpm")]
    assert hr[0]["start_utc"] == utc(2024, 3, 1, 7) and hr[0]["start_local"] == datetime(2024, 3, 1, 8)
    assert hr[0]["source_type"] == "heartrate:awake"


def test_endpoint_keyed_file_skips_other_endpoints_and_metadata() -> None:
    sink = parse_bytes(SOURCE, KEYED.read_bytes(), PARIS)
    assert set(sink.counts) == {"daily_readiness", "daily_sleep", "daily_activity", "daily_spo2", "heartrate"}
    assert sink.counts["daily_readiness"] == 2


def test_seed_records_from_real_tests() -> None:
    silver = run(SOURCE, SEED)
    readiness = one(silver["daily_scores"], score_type="readiness")
    assert (readiness["local_date"], readiness["score"], readiness["recovery_index_score"]) == (
        date(2026, 2, 17),
        85,
        94,
    )
    assert readiness["temperature_deviation_c"] == -0.08
    assert one(silver["daily_scores"], score_type="sleep")["efficiency_score"] == 92
    [day] = silver["activity_daily"]
    assert (day["steps"], day["sedentary_min"], day["distance_km"]) == (8500, 1200, None)


def test_bronze_keeps_values_as_written() -> None:
    sink = parse_bytes(SOURCE, SLEEP_PAGE.read_bytes())
    [first, *_] = sink.bronze("sleep").to_pylist()
    assert first["row_idx"] == 1 and first["id"] == "8f0a1c2e-0001"
    assert first["bedtime_start"] == "2024-03-01T23:12:00+01:00"
    assert first["deep_sleep_duration"] == "5400" and first["average_breath"] == "14.25"
    assert first["low_battery_alert"] == "false"
    assert json.loads(first["readiness"])["temperature_deviation"] == -0.21
    assert first["extra_json"] is None


def test_unknown_fields_are_kept_in_extra_json() -> None:
    record = {"id": "x", "day": "2024-01-01", "spo2_percentage": {"average": 97}, "new_field": [1, 2]}
    sink = parse_bytes(SOURCE, json.dumps([record]).encode())
    [row] = sink.bronze("daily_spo2").to_pylist()
    assert json.loads(row["extra_json"]) == {"new_field": "[1,2]"}


def test_plain_list_of_workouts() -> None:
    workouts = run(SOURCE, WORKOUT_LIST)["workouts"]
    walk = one(workouts, activity_type_raw="walking")
    assert (walk["activity_type"], walk["distance_km"], walk["energy_kcal"]) == ("walking", 4.12, 182.5)
    assert (walk["start_utc"], walk["duration_s"], walk["intensity"]) == (
        utc(2024, 3, 2, 9, 2),
        2790,
        "moderate",
    )
    assert json.loads(walk["metadata_json"]) == {"id": "w-0001", "source": "autodetected"}
    lift = one(workouts, activity_type_raw="strengthTraining")
    assert (lift["activity_type"], lift["title"], lift["distance_km"]) == (
        "strength_training",
        "Leg day",
        None,
    )
    assert lift["start_utc"] == utc(2024, 3, 3, 23)  # 18:00 -05:00
    assert (lift["start_local"], lift["local_date"]) == (datetime(2024, 3, 3, 18), date(2024, 3, 3))
    assert {w["source_name"] for w in workouts} == {"Oura"}


def test_list_of_pages_and_page_shapes_read_alike() -> None:
    page = json.loads(SLEEP_PAGE.read_text())
    as_list = silver_of(json.dumps(page["data"]))
    as_pages = silver_of(
        json.dumps([{"data": page["data"][:2], "next_token": "x"}, {"data": page["data"][2:]}])
    )
    assert as_list["sleep_sessions"] == as_pages["sleep_sessions"]
    assert len(as_list["sleep_sessions"]) == 5


# --- membership CSV ------------------------------------------------------------------------------------


def test_membership_sleepmodel_values() -> None:
    silver = run(SOURCE, SLEEPMODEL_CSV)
    night = one(silver["sleep_sessions"], session_id="e3c6b8f2-cc01")
    assert (night["deep_s"], night["efficiency_pct"], night["latency_s"]) == (4740, 89, 690)
    assert (night["start_utc"], night["end_local"]) == (
        utc(2023, 11, 20, 3, 54, 1),
        datetime(2023, 11, 20, 7, 3, 31),
    )
    assert (night["is_main"], night["temperature_deviation_c"], night["avg_breath_rpm"]) == (
        True,
        0.16,
        15.125,
    )
    nap = one(silver["sleep_sessions"], session_id="e3c6b8f2-cc02")
    assert (nap["is_main"], nap["latency_s"]) == (False, -120)  # negative: quarantined by the lake
    assert sum(r["duration_s"] for r in silver["sleep_stages"]) == 29370 + 1800


def test_membership_daily_files() -> None:
    scores = run(SOURCE, READINESS_CSV)["daily_scores"]
    day = one(scores, local_date=date(2023, 11, 20))
    assert (day["score"], day["body_temperature_score"], day["sleep_regularity_score"]) == (78, 100, None)
    assert one(scores, local_date=date(2023, 11, 21))["score"] is None
    assert one(run(SOURCE, DAILYSLEEP_CSV)["daily_scores"], score_type="sleep")["timing_score"] == 96
    [spo2] = [r for r in run(SOURCE, SPO2_CSV)["measurements"] if r["metric"] == "spo2_pct"]
    assert (spo2["value"], spo2["local_date"]) == (95.883, date(2023, 11, 20))
    [ride] = run(SOURCE, WORKOUT_CSV)["workouts"]
    assert (ride["activity_type"], ride["distance_km"], ride["title"]) == ("cycling", 15.2305, "Commute home")
    assert ride["start_utc"] == utc(2023, 11, 20, 23)


def test_membership_csv_with_comma_delimiter_reads_alike() -> None:
    out = io.StringIO()
    csv.writer(out).writerows(line.split(";") for line in DAILYSLEEP_CSV.read_text().splitlines())
    ours = silver_of(out.getvalue())["daily_scores"]
    assert ours == run(SOURCE, DAILYSLEEP_CSV)["daily_scores"]


# --- trends CSV ----------------------------------------------------------------------------------------


def test_trends_values() -> None:
    silver = run(SOURCE, TRENDS)
    [night] = silver["sleep_sessions"]
    assert (night["start_utc"], night["start_local"]) == (
        utc(2020, 10, 12, 20, 32, 24),
        datetime(2020, 10, 12, 23, 32, 24),
    )
    assert (night["deep_s"], night["efficiency_pct"], night["latency_s"]) == (5700, 88, 1080)
    assert (night["time_in_bed_s"], night["total_sleep_s"], night["avg_breath_rpm"]) == (28560, 25260, 13.5)
    assert (night["is_main"], night["session_id"], night["session_type"]) == (True, None, None)
    assert night["temperature_deviation_c"] == -0.13
    scores = {r["score_type"]: r for r in silver["daily_scores"]}
    assert set(scores) == {"sleep", "readiness", "activity"}  # nothing for the day marked None
    assert (scores["sleep"]["score"], scores["sleep"]["latency_score"]) == (76, 69)
    assert (
        scores["readiness"]["body_temperature_score"],
        scores["readiness"]["temperature_deviation_c"],
    ) == (
        100,
        -0.13,
    )
    assert scores["activity"]["move_every_hour_score"] == 95
    [day] = silver["activity_daily"]
    assert (day["steps"], day["distance_km"], day["low_activity_min"]) == (9123, 7.321, 301)


def test_trends_bronze_keeps_both_sleep_timing_columns() -> None:
    [row, none_day] = parse_bytes(SOURCE, TRENDS.read_bytes()).bronze("trends").to_pylist()
    assert (row["sleep_timing"], row["sleep_timing_2"]) == ("12720", "-900")
    assert row["temperature_deviation_c"] == "-0.13" and row["row_idx"] == 2
    assert none_day["sleep_score"] == "None"


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"data": [{"id": 1,', "not valid JSON"),
        (b'{"data": [{"id": "t1", "day": "2024-01-01", "tags": []}], "next_token": null}', "record 1"),
        (b'{"daily_sleep": [{"id": "x", "day": "2024-01-01", "bedtime_start": "x"}]}', "looks like a sleep"),
        (b'{"daily_sleep": {"score": 3}}', "not a list"),
        (b'{"data": [], "next_token": null}', "no Oura records"),
        (b"id;contributors;day;score;timestamp\n", "no rows"),
        (b"id;contributors;day;timestamp\nx;{};2024-01-01;t\n", "header is not one of"),
        (b"id;day;bedtime_start;type\nx;2024-01-01;2024-01-01T01:00:00+00:00;sleep\n", "'bedtime_end'"),
        (
            b'id;contributors;day;score;timestamp\nx,{"deep_sleep": 1},2024-01-01,80,t\n',
            "not delimited with ';'",
        ),
        (
            b"id;contributors;day;score;timestamp\nx;{deep_sleep: 1};2024-01-01;80;t\n",
            "contributors on line 2",
        ),
        (
            b"date,Sleep Score,Bedtime Start\n13/10/2020,80,2020-10-12T23:00:00+03:00\n",
            "date '13/10/2020' on line 2",
        ),
    ],
    ids=[
        "bad_json",
        "unknown_record",
        "record_contradicts_key",
        "key_not_a_list",
        "empty_page",
        "csv_no_rows",
        "csv_unknown_header",
        "csv_missing_column",
        "csv_wrong_delimiter",
        "csv_contributors_not_json",
        "trends_bad_date",
    ],
)
def test_bad_input_is_a_clear_parse_error(data: bytes, words: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_bytes(SOURCE, data, ctx(name="oura.file"))
    assert words in str(info.value) and "oura.file" in str(info.value)


def test_non_numeric_and_negative_values_are_flagged_with_a_reason() -> None:
    records = [
        {
            "id": "a",
            "day": "2024-01-01",
            "score": "high",
            "timestamp": "t",
            "contributors": {"deep_sleep": 80},
        },
        {
            "id": "b",
            "day": "2024-01-02",
            "score": 70,
            "timestamp": "t",
            "contributors": {"deep_sleep": "n/a"},
        },
    ]
    scores = silver_of(json.dumps(records))["daily_scores"]
    reasons = {r["local_date"].day: r["_reason"] for r in scores}
    assert reasons == {1: "score is not a number: high", 2: "contributors.deep_sleep is not a number: n/a"}
    activity = {"id": "c", "day": "2024-01-01", "steps": 100, "sedentary_time": -60, "contributors": {}}
    [day] = silver_of(json.dumps([activity]))["activity_daily"]
    assert day["_reason"] == "negative sedentary_time: -60"


# --- in a lake -----------------------------------------------------------------------------------------


def test_lake_quarantines_deleted_and_negative_sleep_with_reasons(lake: Path) -> None:
    lib_ingest(lake, SLEEP_PAGE, SLEEPMODEL_CSV, timezone="Europe/Paris")
    reasons = dict(query(lake, "SELECT session_id, _reason FROM quarantine__sleep_sessions ORDER BY 1"))
    assert reasons == {"8f0a1c2e-0003": "deleted in Oura", "e3c6b8f2-cc02": "negative duration"}
    rows = query(lake, "SELECT count(*), count(*) FILTER (WHERE is_main) FROM sleep_sessions")
    assert rows == [(5, 3)]
    assert query(lake, "SELECT count(*) FROM bronze_oura__sleep") == [(7,)]


def test_zip_of_api_files_is_imported_member_by_member(lake: Path, tmp_path: Path) -> None:
    archive = tmp_path / "oura.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(KEYED, "oura/daily.json")
        zf.write(WORKOUT_LIST, "oura/workouts.json")
    results = lib_ingest(lake, archive)
    assert [(r.file, r.source, r.status) for r in results] == [
        (f"{archive}!oura/daily.json", "oura", "imported"),
        (f"{archive}!oura/workouts.json", "oura", "imported"),
    ]
    assert query(lake, "SELECT count(*) FROM workouts WHERE _source = 'oura'") == [(2,)]
    assert query(lake, "SELECT score FROM daily_scores WHERE score_type = 'activity'") == [(91.0,)]
