"""Apple Health source: the streaming reader, chunking, the silver mapping, GPX routes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from biolake.errors import ParseError
from biolake.sources.apple_health import SOURCE
from biolake.sources.apple_health.reader import Chunk, ChunkError, Splitter, parse_chunk
from sourcetools import MemorySink, ctx, parse_bytes, run, to_silver

FIXTURES = Path(__file__).parent / "fixtures" / "healthkit"

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ATTLIST VisionPrescription
  type             CDATA #REQUIRED
<!ELEMENT RightEye EMPTY>
]>
<HealthData locale="en_GB">
 <ExportDate value="2022-03-01 09:00:00 +0000"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-06-30"
     HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"
     HKCharacteristicTypeIdentifierBloodType="HKBloodTypeONegative"/>
"""


def record(
    rtype: str,
    value: str,
    unit: str | None,
    start: str,
    end: str | None = None,
    source: str = "Watch",
    children: str = "",
) -> str:
    unit_attr = f' unit="{unit}"' if unit is not None else ""
    head = (
        f' <Record type="{rtype}" sourceName="{source}"{unit_attr} creationDate="{start}" '
        f'startDate="{start}" endDate="{end or start}" value="{value}"'
    )
    return f"{head}>{children}</Record>\n" if children else f"{head}/>\n"


def export(*body: str) -> bytes:
    return (HEAD + "".join(body) + "</HealthData>\n").encode()


def silver(data: bytes, tmp_path: Path) -> dict[str, list[dict]]:
    return to_silver(SOURCE, parse_bytes(SOURCE, data, ctx(), tmp_path), ctx())


def test_sniff_by_content() -> None:
    assert SOURCE.sniff(export(), "anything.txt")
    assert not SOURCE.sniff(b"id,time,gl\n1,2020-01-01 00:00:00,100\n", "export.xml")


def test_prologue_with_broken_dtd_is_skipped_and_read() -> None:
    splitter = Splitter(
        io.BytesIO(
            export(record("HKQuantityTypeIdentifierStepCount", "5", "count", "2022-01-01 10:00:00 +0100"))
        )
    )
    chunks = list(splitter)
    assert splitter.prologue.export_version == "12"
    assert splitter.prologue.locale == "en_GB"
    tables = parse_chunk(chunks[0])
    assert tables["records"].num_rows == 1
    me = tables["me"].to_pylist()[0]
    assert me["DateOfBirth"] == "1985-06-30" and me["export_version"] == "12" and me["locale"] == "en_GB"


def _bp(t: str) -> str:
    members = record("HKQuantityTypeIdentifierBloodPressureSystolic", "121", "mmHg", t) + record(
        "HKQuantityTypeIdentifierBloodPressureDiastolic", "79", "mmHg", t
    )
    return (
        members + f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" '
        f'creationDate="{t}" startDate="{t}" endDate="{t}">\n  <MetadataEntry key="k" value="v"/>\n'
        + members.replace(" <Record", "  <Record")
        + " </Correlation>\n"
    )


@pytest.mark.parametrize("chunk_size", [64, 200, 1000, 1 << 20])
def test_chunk_boundaries_never_split_a_correlation(chunk_size: int) -> None:
    body = []
    for day in range(1, 10):
        t = f"2022-01-0{day} 08:00:00 -0500"
        body.append(
            record(
                "HKQuantityTypeIdentifierHeartRate",
                "60",
                "count/min",
                t,
                children='<MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="1"/>',
            )
        )
        body.append(_bp(t))
    totals: dict[str, int] = {}
    for chunk in Splitter(io.BytesIO(export(*body)), chunk_size):
        for name, table in parse_chunk(chunk).items():
            totals[name] = totals.get(name, 0) + table.num_rows
    assert totals["records"] == 9 * 3  # heart rate + the two blood-pressure records at top level
    assert totals["correlations"] == 9
    assert totals["correlation_members"] == 18
    assert totals["record_metadata"] == 9  # the correlation's own metadata is not a record's


def test_records_inside_correlations_are_not_counted_twice(tmp_path: Path) -> None:
    out = silver(export(_bp("2022-01-01 08:00:00 -0500")), tmp_path)
    bp = sorted((r["metric"], r["value"]) for r in out["measurements"])
    assert bp == [("bp_diastolic_mmhg", 79.0), ("bp_systolic_mmhg", 121.0)]


