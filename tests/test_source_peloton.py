"""Peloton workouts CSV: sniffing, units, time-zone labels, None/percent/blank values, quarantine, errors
and re-imports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from biolake.errors import ParseError
from biolake.sources.base import detect
from biolake.sources.peloton import SOURCE
from conftest import count, lib_ingest, query
from sourcetools import ctx, parse_bytes, run, to_silver

FIXTURES = Path(__file__).parent / "fixtures"
IMPERIAL = FIXTURES / "peloton" / "peloton_workouts_imperial_synthetic.csv"
METRIC = FIXTURES / "peloton" / "peloton_workouts_metric_offsets_synthetic.csv"
HEADER = IMPERIAL.read_text(encoding="utf-8").splitlines()[0]
ROW = (
    "2020-01-15 06:30 (PST),Live,Cody Rigsby,30,Cycling,Theme,"
    "30 min Pop Ride,,312,173,41%,82,19.88,9.94,402,,,"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def workouts(path: Path, timezone: str = "UTC") -> list[dict]:
    rows = run(SOURCE, path, ctx(timezone=timezone))["workouts"]
    return sorted(rows, key=lambda r: r["start_utc"])


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


@pytest.mark.parametrize("path", [IMPERIAL, METRIC], ids=lambda p: p.name)
def test_sniff_and_detect(path: Path) -> None:
    head = path.read_bytes()[:4096]
    assert SOURCE.sniff(head, "workouts.csv")
    assert detect(head, "anything.csv", "x").name == "peloton"


def test_sniff_rejects_other_csv() -> None:
    assert not SOURCE.sniff(b"Date,Meal,Calories\n2024-01-01,Lunch,100\n", "peloton.csv")
    assert not SOURCE.sniff(
        (FIXTURES / "cgm" / "dexcom_g7_14col_mgdl_synthetic.csv").read_bytes()[:4096], "x"
    )


def test_imperial_values_and_conversions() -> None:
    first = workouts(IMPERIAL, "America/Los_Angeles")[0]
    assert first["start_utc"] == utc(2020, 1, 15, 14, 30)  # 06:30 PST = UTC-8
    assert first["end_utc"] == utc(2020, 1, 15, 15, 0)
    assert (first["start_local"], first["local_date"]) == (datetime(2020, 1, 15, 6, 30), date(2020, 1, 15))
    assert first["duration_s"] == 1800
    assert first["output_kj"] == 312 and first["avg_power_w"] == 173
    assert first["avg_resistance_pct"] == 41  # '41%'
    assert first["avg_cadence_rpm"] == 82 and first["avg_hr_bpm"] == 148.25
    assert first["distance_km"] == pytest.approx(9.94 * 1.609344)
    assert first["avg_speed_kph"] == pytest.approx(19.88 * 1.609344)
    assert first["energy_kcal"] == 402
    assert first["title"] == "30 min Pop Ride, Live from NYC"  # quoted, with a comma
    assert (first["instructor"], first["class_type"], first["class_mode"]) == ("Cody Rigsby", "Theme", "live")
    assert (first["activity_type"], first["activity_type_raw"]) == ("cycling", "Cycling")
    assert first["indoor"] is True and first["source_name"] == "Peloton"
    assert '"class_timestamp":"2020-01-15 06:18 (PST)"' in first["metadata_json"]
    assert {r["_reason"] for r in workouts(IMPERIAL)} == {None}


def test_disciplines_modes_and_blank_columns() -> None:
    rows = {r["title"]: r for r in workouts(IMPERIAL)}
    assert len(rows) == 10
    stretch = rows["5 min Post-Ride Stretch"]
    assert stretch["activity_type"] == "flexibility" and stretch["class_mode"] == "on_demand"
    assert stretch["output_kj"] is None and stretch["distance_km"] is None and stretch["indoor"] is None
    scenic = rows["20 min Venice Scenic Ride"]
    assert scenic["instructor"] is None and scenic["output_kj"] == 150
    run_ = rows["30 min HIIT Run"]
    assert run_["class_mode"] == "encore" and run_["output_kj"] is None  # 'None' values
    assert run_["avg_incline_pct"] == 2.5 and run_["indoor"] is True
    assert (
        '"avg_pace":"9:14"' in run_["metadata_json"] and '"avg_pace_unit":"min/mi"' in run_["metadata_json"]
    )
    assert rows["20 min Outdoor Run"]["indoor"] is False
    assert rows["10 min Core Strength"]["activity_type"] == "strength_training"
    assert rows["10 min Sleep Meditation"]["activity_type"] == "mind_and_body"
    assert rows["15 min Yoga Flow"]["activity_type"] == "yoga"
    bootcamp = rows["30 min Bootcamp: Legs, Core & Cardio"]
    assert (bootcamp["activity_type"], bootcamp["activity_type_raw"], bootcamp["indoor"]) == (
        "bootcamp",
        "Tread Bootcamp",
        True,
    )


def test_length_none_gives_an_instant_without_duration() -> None:
    just_ride = next(r for r in workouts(IMPERIAL) if r["title"] == "Just Ride")
    assert just_ride["duration_s"] is None
    assert just_ride["end_utc"] == just_ride["start_utc"] == utc(2020, 4, 12, 17, 0)
    assert just_ride["class_mode"] is None and just_ride["output_kj"] == 100


def test_stale_label_of_the_configured_zone() -> None:
    """A spring workout labelled PST (the export was made in winter): the instant is wall time + 8 h;
    in the account's zone the local time is the real (daylight) clock time."""
    la = next(
        r for r in workouts(IMPERIAL, "America/Los_Angeles") if r["title"] == "20 min Venice Scenic Ride"
    )
    assert la["start_utc"] == utc(2020, 4, 8, 0, 39)
    assert la["start_local"] == datetime(2020, 4, 7, 17, 39)
    elsewhere = next(
        r for r in workouts(IMPERIAL, "Europe/Berlin") if r["title"] == "20 min Venice Scenic Ride"
    )
    assert elsewhere["start_utc"] == utc(2020, 4, 8, 0, 39)
    assert elsewhere["start_local"] == datetime(2020, 4, 7, 16, 39)  # as written


