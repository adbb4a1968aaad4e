"""The compiled chunk parser (``_fastparse.c``) and the pure-Python one give exactly the same tables.

Compared on every fixture export, a generated synthetic export, and hand-written XML with the corners
both must agree on (entities, character references, attribute order, whitespace, control characters,
nesting, missing attributes), and on malformed XML (same error, same line). Without the extension the
comparisons are skipped, unless BIOLAKE_REQUIRE_EXTENSION=1 (CI), which makes its absence a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pyarrow as pa
import pytest

from biolake.sources.apple_health import SOURCE, reader
from biolake.sources.apple_health.reader import Chunk, ChunkError, Splitter, parse_chunk
from sourcetools import MemorySink, ctx

FIXTURES = Path(__file__).parent / "fixtures" / "healthkit"

needs_compiled = pytest.mark.skipif(
    not reader.HAVE_COMPILED and os.environ.get("BIOLAKE_REQUIRE_EXTENSION") != "1",
    reason="the C parser is not built (pip install -e . with a C compiler builds it)",
)


def test_extension_is_built_when_required() -> None:
    if os.environ.get("BIOLAKE_REQUIRE_EXTENSION") == "1":
        assert reader.HAVE_COMPILED, "BIOLAKE_REQUIRE_EXTENSION=1 but the C parser does not import"


def assert_same(chunk: Chunk) -> dict[str, pa.Table]:
    """Parse ``chunk`` both ways; fail unless every table is equal, schema and values."""
    python = parse_chunk(chunk, compiled=False)
    compiled = parse_chunk(chunk, compiled=True)
    assert list(python) == list(compiled) == list(reader.BRONZE_SCHEMAS)
    for name, table in python.items():
        assert compiled[name].schema == table.schema, name
        assert compiled[name].equals(table), f"{name}: {compiled[name].to_pylist()} != {table.to_pylist()}"
        compiled[name].validate(full=True)
    return python


def assert_same_file(data: bytes, chunk_size: int) -> dict[str, int]:
    rows: dict[str, int] = {}
    for chunk in Splitter(io.BytesIO(data), chunk_size):
        for name, table in assert_same(chunk).items():
            rows[name] = rows.get(name, 0) + table.num_rows
    return rows


@needs_compiled
@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.xml")))
@pytest.mark.parametrize("chunk_size", [2000, 1 << 22])
def test_fixture_exports(fixture: str, chunk_size: int) -> None:
    rows = assert_same_file((FIXTURES / fixture).read_bytes(), chunk_size)
    assert rows["records"] > 0


@needs_compiled
def test_synthetic_export() -> None:
    from biolake.demo.healthkit_xml import write_export

    out = io.StringIO()
    write_export(out, 8_000_000, seed=11)
    rows = assert_same_file(out.getvalue().encode(), 1 << 20)
    for name in ("records", "record_metadata", "hrv_beats", "correlations", "workouts", "activity_summaries"):
        assert rows[name] > 0, name


CORNERS = """\
 <ExportDate value="2022-03-01 09:00:00 +0000"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth=""
     HKCharacteristicTypeIdentifierBloodType="HKBloodTypeONegative"
     HKCharacteristicTypeIdentifierNewThing="x"/>
 <MetadataEntry key="orphan" value="before any record"/>
 <Record value="5" type="HKQuantityTypeIdentifierStepCount" unit='count'
   sourceName="Jane&#8217;s &amp; &lt;iPhone&gt; &#x1F600; caf\u00e9"
   device="&lt;&lt;HKDevice: 0x283a10e60&gt;, name:iPhone&gt;" startDate="2022-01-01 10:00:00 +0000"
   endDate = "2022-01-01 10:01:00 +0000" creationDate="a\tb\nc\r\nd" extra="ignored">
  <MetadataEntry key="k1" value=""/>
  <MetadataEntry value="no key"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierHeartRateVariabilitySDNN" value="41" unit="ms">
  <HeartRateVariabilityMetadataList>
   <InstantaneousBeatsPerMinute bpm="61" time="10:00:00.1"/>
   <InstantaneousBeatsPerMinute time="10:00:01.0" bpm="62"/>
  </HeartRateVariabilityMetadataList>
 </Record>
 <Record type="Bare" sourceName="\x0bJane\x01" value="text &quot;quoted&quot; &apos;q&apos;"/>
 <Correlation type="HKCorrelationTypeIdentifierBloodPressure" startDate="s" endDate="e">
  <MetadataEntry key="correlation meta" value="not a record's"/>
  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" value="121"/>
  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" value="79">
   <MetadataEntry key="x" value="y"/></Record>
 </Correlation>
 <Correlation/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min">
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <WorkoutEvent type="HKWorkoutEventTypePause" date="d1"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" average="150" unit="count/min"/>
  <WorkoutRoute sourceName="Watch" path="attribute path">
   <MetadataEntry key="inside route" value="ignored"/>
   <FileReference path="/workout-routes/route_1.gpx"/>
   <Location date="t1" latitude="1.5" longitude="2.5"/>
   <Location longitude="3.5" latitude="4.5" date="t2" speed="1"/>
  </WorkoutRoute>
  <WorkoutRoute sourceName="Second"><FileReference/></WorkoutRoute>
  <WorkoutRoute creationDate="no file reference"/>
  <Record type="inside workout" value="not a record"/>
 </Workout>
 <Workout/>
 <ClinicalRecord type="c"><Audiogram/><Record type="inside clinical"/></ClinicalRecord>
 <Audiogram><SensitivityPoint frequency="500"/></Audiogram>
 <VisionPrescription><RightEye/><Workout/></VisionPrescription>
 <ActivitySummary dateComponents="2022-01-01" activeEnergyBurned="0" appleStandHours=""/>
 <ActivitySummary/>
 <Unknown><Record type="inside unknown" value="7"/><MetadataEntry key="m" value="v"/></Unknown>
 <![CDATA[ <Record type="not markup"/> ]]>
 <!-- <Record type="commented out"/> -->
 <?processing instruction?>
 text between elements &amp; more
 <Record type="last"
