"""Fast checks of the pure pieces of ``benchmarks/bench_healthkit.py`` (no tool is benchmarked)."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("psutil")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_healthkit.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_healthkit", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is created
    spec.loader.exec_module(module)
    return module


bench = _load()
MiB = 1 << 20


def test_rss_of_the_whole_tree_is_summed() -> None:
    # A parent holding 40 MiB starts a child holding 80 MiB; both live at once for ~0.4 s.
    child = "big = b'c' * (80 << 20); import time; time.sleep(0.4)"
    parent = textwrap.dedent(f"""
        import subprocess, sys
        big = b'p' * (40 << 20)
        sys.exit(subprocess.run([sys.executable, '-c', {child!r}]).returncode)
    """)
    m = bench.run_measured([sys.executable, "-c", parent])
    assert m.returncode == 0, m.stderr
    assert m.samples >= 5
    assert m.peak_single_rss >= 80 * MiB
    assert m.peak_tree_rss >= 120 * MiB  # both processes counted
    assert m.peak_tree_rss > m.peak_single_rss
    assert 0.3 < m.wall_s < 4


def test_failing_command_reports_its_exit_code_and_stderr() -> None:
    m = bench.run_measured([sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"])
    assert m.returncode == 3
    assert "boom" in m.stderr


XML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-01-01 00:00:00 -0500"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" device="&lt;&lt;HKDevice&gt;" value="60"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" value="61">
  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" value="120"/>
 <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" value="80"/>
 <Correlation type="HKCorrelationTypeIdentifierBloodPressure">
  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" value="120"/>
  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" value="80"/>
 </Correlation>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning">
  <WorkoutEvent type="HKWorkoutEventTypeSegment"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate"/>
 </Workout>
 <ActivitySummary dateComponents="2024-01-01"/>
<Record
   type="HKQuantityTypeIdentifierStepCount" value="12"/>
</HealthData>
"""


@pytest.mark.parametrize("chunk_size", [3, 7, 64, 1 << 20])
def test_count_top_level_skips_correlation_children_and_dtd(tmp_path: Path, chunk_size: int) -> None:
    path = tmp_path / "export.xml"
    path.write_text(XML, encoding="utf-8")
    counts = bench.count_top_level(path, chunk_size=chunk_size)
    assert counts == {"Record": 5, "Workout": 1, "ActivitySummary": 1, "total": 7}


def _entry(mb: float, ours: tuple[float, float] | None, peer: tuple[float, float] | None) -> dict[str, Any]:
    """A result entry with (wall s, peak tree RSS MB) per tool."""
    entry: dict[str, Any] = {"file_mb": mb}
    for tool, value in (("biolake", ours), (bench.PEER, peer)):
        if value is not None:
            entry[tool] = {
                "wall_s": value[0],
                "peak_rss_tree_mb": value[1],
                "peak_rss_single_mb": value[1],
                "mb_per_s": mb / value[0],
                "rows_per_s": int(2150 * mb / value[0]),
            }
    return entry


def test_speed_floor_is_checked_on_the_300_mb_file() -> None:
    sizes = [_entry(150, (5.0, 200.0), (25.0, 60.0)), _entry(300, (6.0, 200.0), (50.0, 60.0))]
    assert bench.check_results(sizes) == []  # 5x at 150 MB is reported, not a failure


def test_check_passes_when_fast_small_and_flat() -> None:
    sizes = [_entry(150, (3.0, 200.0), (25.0, 60.0)), _entry(300, (6.0, 240.0), (50.0, 60.0))]
    assert bench.check_results(sizes) == []
    assert bench.ratios(sizes[0]) == (8.33, 0.3)


@pytest.mark.parametrize(
    ("sizes", "needle"),
    [
        ([_entry(150, (3.0, 200.0), (25.0, 60.0)), _entry(300, (10.0, 200.0), (50.0, 60.0))], "only 5.00x"),
        ([_entry(150, (3.0, 200.0), (25.0, 60.0))], "at least 290 MB"),
        ([_entry(150, (3.0, 390.0), (25.0, 60.0)), _entry(300, (6.0, 400.0), (50.0, 60.0))], ">= 400"),
        ([_entry(300, (6.0, 260.0), (50.0, 60.0)), _entry(150, (3.0, 200.0), (25.0, 60.0))], "not flat"),
        ([_entry(300, (6.0, 200.0), None)], "cannot be checked"),
        ([_entry(300, None, (25.0, 60.0))], "not measured at every size"),
        ([], "not measured at every size"),
    ],
)
def test_check_fails_on_each_rule(sizes: list[dict[str, Any]], needle: str) -> None:
    failures = bench.check_results(sizes)
    assert len(failures) == 1, failures
    assert needle in failures[0]


def test_table_lists_each_tool_and_the_ratios() -> None:
    table = bench.format_table([_entry(150.4, (3.0, 200.0), (25.0, 60.0))])
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["size", "MB"]
    assert any(line.split()[:2] == ["150.4", "biolake"] for line in lines)
    assert any(line.split()[:2] == ["150.4", bench.PEER] for line in lines)
    assert "speed ratio 8.3 " in table
    assert len({len(line) for line in lines[:4]}) == 1  # aligned columns