def test_metric_file_with_offsets_and_abbreviations() -> None:
    rows = workouts(METRIC)
    got = [(r["start_utc"], r["start_local"]) for r in rows]
    assert got == [
        (utc(2021, 5, 29, 13, 27), datetime(2021, 5, 29, 9, 27)),  # (-04)
        (utc(2021, 5, 30, 4, 30), datetime(2021, 5, 30, 10, 0)),  # (+05:30)
        (utc(2021, 6, 1, 17, 0), datetime(2021, 6, 1, 18, 0)),  # BST
        (utc(2021, 6, 2, 5, 15), datetime(2021, 6, 2, 7, 15)),  # CEST
        (utc(2021, 6, 2, 20, 0), datetime(2021, 6, 3, 6, 0)),  # AEST, the next local day
    ]
    assert rows[0]["distance_km"] == 24.38 and rows[0]["avg_speed_kph"] == 32.5  # km stay km
    assert rows[-1]["local_date"] == date(2021, 6, 3)
    assert rows[-1]["activity_type"] == "pilates"
    assert '"avg_pace_unit":"min/km"' in rows[3]["metadata_json"]


@pytest.mark.parametrize(
    ("timezone", "label", "expected"),
    [
        ("UTC", "IST", utc(2021, 6, 1, 12, 30)),  # India by default
        ("Europe/Dublin", "IST", utc(2021, 6, 1, 17, 0)),  # Irish Summer Time in Dublin
        ("UTC", "CST", utc(2021, 6, 2, 0, 0)),  # US Central by default
        ("Asia/Shanghai", "CST", utc(2021, 6, 1, 10, 0)),  # China Standard Time in Shanghai
        ("UTC", "+0530", utc(2021, 6, 1, 12, 30)),
        ("UTC", "GMT", utc(2021, 6, 1, 18, 0)),
    ],
)
def test_ambiguous_abbreviations(timezone: str, label: str, expected: datetime) -> None:
    row = f"2021-06-01 18:00 ({label}),On Demand,A,20,Cycling,Theme,T,,100,100,40%,80,15,5,100,,,"
    sink = parse_bytes(SOURCE, csv_bytes(row), ctx(timezone=timezone))
    [workout] = to_silver(SOURCE, sink, ctx(timezone=timezone))["workouts"]
    assert workout["start_utc"] == expected


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (ROW.replace(",30,Cycling", ",-30,Cycling"), "negative Length (minutes)"),
        (ROW.replace(",402,", ",-5,"), "negative Calories Burned"),
        (ROW.replace(",Cycling,", ",,"), "missing Fitness Discipline"),
    ],
)
def test_bad_values_are_quarantined_with_a_reason(row: str, reason: str) -> None:
    silver = run_bytes(csv_bytes(ROW.replace("06:30", "05:00"), row))
    assert sorted((r["_reason"] or "") for r in silver) == ["", reason]


