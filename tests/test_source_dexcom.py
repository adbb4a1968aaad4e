"""Dexcom Clarity CSV: sniffing, bronze, silver mapping (censoring, mmol/L, events, DST) and errors."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from biolake.errors import ParseError
from biolake.sources import _csv
from biolake.sources.dexcom import SOURCE
from sourcetools import ctx, parse_bytes, run, to_silver

FIXTURES = Path(__file__).parent / "fixtures"
G6 = FIXTURES / "cgm" / "dexcom_clarity_g6_12col_bom_excerpt_cgmquantify.csv"
G7 = FIXTURES / "cgm" / "dexcom_g7_14col_mgdl_synthetic.csv"
G7_MMOL = FIXTURES / "cgm" / "dexcom_g7_14col_mmol_synthetic.csv"
FALLBACK = FIXTURES / "cgm" / "dexcom_g6_fallback_new_york_synthetic.csv"
HEADER = (
    "Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info,Device Info,"
    "Source Device ID,Glucose Value (mg/dL),Insulin Value (u),Carb Value (grams),Duration (hh:mm:ss),"
    "Glucose Rate of Change (mg/dL/min)"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def by_time(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["ts_utc"], r.get("event_type") or ""))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (G6, True),
        (G7, True),
        (G7_MMOL, True),
        (FALLBACK, True),
        (FIXTURES / "cgm" / "libreview_uk_mmol_excerpt_Warren8824.csv", False),
        (FIXTURES / "cgm" / "libreview_us_mgdl_ampm_synthetic.csv", False),
        (FIXTURES / "cgm" / "libreview_pro_patient_report_synthetic.csv", False),
        (FIXTURES / "iglu" / "iglu_python_tests_example_data_5_subject.csv", False),
    ],
    ids=lambda p: p.name if isinstance(p, Path) else str(p),
)
def test_sniff_reads_the_header_not_the_name(path: Path, expected: bool) -> None:
    head = path.read_bytes()[:4096]
    assert SOURCE.sniff(head, "export.csv") is expected
    assert SOURCE.sniff(head, "dexcom_clarity.csv") is expected


def test_sniff_rejects_other_text() -> None:
    assert not SOURCE.sniff(b"id,time,gl\n1,2020-01-01 00:00,100\n", "dexcom.csv")
    assert not SOURCE.sniff(b"Index,Event Type\n", "dexcom.csv")


def test_g6_bom_file_readings() -> None:
    silver = run(SOURCE, G6, ctx(timezone="Europe/London"))
    readings = by_time(silver["glucose_readings"])
    egv_rows = [r for r in csv.reader(G6.read_text(encoding="utf-8-sig").splitlines()) if r[2] == "EGV"]
    assert len(readings) == len(egv_rows) == 18
    first, last = readings[0], readings[-1]
    assert first["local_ts"] == datetime(2016, 10, 24, 11, 24, 17)
    assert first["ts_utc"] == utc(2016, 10, 24, 10, 24, 17)  # BST, UTC+1
    assert first["local_date"] == date(2016, 10, 24)
    assert (first["glucose_mgdl"], last["glucose_mgdl"]) == (103.0, 104.0)
    assert last["ts_utc"] == utc(2016, 10, 24, 11, 49, 18)
    assert {r["device"] for r in readings} == {"iPhone G6"}
    assert {r["source_name"] for r in readings} == {"Dexcom G6 Mobile App"}
    assert {r["reading_kind"] for r in readings} == {"cgm"}
    assert {r["censored"] for r in readings} == {None}
    assert {r["subject_id"] for r in readings} == {"me"}
    assert silver.get("cgm_events", []) == []  # alert settings are not events


def test_g6_bronze_keeps_text_and_lines() -> None:
    data = G6.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    sink = parse_bytes(SOURCE, data, ctx())
    bronze = sink.bronze("records").to_pylist()
    assert len(bronze) == 29  # every row after the header, preamble included
    assert bronze[0]["index"] == "1" and bronze[0]["event_type"] == "FirstName"
    assert bronze[0]["row_idx"] == 2 and bronze[-1]["row_idx"] == 30
    assert bronze[11]["timestamp"] == "2016-10-24T11:24:17" and bronze[11]["glucose_value"] == "103"
    assert bronze[0]["transmitter_id"] is None  # the 12-column export has no transmitter columns
    assert {r["glucose_unit"] for r in bronze} == {"mg/dL"}
    assert sink.bytes_read == len(data)


def test_g7_censored_readings_are_kept_at_the_limits() -> None:
    readings = by_time(run(SOURCE, G7, ctx())["glucose_readings"])
    got = [(r["local_ts"].strftime("%H:%M"), r["glucose_mgdl"], r["censored"]) for r in readings]
    assert got == [
        ("07:55", 112.0, None),
        ("08:00", 400.0, "high"),
        ("08:05", 398.0, None),
        ("08:10", 40.0, "low"),
        ("08:15", 41.0, None),
        ("08:20", 87.0, None),
        ("08:25", 90.0, None),  # the ragged row with one field too many
    ]
    assert {(r["device"], r["source_name"]) for r in readings} == {("iOS G7", "Dexcom G7 Mobile App")}


def test_g7_mmol_converted_with_factor_18() -> None:
    silver = run(SOURCE, G7_MMOL, ctx())
    got = [(r["glucose_mgdl"], r["censored"]) for r in by_time(silver["glucose_readings"])]
    assert got == [
        (111.6, None),  # 6.2 mmol/L
        (400.0, "high"),  # High: still the 400 mg/dL sensor limit
        (397.8, None),  # 22.1
        (40.0, "low"),
        (41.4, None),  # 2.3
        (86.4, None),  # 4.8
        (90.0, None),  # 5.0
    ]
    calibration = [e for e in silver["cgm_events"] if e["event_type"] == "calibration"]
    assert [(e["value"], e["unit"]) for e in calibration] == [(117.0, "mg/dL")]  # 6.5 mmol/L


def test_g7_events() -> None:
    events = by_time(run(SOURCE, G7, ctx(timezone="America/Chicago"))["cgm_events"])
    got = [
        (
            e["local_ts"].strftime("%H:%M"),
            e["event_type"],
            e["event_subtype"],
            e["value"],
            e["unit"],
            e["duration_s"],
        )
        for e in events
    ]
    assert got == [
        ("08:07", "insulin_rapid", "Fast-Acting", 4.5, "U", None),
        ("08:07", "carbs", None, 45.0, "g", None),
        ("08:12", "calibration", None, 118.0, "mg/dL", None),
        ("12:00", "health", "Illness", None, None, None),
        ("17:00", "exercise", "Medium", None, None, 2700.0),
        ("21:30", "insulin_long", "Long-Acting", 12.0, "U", None),
    ]
    assert events[0]["ts_utc"] == utc(2025, 3, 1, 14, 7)  # CST, UTC-6
    assert {e["device"] for e in events} == {"iOS G7"}


def test_fall_back_night_gives_increasing_utc() -> None:
    readings = run(SOURCE, FALLBACK, ctx(timezone="America/New_York"))["glucose_readings"]
    in_file_order = [
        r[1] for r in csv.reader(FALLBACK.read_text(encoding="utf-8-sig").splitlines()) if r[2] == "EGV"
    ]
    ordered = sorted(readings, key=lambda r: r["ts_utc"])
    assert [r["local_ts"].strftime("%Y-%m-%dT%H:%M:%S") for r in ordered] == in_file_order
    stamps = [r["ts_utc"] for r in ordered]
    assert all(a < b for a, b in itertools.pairwise(stamps))
    repeated = [r["ts_utc"] for r in ordered if r["local_ts"] == datetime(2025, 11, 2, 1, 30)]
    assert repeated == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30)]  # EDT, then EST


def test_small_batches_give_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = run(SOURCE, G7, ctx())
    monkeypatch.setattr(_csv, "BATCH_ROWS", 4)
    sink = parse_bytes(SOURCE, G7.read_bytes(), ctx())
    assert len(sink.tables["records"]) == 7  # 25 rows after the header in batches of 4
    assert by_time(to_silver(SOURCE, sink, ctx())["glucose_readings"]) == by_time(whole["glucose_readings"])


def _csv_text(*rows: str) -> bytes:
    return ("\n".join((HEADER, "1,,Device,,,Dexcom G6 Mobile App,iPhone G6,,,,,", *rows)) + "\n").encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _csv_text("2,2020-01-01T00:00:00,EGV,,,,iPhone G6,abc,,,,"),
            "glucose value 'abc' on line 3 is not a number or High/Low",
        ),
        (
            _csv_text(
                "2,2020-01-01T00:00:00,EGV,,,,iPhone G6,99,,,,", "3,2020-01-01T00:05:00,EGV,,,,iPhone G6,,,,,"
            ),
            "glucose value on line 4 is empty",
        ),
        (
            _csv_text(
                "2,2020-01-01T00:00:00,EGV,,,,iPhone G6,99,,,,",
                "3,2020-13-01T00:05:00,EGV,,,,iPhone G6,98,,,,",
            ),
            "timestamp '2020-13-01T00:05:00' on line 4 is not YYYY-MM-DDThh:mm:ss",
        ),
        (
            _csv_text("2,01/02/2020 10:00,EGV,,,,iPhone G6,99,,,,"),
            "timestamp '01/02/2020 10:00' on line 3 is not YYYY-MM-DDThh:mm:ss",
        ),
        (
            _csv_text("2,2020-01-01T00:00:00+01:00,EGV,,,,iPhone G6,99,,,,"),
            "timestamp '2020-01-01T00:00:00+01:00' on line 3 is not YYYY-MM-DDThh:mm:ss",
        ),
        (_csv_text("2,,EGV,,,,iPhone G6,99,,,,"), "EGV row on line 3 has no timestamp"),
        (
            _csv_text("2,2020-01-01T00:00:00,Insulin,Fast-Acting,,,iPhone G6,,lots,,,"),
            "insulin value 'lots' on line 3 is not a number",
        ),
        (
            _csv_text("2,2020-01-01T00:00:00,Exercise,Light,,,iPhone G6,,,,half an hour,"),
            "duration 'half an hour' on line 3 is not hh:mm:ss",
        ),
        (_csv_text(), "no readings found"),
        (HEADER.replace("Event Type,", "").encode() + b"\n", "missing required column 'Event Type'"),
        (
            HEADER.replace("Glucose Value (mg/dL)", "Glucose Value (furlongs)").encode() + b"\n",
            "missing required column 'Glucose Value (mg/dL)'",
        ),
        (b"", "file is empty"),
    ],
)
def test_bad_input_names_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(SOURCE, data, ctx(name="clarity.csv"))
    assert str(caught.value) == f"clarity.csv: {message}"