/>
"""


def corner_chunk(index: int = 0, meta: tuple[tuple[str, str | None], ...] = ()) -> Chunk:
    return Chunk(index, CORNERS.encode(), 5, meta)


@needs_compiled
@pytest.mark.parametrize("index", [0, 3])
def test_corner_cases(index: int) -> None:
    meta = (("locale", "en_GB"), ("export_version", "13")) if index == 0 else ()
    tables = assert_same(corner_chunk(index, meta))
    records = tables["records"].to_pylist()
    assert [r["type"] for r in records][-3:] == ["Bare", "inside unknown", "last"]
    first = records[0]
    assert first["record_id"] == (index << 32) + 1
    assert first["sourceName"] == "Jane\u2019s & <iPhone> \U0001f600 caf\u00e9"
    assert first["creationDate"] == "a b c d"  # attribute-value normalisation
    assert records[2]["sourceName"] == "Jane"  # control characters removed
    assert tables["record_metadata"].to_pylist()[0]["record_id"] == index << 32  # orphan
    refs = tables["workout_route_refs"].to_pylist()
    assert [(r["sourceName"], r["path"]) for r in refs] == [
        ("Watch", "/workout-routes/route_1.gpx"),
        ("Second", None),
        (None, None),
    ]
    assert tables["workout_route_points"].num_rows == 2
    assert tables["correlation_members"].num_rows == 2
    assert tables["workouts"].num_rows == 2
    me = tables["me"].to_pylist()
    assert me[0]["DateOfBirth"] == "" and me[0]["export_date"] == "2022-03-01 09:00:00 +0000"


@needs_compiled
@pytest.mark.parametrize(
    "body",
    [
        '<Me HKCharacteristicTypeIdentifierBloodType="x"/>',
        "<Me/>",
        '<Me locale="fr_FR"/>',
        "<ExportDate/>",
        "<Record/>",
        "",
    ],
)
@pytest.mark.parametrize("first", [True, False])
def test_me_row_rules(body: str, first: bool) -> None:
    meta = (("locale", "en_GB"), ("export_version", "13")) if first else ()
    assert_same(Chunk(0 if first else 1, body.encode(), 1, meta))


MALFORMED = [
    '<Record type="a">\n<Record>\n',  # unclosed at the end of the chunk
    '<Record type="a"/>\n<Record type="b" type="c"/>\n',  # duplicate attribute
    '<Record\n value="&bogus;"/>',  # undefined entity
    '<Record value="a<b"/>',  # '<' in an attribute value
    '<Record value="x"></Workout>',  # mismatched tag
    "<Record value='x\"/>",  # unterminated attribute value
    '\n\n\n<Record value="&#0;"/>',  # a character reference to a forbidden character
    "<Record>\n</Record>\n</HealthData>\n<Record/>",  # a second root
    '<Record type="\xff"/>',  # not UTF-8 (written as latin-1 below)
    "<1Record/>",
]


@needs_compiled
@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_xml_fails_the_same_way(text: str) -> None:
    data = text.encode("latin-1") if "\xff" in text else text.encode()
    chunk = Chunk(2, data, 40)
    errors = []
    for compiled in (False, True):
        with pytest.raises(ChunkError) as info:
            parse_chunk(chunk, compiled=compiled)
        errors.append((info.value.line, info.value.message))
    assert errors[0] == errors[1]
    assert errors[0][1].startswith(f"XML syntax error on line {errors[0][0]}: ")
    assert errors[0][0] >= 40


def test_environment_forces_the_python_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOLAKE_PARSER", "python")
    assert not reader.compiled_parser()
    monkeypatch.delenv("BIOLAKE_PARSER")
    assert reader.compiled_parser() == reader.HAVE_COMPILED


@pytest.mark.parametrize("parser", ["python", "auto"])
def test_source_parses_with_either_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parser: str
) -> None:
    """The whole source (helper processes included) under each parser gives the same rows."""
    from biolake.demo.healthkit_xml import write_export

    monkeypatch.setenv("BIOLAKE_PARSER", parser)
    path = tmp_path / "export.xml"
    with path.open("w", encoding="utf-8") as fh:
        write_export(fh, 10_000_000, seed=3)  # > 2 chunks, so helper processes run
    sink = MemorySink(tmp_path)
    with path.open("rb") as fh:
        SOURCE.parse(fh, ctx(), sink)
    expected: dict[str, int] = {}
    with path.open("rb") as fh:
        for chunk in Splitter(fh):
            for name, table in parse_chunk(chunk, compiled=False).items():
                expected[name] = expected.get(name, 0) + table.num_rows
    assert {k: v for k, v in sink.counts.items() if v} == {k: v for k, v in expected.items() if v}


@needs_compiled
@pytest.mark.parametrize("at", [0, 20, 63, 64, 127, 200, -1])
def test_control_characters_anywhere(at: int) -> None:
    """The compiled parser's block-wise scan finds a control character wherever it is (even inside a
    tag: both parsers drop them before parsing)."""
    rows = "".join(f' <Record type="t{i}" value="{"v" * i}"/>\n' for i in range(8)).encode()
    pos = at % len(rows)
    data = rows[:pos] + b"\x1f" + rows[pos:]
    tables = assert_same(Chunk(0, data, 1))
    assert tables["records"].num_rows == 8
