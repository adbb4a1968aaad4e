"""Apple Health through the lake (library calls): zip read in place, routes, correlations, broken DTDs,
control characters, time offsets, units, sleep stages, quarantine and the parallel multi-chunk path."""

from __future__ import annotations

import hashlib
import importlib
import re
import shutil
import tempfile
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from biolake.lake.ingest import FileResult, ingest
from conftest import (
    HK_1DAY,
    HK_IOS16,
    HK_SIMONW,
    HK_ZIP_XML,
    Rec,
    count,
    lib_ingest,
    query,
    settings_for,
    write_health_zip,
)

HK = importlib.import_module("biolake.sources.apple_health")


def one(results: list[FileResult]) -> FileResult:
    [result] = results
    assert result.status == "imported", result.error
    assert result.source == "apple_health"
    return result


def top_level_records(data: bytes) -> int:
    """``<Record `` elements outside any Correlation, counted on the raw bytes."""
    outside = re.sub(rb"<Correlation .*?</Correlation>", b"", data, flags=re.DOTALL)
    return outside.count(b"<Record ")


# --- export.zip ----------------------------------------------------------------------------------


def test_zip_is_read_in_place_with_routes(lake: Path, tmp_path: Path) -> None:
    archive = write_health_zip(tmp_path / "export.zip")
    result = one(lib_ingest(lake, archive))
    assert result.file == str(archive)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert result.sha256 == digest

    # nothing unpacked: the lake keeps the zip itself, byte for byte, and no member of it
    stored = list((lake / "bronze" / "files").iterdir())
    assert [p.name for p in stored] == [digest]
    assert stored[0].read_bytes() == archive.read_bytes()
    names = {p.name for p in lake.rglob("*")}
    assert "export.xml" not in names and "apple_health_export" not in names
    assert not any(p.suffix == ".gpx" for p in lake.rglob("*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.zip", "lake"]

    route = "/workout-routes/route_2019-06-11_3.00pm.gpx"
    assert query(lake, "SELECT route_file, activity_type, round(distance_km, 4) FROM workouts") == [
        (route, "running", 0.8001)
    ]
    points = query(
        lake,
        "SELECT route_file, ts_utc, lat, lon, elevation_m, speed_mps FROM workout_routes "
        "ORDER BY ts_utc, lat DESC",
    )
    assert len(points) == 3
    assert {p[0] for p in points} == {route}
    assert points[0][1:] == (
        datetime(2019, 6, 11, 22, 0, 42, tzinfo=UTC),
        37.781672,
        -122.396397,
        4.076904,
        0.180883,
    )
    joined = query(
        lake, "SELECT count(*) FROM workouts w JOIN workout_routes r USING (subject_id, route_file)"
    )
    assert joined == [(3,)]
    assert query(lake, "SELECT date_of_birth, biological_sex FROM subject_profile") == [
        (date(1990, 2, 2), "male")
    ]


def test_zip_with_export_xml_in_another_folder(lake: Path, tmp_path: Path) -> None:
    archive = tmp_path / "renamed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(HK_ZIP_XML, "Export/export.xml")
    one(lib_ingest(lake, archive))
    assert count(lake, "activity_daily") == 2
    assert query(lake, "SELECT route_file FROM workouts") == [
        ("/workout-routes/route_2019-06-11_3.00pm.gpx",)
    ]


def test_inline_route_locations(lake: Path) -> None:
    one(lib_ingest(lake, HK_SIMONW))
    [(route,)] = query(lake, "SELECT route_file FROM workouts")
    assert route == "inline:2016-11-14 07:25:41 -0700"
    # the two Locations share time and position: one point
    assert query(lake, "SELECT route_file, ts_utc FROM workout_routes") == [
        (route, datetime(2016, 11, 14, 14, 25, 44, tzinfo=UTC))
    ]


# --- correlations, DTDs, control characters -----------------------------------------------------

BP_TIME = "2024-02-01 08:05:00 -0500"
SYSTOLIC = Rec("BloodPressureSystolic", "121", BP_TIME, unit="mmHg", source="Health")
DIASTOLIC = Rec("BloodPressureDiastolic", "79", BP_TIME, unit="mmHg", source="Health")
CORRELATION = (
    f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Health" sourceVersion="17.0" '
    f'creationDate="{BP_TIME}" startDate="{BP_TIME}" endDate="{BP_TIME}">\n'
    f"{SYSTOLIC.xml('  ')}{DIASTOLIC.xml('  ')}"
    '  <MetadataEntry key="HKWasUserEntered" value="1"/>\n'
    " </Correlation>\n"
)


@pytest.mark.parametrize("correlation_first", [False, True], ids=["records_first", "correlation_first"])
def test_correlation_records_are_not_double_counted(
    lake: Path, make_export: Any, correlation_first: bool
) -> None:
    if correlation_first:
        path = make_export("export.xml", [], CORRELATION + SYSTOLIC.xml() + DIASTOLIC.xml())
    else:
        path = make_export("export.xml", [SYSTOLIC, DIASTOLIC], CORRELATION)
    assert top_level_records(path.read_bytes()) == 2
    result = one(lib_ingest(lake, path))
    assert result.entities["measurements"].new == 2
    assert query(lake, "SELECT metric, value, unit FROM measurements ORDER BY metric") == [
        ("bp_diastolic_mmhg", 79.0, "mmHg"),
        ("bp_systolic_mmhg", 121.0, "mmHg"),
    ]


def test_ios16_broken_dtd(lake: Path) -> None:
    data = HK_IOS16.read_bytes()
    assert b"<!ELEMENT RightEye" in data.split(b"<HealthData ")[0]  # the defect: an unterminated ATTLIST
    result = one(lib_ingest(lake, HK_IOS16))
    n = top_level_records(data)
    assert n == 753
    assert count(lake, "measurements") + count(lake, "sleep_stages") == n
    assert result.entities["measurements"].new == n - 1
    assert count(lake, "workouts") == 1 and count(lake, "activity_daily") == 1


def test_control_character_in_attribute_value(lake: Path, make_export: Any) -> None:
    path = make_export(
        "export.xml",
        [
            Rec("HeartRate", "64", "2024-02-02 10:00:00 -0500", unit="count/min", source="Jane\x0bs Watch"),
            Rec("HeartRate", "66", "2024-02-02 10:01:00 -0500", unit="count/min"),
        ],
    )
    assert b"\x0b" in path.read_bytes()
    result = one(lib_ingest(lake, path))
    assert result.entities["measurements"].new == 2
    rows = query(lake, "SELECT source_name, value FROM measurements ORDER BY start_utc")
    assert rows[1] == ("Test Watch", 66.0)
    name, value = rows[0]
    assert value == 64.0
    assert (
        isinstance(name, str) and name.startswith("Jane") and name.endswith("s Watch") and "\x0b" not in name
    )


# --- times and units -----------------------------------------------------------------------------


def test_dates_keep_their_offsets(lake: Path, make_export: Any) -> None:
    path = make_export(
        "export.xml",
        [
            Rec("HeartRate", "70", "2016-11-14 07:25:41 -0700", unit="count/min"),
            Rec("HeartRate", "71", "2016-11-14 23:30:00 -0800", unit="count/min"),
            Rec("HeartRate", "72", "2016-11-15 06:00:00 +0530", unit="count/min"),
            Rec("StepCount", "500", "2016-11-14 10:00:00 -0700", "2016-11-14 10:20:00 -0700", unit="count"),
        ],
    )
    one(lib_ingest(lake, path))
    rows = query(
        lake,
        "SELECT value, start_utc, start_local, end_utc, end_local, local_date FROM measurements "
        "ORDER BY value",
    )
    assert rows == [
        (
            70.0,
            datetime(2016, 11, 14, 14, 25, 41, tzinfo=UTC),
            datetime(2016, 11, 14, 7, 25, 41),
            datetime(2016, 11, 14, 14, 25, 41, tzinfo=UTC),
            datetime(2016, 11, 14, 7, 25, 41),
            date(2016, 11, 14),
        ),
        (
            71.0,
            datetime(2016, 11, 15, 7, 30, tzinfo=UTC),
            datetime(2016, 11, 14, 23, 30),
            datetime(2016, 11, 15, 7, 30, tzinfo=UTC),
            datetime(2016, 11, 14, 23, 30),
            date(2016, 11, 14),
        ),
        (
            72.0,
            datetime(2016, 11, 15, 0, 30, tzinfo=UTC),
            datetime(2016, 11, 15, 6, 0),
            datetime(2016, 11, 15, 0, 30, tzinfo=UTC),
            datetime(2016, 11, 15, 6, 0),
            date(2016, 11, 15),
        ),
        (
            500.0,
            datetime(2016, 11, 14, 17, 0, tzinfo=UTC),
            datetime(2016, 11, 14, 10, 0),
            datetime(2016, 11, 14, 17, 20, tzinfo=UTC),
            datetime(2016, 11, 14, 10, 20),
            date(2016, 11, 14),
        ),
    ]


def test_dates_do_not_depend_on_the_configured_zone(lake: Path, make_export: Any) -> None:
    path = make_export("export.xml", [Rec("HeartRate", "70", "2016-11-14 07:25:41 -0700", unit="count/min")])
    one(lib_ingest(lake, path, timezone="Asia/Tokyo"))
    assert query(lake, "SELECT start_utc, start_local FROM measurements") == [
        (datetime(2016, 11, 14, 14, 25, 41, tzinfo=UTC), datetime(2016, 11, 14, 7, 25, 41))
    ]


T = "2024-02-03 07:00:00 -0500"


@pytest.mark.parametrize(
    ("rec", "table", "metric", "value", "unit"),
    [
        (Rec("BodyMass", "150", T, unit="lb"), "body_measurements", "weight_kg", 68.0388555, "kg"),
        (Rec("BodyMass", "70500", T, unit="g"), "body_measurements", "weight_kg", 70.5, "kg"),
        (Rec("Height", "70", T, unit="in"), "body_measurements", "height_m", 1.778, "m"),
        (Rec("BodyFatPercentage", "0.215", T, unit="%"), "body_measurements", "body_fat_pct", 21.5, "%"),
        (
            Rec("ActiveEnergyBurned", "12.5", T, unit="Cal"),
            "measurements",
            "active_energy_kcal",
            12.5,
            "kcal",
        ),
        (Rec("BasalEnergyBurned", "418.4", T, unit="kJ"), "measurements", "basal_energy_kcal", 100.0, "kcal"),
        (Rec("OxygenSaturation", "0.97", T, unit="%"), "measurements", "spo2_pct", 97.0, "%"),
        (Rec("BodyTemperature", "98.6", T, unit="degF"), "measurements", "body_temperature_c", 37.0, "degC"),
        (
            Rec("DistanceWalkingRunning", "2", T, unit="mi"),
            "measurements",
            "distance_walking_running_km",
            3.218688,
            "km",
        ),
        (Rec("HeartRateVariabilitySDNN", "48.25", T, unit="ms"), "measurements", "hrv_sdnn_ms", 48.25, "ms"),
        (Rec("HeartRate", "61", T, unit="count/min"), "measurements", "heart_rate", 61.0, "bpm"),
        (Rec("VO2Max", "41.2", T, unit="mL/min·kg"), "measurements", "vo2max_ml_kg_min", 41.2, "mL/kg/min"),
        (Rec("WalkingSpeed", "1.5", T, unit="m/s"), "measurements", "walking_speed_kmh", 5.4, "km/h"),
        (
            Rec("NumberOfTimesFallen", "1", T, unit="count"),
            "measurements",
            "number_of_times_fallen",
            1.0,
            "count",
        ),
    ],
    ids=lambda v: v.type if isinstance(v, Rec) else None,
)
def test_units_are_normalized(
    lake: Path, make_export: Any, rec: Rec, table: str, metric: str, value: float, unit: str
) -> None:
    one(lib_ingest(lake, make_export("export.xml", [rec])))
    [(got_metric, got_value, got_unit)] = query(lake, f"SELECT metric, value, unit FROM {table}")
    assert (got_metric, got_unit) == (metric, unit)
    assert got_value == pytest.approx(value, rel=1e-9)


def test_workout_totals_are_normalized(lake: Path) -> None:
    one(lib_ingest(lake, HK_SIMONW))
    [(duration, distance, energy, kind, raw)] = query(
        lake, "SELECT duration_s, distance_km, energy_kcal, activity_type, activity_type_raw FROM workouts"
    )
    assert duration == pytest.approx(5.19412346680959 * 60)
    assert distance == pytest.approx(0.4971749504535062 * 1.609344)
    assert energy == pytest.approx(48.745)
    assert (kind, raw) == ("running", "HKWorkoutActivityTypeRunning")


def test_sleep_stages(lake: Path, make_export: Any) -> None:
    stages = [
        ("InBed", "2024-02-04 22:40:00 -0500", "2024-02-05 06:30:00 -0500", "in_bed"),
        ("AsleepUnspecified", "2024-02-04 22:50:00 -0500", "2024-02-04 23:00:00 -0500", "asleep"),
        ("AsleepCore", "2024-02-04 23:00:00 -0500", "2024-02-05 00:10:00 -0500", "light"),
        ("AsleepDeep", "2024-02-05 00:10:00 -0500", "2024-02-05 01:00:00 -0500", "deep"),
        ("AsleepREM", "2024-02-05 01:00:00 -0500", "2024-02-05 01:45:00 -0500", "rem"),
        ("Awake", "2024-02-05 01:45:00 -0500", "2024-02-05 01:50:00 -0500", "awake"),
        ("Asleep", "2024-02-05 01:50:00 -0500", "2024-02-05 06:00:00 -0500", "asleep"),  # before iOS 16
    ]
    recs = [
        Rec("HKCategoryTypeIdentifierSleepAnalysis", f"HKCategoryValueSleepAnalysis{v}", s, e)
        for v, s, e, _ in stages
    ]
    one(lib_ingest(lake, make_export("export.xml", recs)))
    rows = query(lake, "SELECT stage, stage_raw, duration_s, local_date FROM sleep_stages ORDER BY start_utc")
    expected = [
        (
            stage,
            f"HKCategoryValueSleepAnalysis{v}",
            (
                datetime.strptime(e, "%Y-%m-%d %H:%M:%S %z") - datetime.strptime(s, "%Y-%m-%d %H:%M:%S %z")
            ).total_seconds(),
            date(2024, 2, 4) if e.startswith("2024-02-04") else date(2024, 2, 5),
        )
        for v, s, e, stage in stages
    ]
    assert rows == expected
    assert count(lake, "measurements", missing_ok=True) == 0


# --- quarantine ----------------------------------------------------------------------------------


def test_bad_rows_go_to_quarantine(lake: Path, make_export: Any) -> None:
    path = make_export(
        "export.xml",
        [
            Rec("HeartRate", "62", "2024-02-06 09:00:00 -0500", unit="count/min"),
            Rec("HeartRate", "abc", "2024-02-06 09:01:00 -0500", unit="count/min"),
            Rec("BodyMass", "70", "2024-02-06 07:00:00 -0500", unit="furlong"),
            Rec(
                "HeartRate", "63", "2024-02-06 09:05:00 -0500", "2024-02-06 09:00:00 -0500", unit="count/min"
            ),
            Rec(
                "HKCategoryTypeIdentifierSleepAnalysis",
                "HKCategoryValueSleepAnalysisDaydreaming",
                "2024-02-06 01:00:00 -0500",
                "2024-02-06 02:00:00 -0500",
            ),
            Rec("HeartRate", "64", "yesterday", unit="count/min"),
        ],
    )
    result = one(lib_ingest(lake, path))
    assert result.entities["measurements"].new == 1
    assert result.entities["measurements"].quarantined == 3
    assert result.rows_quarantined == 5
    assert query(lake, "SELECT value FROM measurements") == [(62.0,)]
    assert count(lake, "body_measurements", missing_ok=True) == 0
    reasons = dict(
        query(
            lake,
            "SELECT coalesce(CAST(start_local AS VARCHAR), 'none'), _reason FROM quarantine__measurements",
        )
    )
    assert reasons == {
        "2024-02-06 09:01:00": "value is not a number: abc",
        "2024-02-06 09:05:00": "ends before it starts",
        "none": "missing or unparseable start_utc",
    }
    [(reason,)] = query(lake, "SELECT _reason FROM quarantine__body_measurements")
    assert reason == "unit furlong cannot be converted to kg"
    [(reason,)] = query(lake, "SELECT _reason FROM quarantine__sleep_stages")
    assert "Daydreaming" in reason
    # quarantined rows keep their lineage
    assert query(lake, "SELECT DISTINCT _source, _file_sha256 FROM quarantine__measurements") == [
        ("apple_health", result.sha256)
    ]


# --- a big export: several chunks, parsed by worker processes ------------------------------------


@pytest.mark.slow
def test_multi_chunk_export_in_parallel(
    lake: Path, tmp_path: Path, big_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = big_export.read_bytes()
    assert len(data) >= 20_000_000 > 2 * HK.CHUNK_BYTES
    expected_records = top_level_records(data)
    expected_workouts = data.count(b"<Workout ")
    expected_days = data.count(b"<ActivitySummary ")
    assert data.count(b"<Correlation ") > 0

    calls: list[int] = []
    real = HK.read_parallel

    def spy(*args: Any, **kwargs: Any) -> None:
        calls.append(args[-1] if len(args) == 6 else kwargs["workers"])
        real(*args, **kwargs)

    monkeypatch.setenv("BIOLAKE_WORKERS", "2")
    monkeypatch.setattr(HK, "read_parallel", spy)
    result = one(lib_ingest(lake, big_export))
    assert calls == [1]  # the parallel path ran, with one helper process

    entities = ("measurements", "body_measurements", "sleep_stages", "glucose_readings", "nutrition_entries")
    silver = {e: count(lake, e, missing_ok=True) for e in entities}
    assert sum(silver.values()) == expected_records
    assert sum(result.entities[e].new for e in entities if e in result.entities) == expected_records
    assert result.rows_duplicate == 0 and result.rows_quarantined == 0
    assert count(lake, "workouts") == expected_workouts
    assert count(lake, "activity_daily") == expected_days
    [(bronze_records,)] = query(lake, "SELECT count(*) FROM bronze_apple_health__records")
    assert bronze_records == expected_records
    ids = query(lake, "SELECT count(DISTINCT record_id) FROM bronze_apple_health__records")
    assert ids == [(expected_records,)]

    # the same file read by this process alone gives the same silver rows
    monkeypatch.setenv("BIOLAKE_WORKERS", "1")
    other = tmp_path / "sequential_lake"
    one(lib_ingest(other, big_export))
    assert calls == [1]
    con = duckdb.connect()
    try:
        for e in [*entities, "workouts", "activity_daily"]:
            a, b = (p / "silver" / e / "**" / "*.parquet" for p in (lake, other))
            if not list((lake / "silver" / e).rglob("*.parquet")):
                continue
            rel = "SELECT * EXCLUDE (_ingested_at) FROM read_parquet('{}', hive_partitioning = true)"
            diff = con.execute(
                f"SELECT count(*) FROM (({rel.format(a)}) EXCEPT ALL ({rel.format(b)}))"
            ).fetchone()
            back = con.execute(
                f"SELECT count(*) FROM (({rel.format(b)}) EXCEPT ALL ({rel.format(a)}))"
            ).fetchone()
            assert diff == back == (0,), e
    finally:
        con.close()


# --- a big export.zip: chunks of the member are handed to the workers -----------------------------


@pytest.fixture
def big_zip(tmp_path: Path, big_export: Path) -> tuple[Path, int]:
    """export.zip holding the ≥ 20 MB export, and its number of top-level Records."""
    archive = tmp_path / "zips" / "export.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.write(big_export, "apple_health_export/export.xml")
    return archive, top_level_records(big_export.read_bytes())


@pytest.mark.slow
def test_big_zip_in_parallel(
    lake: Path, tmp_path: Path, big_zip: tuple[Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, expected = big_zip
    spill = tmp_path / "tmpdir"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    monkeypatch.setenv("BIOLAKE_WORKERS", "2")
    monkeypatch.chdir(tmp_path)
    one(lib_ingest(lake, archive))
    entities = ("measurements", "body_measurements", "sleep_stages")
    assert sum(count(lake, e, missing_ok=True) for e in entities) == expected
    assert list(spill.iterdir()) == []  # chunk spills are removed
    assert not any(p.name == "export.xml" for p in lake.rglob("*"))


@pytest.mark.slow
def test_big_zip_ignores_an_unzipped_export_in_the_working_folder(
    lake: Path, tmp_path: Path, big_zip: tuple[Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, expected = big_zip
    work = tmp_path / "Downloads"
    (work / "apple_health_export").mkdir(parents=True)
    shutil.copy(HK_1DAY, work / "apple_health_export" / "export.xml")  # last year's export, unzipped
    monkeypatch.setenv("BIOLAKE_WORKERS", "2")
    monkeypatch.chdir(work)
    [result] = ingest(settings_for(lake), [archive])  # type: ignore[arg-type]
    assert result.status == "imported", result.error
    entities = ("measurements", "body_measurements", "sleep_stages")
    assert sum(count(lake, e, missing_ok=True) for e in entities) == expected
