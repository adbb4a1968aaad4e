"""Generic ``id,time,gl`` CGM CSV: sniffing, subjects, time formats and offsets, DST and errors."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from biolake.errors import ParseError
from biolake.sources.cgm_generic import SOURCE
from sourcetools import ctx, parse_bytes, run, to_silver

FIXTURES = Path(__file__).parent / "fixtures"
IGLU = FIXTURES / "iglu" / "iglu_python_tests_example_data_5_subject.csv"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def readings(data: bytes, timezone: str = "UTC") -> list[dict]:
    context = ctx(timezone=timezone, subject="ignored")
    rows = to_silver(SOURCE, parse_bytes(SOURCE, data, context), context)["glucose_readings"]
    return sorted(rows, key=lambda r: (r["subject_id"], r["ts_utc"]))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"id,time,gl\n", True),
        (b'"","id","time","gl"\n"1","Subject 1",2015-06-06 16:50:27,153\n', True),
        (b'\xef\xbb\xbf"ID","Time","GL"\r\n', True),
        (b"gl,id,time,sensor\n", True),
        (b"id,time,glucose\n", False),
        (b"subject,timestamp,gl\n", False),
        (b"# id,time,gl\nid,time,gl\n", False),
    ],
)
def test_sniff_header_variants(head: bytes, expected: bool) -> None:
    assert SOURCE.sniff(head, "data.csv") is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (FIXTURES / "iglu" / "iglu_python_tests_example_data_5_subject.csv", True),
        (FIXTURES / "cgm" / "dexcom_clarity_g6_12col_bom_excerpt_cgmquantify.csv", False),
        (FIXTURES / "cgm" / "dexcom_g7_14col_mgdl_synthetic.csv", False),
        (FIXTURES / "cgm" / "libreview_uk_mmol_excerpt_Warren8824.csv", False),
        (FIXTURES / "cgm" / "libreview_us_mgdl_ampm_synthetic.csv", False),
        (FIXTURES / "cgm" / "libreview_pro_patient_report_synthetic.csv", False),
    ],
    ids=lambda p: p.name if isinstance(p, Path) else str(p),
)
def test_sniff_fixtures(path: Path, expected: bool) -> None:
    assert SOURCE.sniff(path.read_bytes()[:4096], "cgm.csv") is expected


def test_iglu_five_subjects() -> None:
    rows = run(SOURCE, IGLU, ctx(timezone="Etc/GMT+5"))["glucose_readings"]  # naive EST wall clock, no DST
    with IGLU.open(newline="") as f:
        expected = Counter(row["id"] for row in csv.DictReader(f))
    assert len(rows) == sum(expected.values()) == 13_866
    assert Counter(r["subject_id"] for r in rows) == expected
    assert len(expected) == 5
    first = min((r for r in rows if r["subject_id"] == "Subject 1"), key=lambda r: r["ts_utc"])
    assert first["local_ts"] == datetime(2015, 6, 6, 16, 50, 27)
    assert first["ts_utc"] == utc(2015, 6, 6, 21, 50, 27)
    assert first["local_date"] == date(2015, 6, 6)
    assert first["glucose_mgdl"] == 153.0
    last = max((r for r in rows if r["subject_id"] == "Subject 5"), key=lambda r: r["ts_utc"])
    assert (last["local_ts"], last["glucose_mgdl"]) == (datetime(2015, 3, 11, 8, 4, 28), 238.0)
    assert {(r["reading_kind"], r["device"], r["censored"]) for r in rows} == {("cgm", None, None)}
    for subject in expected:
        stamps = [r["ts_utc"] for r in rows if r["subject_id"] == subject]
        assert all(
            s - r["local_ts"].replace(tzinfo=UTC) == timedelta(hours=5)
            for s, r in zip(stamps, [r for r in rows if r["subject_id"] == subject], strict=True)
        )


def test_time_formats_and_offsets() -> None:
    data = (
        b"ID,Time,GL,extra\n"
        b"a,2021-06-01 10:00:00,100,x\n"
        b"a,2021-06-01 10:05,101,x\n"
        b"a,2021-06-01T10:10:00,102,x\n"
        b"a,2021-06-01T10:15:00.5,103,x\n"
        b"b,2021-06-01T10:00:00Z,110,x\n"
        b"b,2021-06-01T10:05:00+05:30,111,x\n"
        b"b,2021-06-01 10:10:00-0400,112,x\n"
        b"b,2021-06-01T10:15:00+02,113,x\n"
    )
    got = [
        (r["subject_id"], r["local_ts"], r["ts_utc"], r["glucose_mgdl"])
        for r in readings(data, "Europe/Paris")
    ]
    assert got == [
        ("a", datetime(2021, 6, 1, 10, 0), utc(2021, 6, 1, 8, 0), 100.0),  # CEST, UTC+2
        ("a", datetime(2021, 6, 1, 10, 5), utc(2021, 6, 1, 8, 5), 101.0),
        ("a", datetime(2021, 6, 1, 10, 10), utc(2021, 6, 1, 8, 10), 102.0),
        (
            "a",
            datetime(2021, 6, 1, 10, 15, 0, 500000),
            utc(2021, 6, 1, 8, 15, 0) + timedelta(milliseconds=500),
            103.0,
        ),
        ("b", datetime(2021, 6, 1, 10, 5), utc(2021, 6, 1, 4, 35), 111.0),  # the offset wins over --tz
        ("b", datetime(2021, 6, 1, 10, 15), utc(2021, 6, 1, 8, 15), 113.0),
        ("b", datetime(2021, 6, 1, 10, 0), utc(2021, 6, 1, 10, 0), 110.0),
        ("b", datetime(2021, 6, 1, 10, 10), utc(2021, 6, 1, 14, 10), 112.0),
    ]


def test_missing_values_are_gaps_not_readings() -> None:
    data = b'id,time,gl\n"s ",2021-01-01 00:00,NA\ns,2021-01-01 00:05,\ns,2021-01-01 00:10,"98"\n'
    got = readings(data)
    assert [(r["subject_id"], r["glucose_mgdl"]) for r in got] == [("s", 98.0)]


def test_fall_back_night_per_subject() -> None:
    times = ["00:45", "01:00", "01:30", "01:00", "01:30", "02:00"]
    lines = [f"{s},2025-11-02 {t}:00,{100 + i}" for s in ("A", "B") for i, t in enumerate(times)]
    got = readings(("id,time,gl\n" + "\n".join(lines) + "\n").encode(), "America/New_York")
    for subject in ("A", "B"):
        rows = [r for r in got if r["subject_id"] == subject]
        assert [r["glucose_mgdl"] for r in rows] == [100.0, 101.0, 102.0, 103.0, 104.0, 105.0]  # file order
        stamps = [r["ts_utc"] for r in rows]
        assert stamps == [
            utc(2025, 11, 2, h, m) for h, m in [(4, 45), (5, 0), (5, 30), (6, 0), (6, 30), (7, 0)]
        ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"id,time,gl\ns,2021-01-01 00:00,100\ns,2021-01-01 00:05,abc\n",
            "glucose value 'abc' on line 3 is not a number",
        ),
        (
            b"id,time,gl\ns,2021-01-01 00:00,100\ns,01/01/2021 00:05,99\n",
            "time '01/01/2021 00:05' on line 3 is not YYYY-MM-DD HH:MM[:SS] (ISO 8601)",
        ),
        (
            b"id,time,gl\ns,2021-02-30 00:00,100\n",
            "time '2021-02-30 00:00' on line 2 is not YYYY-MM-DD HH:MM[:SS] (ISO 8601)",
        ),
        (
            b"id,time,gl\ns,2021-01-01,100\n",
            "time '2021-01-01' on line 2 is not YYYY-MM-DD HH:MM[:SS] (ISO 8601)",
        ),
        (b"id,time,gl\n,2021-01-01 00:00,100\n", "row on line 2 has no id"),
        (b"id,time,glucose\ns,2021-01-01 00:00,100\n", "missing required column 'gl'"),
        (b"id,time,gl\ns,2021-01-01 00:00,NA\n", "no readings found"),
        (b"id,time,gl\n", "no readings found"),
        (
            b'id,time,gl\ns,2021-01-01 00:00,"100\ns,2021-01-01 00:05,101\n',
            "the row starting on line 2 is not valid CSV (unexpected end of data)",
        ),
        (
            b'id,time,gl\ns,2021-01-01 00:00,"100"mg\n',
            "the row starting on line 2 is not valid CSV (',' expected after '\"')",
        ),
    ],
)
def test_bad_input_names_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(SOURCE, data, ctx(name="cohort.csv"))
    assert str(caught.value) == f"cohort.csv: {message}"


def test_detection_picks_exactly_the_right_cgm_source() -> None:
    from biolake.sources.base import detect

    expected = {"dexcom": "dexcom_*.csv", "libreview": "libreview_*.csv"}
    for name, pattern in expected.items():
        for path in sorted((FIXTURES / "cgm").glob(pattern)):
            assert detect(path.read_bytes()[:65536], path.name, path.name).name == name, path.name
    assert detect(IGLU.read_bytes()[:65536], "x.csv", "x.csv").name == "cgm_generic"