def test_control_characters_are_tolerated(tmp_path: Path) -> None:
    data = export(
        record(
            "HKQuantityTypeIdentifierStepCount",
            "12",
            "count",
            "2022-01-01 10:00:00 +0000",
            source="Jane\x0bs iPhone",
        )
    )
    out = silver(data, tmp_path)
    assert out["measurements"][0]["source_name"] == "Janes iPhone"


def test_truncated_file_is_an_error_naming_the_problem() -> None:
    data = export(record("HKQuantityTypeIdentifierStepCount", "12", "count", "2022-01-01 10:00:00 +0000"))
    with pytest.raises(ParseError, match="truncated"):
        parse_bytes(SOURCE, data[: data.rindex(b"</HealthData>")])


def test_syntax_error_reports_the_file_line() -> None:
    good = record("HKQuantityTypeIdentifierStepCount", "12", "count", "2022-01-01 10:00:00 +0000")
    data = export(good, good, ' <Record type="x" value="1" <broken\n', good)
    line = data.decode().splitlines().index(' <Record type="x" value="1" <broken') + 1
    with pytest.raises(ParseError, match=f"line {line}"):
        parse_bytes(SOURCE, data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<?xml version='1.0'?><Other/>", "no <HealthData>"),
        (b'<?xml version="1.0"?>\n<HealthData locale="en_US"/>\n', "holds no data"),
    ],
)
def test_not_an_export(data: bytes, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse_bytes(SOURCE, data)


def test_units_are_normalised_and_offsets_kept(tmp_path: Path) -> None:
    t = "2022-07-01 07:30:00 -0700"
    out = silver(
        export(
            record("HKQuantityTypeIdentifierBodyMass", "154.3234", "lb", t, source="Scale"),
            record("HKQuantityTypeIdentifierBodyFatPercentage", "0.215", "%", t, source="Scale"),
            record("HKQuantityTypeIdentifierOxygenSaturation", "0.97", "%", t),
            record("HKQuantityTypeIdentifierBodyTemperature", "98.6", "degF", t),
            record("HKQuantityTypeIdentifierActiveEnergyBurned", "10.5", "kJ", t),
            record("HKQuantityTypeIdentifierDistanceWalkingRunning", "1", "mi", t),
            record("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", "48.2", "ms", t),
            record("HKQuantityTypeIdentifierSomethingNew", "3", "count", t),
            record("HKCategoryTypeIdentifierAppleStandHour", "HKCategoryValueAppleStandHourStood", None, t),
        ),
        tmp_path,
    )
    by_metric = {r["metric"]: r for r in out["measurements"] + out["body_measurements"]}
    assert by_metric["weight_kg"]["value"] == pytest.approx(70.0, abs=1e-4)
    assert by_metric["body_fat_pct"]["value"] == pytest.approx(21.5)
    assert by_metric["spo2_pct"]["value"] == pytest.approx(97.0)
    assert by_metric["body_temperature_c"]["value"] == pytest.approx(37.0)
    assert by_metric["active_energy_kcal"]["value"] == pytest.approx(10.5 / 4.184)
    assert by_metric["distance_walking_running_km"]["value"] == pytest.approx(1.609344)
    assert by_metric["hrv_sdnn_ms"]["unit"] == "ms"
    assert by_metric["something_new"]["value"] == 3 and by_metric["something_new"]["unit"] == "count"
    stand = by_metric["apple_stand_hour"]
    assert stand["category"] == "Stood" and stand["value"] is None
    weight = by_metric["weight_kg"]
    assert weight["start_local"].hour == 7 and weight["start_utc"].hour == 14
    assert str(weight["local_date"]) == "2022-07-01"
    assert {r["metric"] for r in out["body_measurements"]} == {"weight_kg", "body_fat_pct"}


def test_unconvertible_unit_and_bad_value_are_flagged_for_quarantine(tmp_path: Path) -> None:
    t = "2022-07-01 07:30:00 +0000"
    out = silver(
        export(
            record("HKQuantityTypeIdentifierBodyMass", "70", "furlongs", t),
            record("HKQuantityTypeIdentifierHeartRate", "n/a", "count/min", t),
        ),
        tmp_path,
    )
    reasons = sorted(r["_reason"] for r in out["measurements"] + out["body_measurements"])
    assert reasons[0].startswith("unit furlongs cannot be converted to kg")
    assert reasons[1] == "value is not a number: n/a"


def test_sleep_glucose_and_nutrition(tmp_path: Path) -> None:
    meal = '<MetadataEntry key="meal" value="Breakfast"/>'
    out = silver(
        export(
            record(
                "HKCategoryTypeIdentifierSleepAnalysis",
                "HKCategoryValueSleepAnalysisAsleepDeep",
                None,
                "2022-01-01 23:10:00 -0500",
                "2022-01-02 00:40:00 -0500",
            ),
            record(
                "HKCategoryTypeIdentifierSleepAnalysis",
                "HKCategoryValueSleepAnalysisInBed",
                None,
                "2022-01-01 23:00:00 -0500",
                "2022-01-02 07:00:00 -0500",
            ),
            record(
                "HKQuantityTypeIdentifierBloodGlucose",
                "5.5",
                "mmol&lt;180.1558800000541&gt;/L",
                "2022-01-02 08:00:00 -0500",
                source="Dexcom G7",
            ),
            record(
                "HKQuantityTypeIdentifierBloodGlucose",
                "104",
                "mg/dL",
                "2022-01-02 09:00:00 -0500",
                source="Contour",
            ),
            record(
                "HKQuantityTypeIdentifierDietaryEnergyConsumed",
                "420",
                "kcal",
                "2022-01-02 08:15:00 -0500",
                source="MyFitnessPal",
                children=meal,
            ),
            record(
                "HKQuantityTypeIdentifierDietaryProtein",
                "21",
                "g",
                "2022-01-02 08:15:00 -0500",
                source="MyFitnessPal",
                children=meal,
            ),
            record(
                "HKQuantityTypeIdentifierDietarySodium",
                "0.35",
                "g",
                "2022-01-02 08:15:00 -0500",
                source="MyFitnessPal",
                children=meal,
            ),
        ),
        tmp_path,
    )
    stages = {r["stage"]: r for r in out["sleep_stages"]}
    assert set(stages) == {"deep", "in_bed"}
    assert stages["deep"]["duration_s"] == 90 * 60
    assert str(stages["deep"]["local_date"]) == "2022-01-02"  # the night belongs to the morning it ends
    glucose = sorted(out["glucose_readings"], key=lambda r: r["ts_utc"])
    assert glucose[0]["glucose_mgdl"] == pytest.approx(5.5 * 18.01558800000541)
    assert glucose[0]["reading_kind"] == "cgm" and glucose[1]["reading_kind"] == "unknown"
    [entry] = out["nutrition_entries"]
    assert entry["meal"] == "Breakfast"
    assert (entry["energy_kcal"], entry["protein_g"], entry["sodium_mg"]) == (420, 21, pytest.approx(350))


def test_sleep_sessions_from_stage_records(tmp_path: Path) -> None:
    def stage(value: str, start: str, end: str, source: str = "Apple Watch") -> str:
        kind = "HKCategoryTypeIdentifierSleepAnalysis"
        return record(kind, f"HKCategoryValueSleepAnalysis{value}", None, start, end, source=source)

    out = silver(
        export(
            stage("InBed", "2022-01-01 22:50:00 -0500", "2022-01-02 06:50:00 -0500", source="iPhone"),
            stage("Awake", "2022-01-01 23:00:00 -0500", "2022-01-01 23:20:00 -0500"),
            stage("AsleepCore", "2022-01-01 23:20:00 -0500", "2022-01-02 01:20:00 -0500"),
            stage("AsleepDeep", "2022-01-02 01:20:00 -0500", "2022-01-02 02:20:00 -0500"),
            stage("AsleepREM", "2022-01-02 02:20:00 -0500", "2022-01-02 03:20:00 -0500"),
            # 50 minutes awake without a record, then more sleep: the same night
            stage("AsleepCore", "2022-01-02 04:10:00 -0500", "2022-01-02 06:40:00 -0500"),
            # an afternoon nap: a session of its own
            stage("AsleepCore", "2022-01-02 14:00:00 -0500", "2022-01-02 14:30:00 -0500"),
        ),
        tmp_path,
    )
    sessions = sorted(out["sleep_sessions"], key=lambda r: (r["source_name"], r["start_utc"]))
    assert [(r["source_name"], str(r["start_local"]), r["is_main"]) for r in sessions] == [
        ("Apple Watch", "2022-01-01 23:00:00", True),
        ("Apple Watch", "2022-01-02 14:00:00", False),
        ("iPhone", "2022-01-01 22:50:00", True),
    ]
    night = sessions[0]
    assert str(night["local_date"]) == "2022-01-02"
    assert night["total_sleep_s"] == (120 + 60 + 60 + 150) * 60
    assert (night["light_s"], night["deep_s"], night["rem_s"], night["awake_s"]) == (
        270 * 60,
        3600,
        3600,
        1200,
    )
    assert night["time_in_bed_s"] == (7 * 60 + 40) * 60  # no InBed record from the Watch: first to last
    assert night["latency_s"] == 20 * 60
    assert night["efficiency_pct"] == pytest.approx(100 * 390 / 460)
    assert sessions[2]["time_in_bed_s"] == 8 * 3600 and sessions[2]["total_sleep_s"] is None


def test_workout_totals_from_statistics_and_attributes() -> None:
    out = run(SOURCE, FIXTURES / "synthetic_ios16_broken_dtd_1day.xml")
    [w] = out["workouts"]
    assert (w["activity_type"], w["duration_s"], w["energy_kcal"]) == ("cycling", 2700, 420)
    assert (w["avg_hr_bpm"], w["max_hr_bpm"], w["indoor"]) == (142, 171, True)
    old = run(SOURCE, FIXTURES / "simonw_tests_export.xml")["workouts"][0]
    assert old["distance_km"] == pytest.approx(0.4971749504535062 * 1.609344)
    assert old["energy_kcal"] == pytest.approx(48.745)
    assert old["route_file"].startswith("inline:")


def test_zip_export_with_gpx_routes_is_read_in_place(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "simonw_zip_contents_export.xml", "apple_health_export/export.xml")
        zf.write(
            FIXTURES / "simonw_route_2019-06-11_3.00pm.gpx",
            "apple_health_export/workout-routes/route_2019-06-11_3.00pm.gpx",
        )
    out = silver(buf.getvalue(), tmp_path)
    routes = out["workout_routes"]
    assert len(routes) == 3
    assert {r["route_file"] for r in routes} == {out["workouts"][0]["route_file"]}
    assert routes[0]["lat"] == pytest.approx(37.781672) and routes[0]["elevation_m"] == pytest.approx(
        4.076904
    )


def test_zip_without_export_xml() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    with pytest.raises(ParseError, match=r"no export\.xml"):
        parse_bytes(SOURCE, buf.getvalue())


def test_parallel_and_in_process_parsing_agree(tmp_path: Path) -> None:
    from biolake.demo.healthkit_xml import write_export

    path = tmp_path / "export.xml"
    with path.open("w", encoding="utf-8") as fh:
        write_export(fh, 20_000_000)  # > 2 chunks, so helper processes run
    sink = MemorySink(tmp_path)
    with path.open("rb") as fh:
        SOURCE.parse(fh, ctx(), sink)
    chunks = list(Splitter(path.open("rb")))
    expected: dict[str, int] = {}
    for chunk in chunks:
        for name, table in parse_chunk(chunk).items():
            expected[name] = expected.get(name, 0) + table.num_rows
    assert len(chunks) > 2
    assert {k: v for k, v in sink.counts.items() if v} == {k: v for k, v in expected.items() if v}
    assert sink.counts["records"] == path.read_bytes().count(b"<Record ") - 2 * expected["correlations"]


def test_chunk_error_survives_pickling() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(ChunkError(7, "XML syntax error on line 7: x")))
    assert (err.line, str(err)) == (7, "XML syntax error on line 7: x")


def test_empty_chunk_parses_to_empty_tables() -> None:
    tables = parse_chunk(Chunk(0, b"\n", 1))
    assert all(t.num_rows == 0 for t in tables.values())