def test_negative_incline_is_a_decline_not_an_error() -> None:
    [row] = run_bytes(csv_bytes(ROW.replace("402,,,", "402,,-2.5,")))
    assert row["avg_incline_pct"] == -2.5 and row["_reason"] is None


def run_bytes(data: bytes) -> list[dict]:
    return to_silver(SOURCE, parse_bytes(SOURCE, data, ctx()), ctx())["workouts"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            csv_bytes(ROW.replace("(PST)", "(XYZ)")),
            "unknown time-zone abbreviation 'XYZ' in the workout timestamp on line 2",
        ),
        (csv_bytes(ROW, ROW.replace(",312,", ",lots,")), "Total Output 'lots' on line 3 is not a number"),
        (
            csv_bytes(ROW.replace(",30,Cycling", ",thirty,Cycling")),
            "Length (minutes) 'thirty' on line 2 is not a number",
        ),
        (
            csv_bytes(ROW.replace("2020-01-15 06:30 (PST)", "15/01/2020 06:30")),
            "workout timestamp '15/01/2020 06:30' on line 2",
        ),
        (
            csv_bytes(ROW.replace("2020-01-15", "2020-02-30")),
            "workout timestamp '2020-02-30 06:30 (PST)' on line 2",
        ),
        (csv_bytes(ROW.replace("(PST)", "(+25)")), "offset '+25' on line 2 is out of range"),
        (
            csv_bytes(ROW, header=HEADER.replace("Fitness Discipline,", "")),
            "missing required column 'Fitness Discipline'",
        ),
        (csv_bytes(ROW.replace(",", ";"), header=HEADER.replace(",", ";")), "separated by ';'"),
        (b"", "file is empty"),
    ],
)
def test_errors_name_the_line(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_bytes(SOURCE, data, ctx(name="workouts.csv"))
    assert message in str(err.value)
    assert "workouts.csv" in str(err.value)


def test_reimport_adds_nothing(lake: Path, tmp_path: Path) -> None:
    first = lib_ingest(lake, IMPERIAL, METRIC)
    assert [r.rows_new for r in first] == [10, 5]
    assert lib_ingest(lake, IMPERIAL)[0].status == "skipped"
    copy = tmp_path / "workouts_again.csv"  # the same workouts, other bytes (CRLF)
    copy.write_bytes(IMPERIAL.read_bytes().replace(b"\n", b"\r\n"))
    [again] = lib_ingest(lake, copy)
    assert (again.status, again.rows_new, again.rows_duplicate) == ("imported", 0, 10)
    assert count(lake, "workouts", "_source = 'peloton'") == 15
    [(kj,)] = query(lake, "SELECT sum(output_kj) FROM workouts WHERE activity_type = 'cycling'")
    assert kj == 312 + 150 + 100 + 500 + 250 + 240


def test_negative_length_is_quarantined_in_the_lake(lake: Path, tmp_path: Path) -> None:
    path = tmp_path / "workouts.csv"
    path.write_bytes(csv_bytes(ROW, ROW.replace("06:30", "07:30").replace(",30,Cycling", ",-30,Cycling")))
    [result] = lib_ingest(lake, path)
    counts = result.entities["workouts"]
    assert (counts.new, counts.quarantined) == (1, 1)
    assert query(lake, "SELECT _reason, title FROM quarantine__workouts") == [
        ("negative Length (minutes)", "30 min Pop Ride")
    ]


def test_thousands_separator_in_a_long_ride() -> None:
    [row] = run_bytes(csv_bytes(ROW.replace(",30,Cycling", ",90,Cycling").replace(",312,", ',"1,234",')))
    assert (row["output_kj"], row["duration_s"]) == (1234.0, 5400.0)
