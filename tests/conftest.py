"""Shared fixtures for the lake and CLI tests: a lake path, the real CLI as a subprocess, byte-for-byte
snapshots of a directory, and small exports built on the fly."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
HEALTHKIT = FIXTURES / "healthkit"
CGM = FIXTURES / "cgm"
HK_1DAY = HEALTHKIT / "synthetic_v13dtd_1day.xml"
HK_IOS16 = HEALTHKIT / "synthetic_ios16_broken_dtd_1day.xml"
HK_SIMONW = HEALTHKIT / "simonw_tests_export.xml"
HK_ZIP_XML = HEALTHKIT / "simonw_zip_contents_export.xml"
HK_GPX = HEALTHKIT / "simonw_route_2019-06-11_3.00pm.gpx"
DEXCOM_G7 = CGM / "dexcom_g7_14col_mgdl_synthetic.csv"
DEXCOM_G6 = CGM / "dexcom_clarity_g6_12col_bom_excerpt_cgmquantify.csv"

# A wide COLUMNS keeps rich from wrapping tables, so tests check content rather than layout;
# test_bad_input checks separately that error lines are never wrapped, whatever the width.
WIDE = "1000"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: no BIOLAKE_* settings, UTC, no colour, wide stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOLAKE_")}
    env.pop("COLUMNS", None)
    env.update({"TZ": "UTC", "NO_COLOR": "1", "COLUMNS": WIDE, "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


def biolake_cmd(*args: str | Path, lake: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "biolake"]
    if lake is not None:
        cmd += ["--lake", str(lake)]
    return cmd + [str(a) for a in args]


def run(
    cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        env=env if env is not None else clean_env(),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


class RunCli:
    """``run_cli(*args, env=None, cwd=None, lake=<the lake>)``: the real CLI as a subprocess.

    ``env`` entries are added to the clean environment (a value of None removes a variable);
    ``lake=None`` leaves out ``--lake`` (to test how the lake is found)."""

    _DEFAULT = object()

    def __init__(self, lake: Path) -> None:
        self.lake = lake

    def __call__(
        self,
        *args: str | Path,
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
        lake: object = _DEFAULT,
        timeout: float = 180,
    ) -> subprocess.CompletedProcess[str]:
        full_env = clean_env()
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        where = self.lake if lake is RunCli._DEFAULT else lake
        assert where is None or isinstance(where, Path)
        return run(biolake_cmd(*args, lake=where), env=full_env, cwd=cwd, timeout=timeout)


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """A lake path that does not exist yet (ingest and init create it)."""
    return tmp_path / "lake"


@pytest.fixture
def run_cli(lake: Path) -> RunCli:
    return RunCli(lake)


def snapshot(path: Path) -> dict[str, str]:
    """Every file under ``path`` (relative path → sha256 of its bytes) and every directory
    (relative path + '/' → '<dir>'): equal snapshots mean the tree is byte-for-byte the same."""
    out: dict[str, str] = {}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        if p.is_dir() and not p.is_symlink():
            out[rel + "/"] = "<dir>"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(name="snapshot")
def snapshot_fixture() -> Callable[[Path], dict[str, str]]:
    return snapshot


def assert_one_error_line(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit code 1, no traceback, exactly one stderr line starting with 'error:' holding ``words``."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{proc.stderr}"
    line = lines[0]
    assert line.startswith("error:"), line
    for word in words:
        assert word.lower() in line.lower(), f"{word!r} not in {line!r}"
    return line


# --- Apple Health exports built on the fly ---------------------------------------------------------

HK_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="{export_date}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-05-05"
     HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""


@dataclass(frozen=True)
class Rec:
    """One HealthKit Record, as the test writes it."""

    type: str
    value: str
    start: str  # "2024-03-01 08:00:00 -0500"
    end: str | None = None
    unit: str | None = None
    source: str = "Test Watch"

    def xml(self, indent: str = " ") -> str:
        full = self.type if self.type.startswith("HK") else f"HKQuantityTypeIdentifier{self.type}"
        unit = f' unit="{self.unit}"' if self.unit is not None else ""
        return (
            f'{indent}<Record type="{full}" sourceName="{self.source}" sourceVersion="1.0"{unit} '
            f'creationDate="{self.end or self.start}" startDate="{self.start}" '
            f'endDate="{self.end or self.start}" '
            f'value="{self.value}"/>\n'
        )


def healthkit_xml(
    records: Iterable[Rec] = (), extra: str = "", export_date: str = "2024-03-10 09:00:00 -0500"
) -> str:
    """A complete export.xml holding ``records`` (top level) and ``extra`` elements verbatim."""
    body = "".join(r.xml() for r in records)
    return HK_HEAD.format(export_date=export_date) + body + extra + "</HealthData>\n"


def activity_summary(day: str, kcal: float, exercise: int = 30) -> str:
    return (
        f' <ActivitySummary dateComponents="{day}" activeEnergyBurned="{kcal}" activeEnergyBurnedGoal="500" '
        f'activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" '
        f'appleExerciseTime="{exercise}" '
        f'appleExerciseTimeGoal="30" appleStandHours="10" appleStandHoursGoal="12"/>\n'
    )


def heart_rate_day(day: str, per_day: int = 24, offset: str = "-0500") -> list[Rec]:
    """``per_day`` heart-rate samples on ``day`` (YYYY-MM-DD), values derived from the time."""
    base = datetime.fromisoformat(day)
    out = []
    for i in range(per_day):
        t = base + timedelta(minutes=60 * i * 24 // per_day, seconds=7)
        out.append(
            Rec(
                "HeartRate",
                str(60 + (t.day * 7 + i) % 40),
                f"{t:%Y-%m-%d %H:%M:%S} {offset}",
                unit="count/min",
            )
        )
    return out


@pytest.fixture
def make_export(tmp_path: Path) -> Callable[..., Path]:
    """``make_export(name, records=..., extra=..., export_date=...)`` writes an export.xml and returns it."""

    def make(name: str, records: Iterable[Rec] = (), extra: str = "", **kw: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(healthkit_xml(records, extra, **kw), encoding="utf-8")
        return path

    return make


def write_synthetic(path: Path, target_bytes: int, start: str = "2021-03-01", seed: int = 7) -> int:
    """biolake's demo generator: a realistic export of at least ``target_bytes``; returns days written."""
    from biolake.demo.healthkit_xml import write_export

    with path.open("w", encoding="utf-8") as fh:
        return write_export(fh, target_bytes, start=start, seed=seed)


def write_health_zip(path: Path, xml: Path = HK_ZIP_XML, gpx: Path | None = HK_GPX) -> Path:
    """An ``export.zip`` laid out as the iPhone writes it."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(xml, "apple_health_export/export.xml")
        if gpx is not None:
            zf.write(gpx, "apple_health_export/workout-routes/route_2019-06-11_3.00pm.gpx")
    return path


@pytest.fixture
def health_zip(tmp_path: Path) -> Path:
    """``export.zip`` with ``apple_health_export/export.xml`` and one GPX workout route."""
    return write_health_zip(tmp_path / "export.zip")


# --- Dexcom CSVs built on the fly ------------------------------------------------------------------

DEXCOM_HEADER = (
    "Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info,Device Info,"
    "Source Device ID,Glucose Value (mg/dL),Insulin Value (u),Carb Value (grams),Duration (hh:mm:ss),"
    "Glucose Rate of Change (mg/dL/min)"
)


def dexcom_csv(
    path: Path, start: datetime, readings: int, step_min: int = 5, bad: tuple[int, str] | None = None
) -> Path:
    """A Dexcom G6 Clarity CSV with ``readings`` EGV rows from ``start``; values are a function of the
    time, so two files covering the same instant hold the same reading. ``bad=(i, text)`` writes
    ``text`` as the glucose value of reading ``i`` (file line ``i + 3``)."""
    lines = [DEXCOM_HEADER, "1,,Device,,,Dexcom G6 Mobile App,Android G6,,,,,"]
    for i in range(readings):
        t = start + timedelta(minutes=step_min * i)
        value = str(70 + (t.hour * 60 + t.minute) % 150)
        if bad is not None and bad[0] == i:
            value = bad[1]
        lines.append(f"{i + 2},{t:%Y-%m-%dT%H:%M:%S},EGV,,,,Android G6,{value},,,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- Reading a lake --------------------------------------------------------------------------------


def query(lake: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of a read-only query over the lake (library call, no subprocess)."""
    from biolake.lake.paths import LakePaths
    from biolake.lake.query import run_query

    return run_query(LakePaths.at(lake), sql).rows


def count(lake: Path, table: str, where: str = "true", missing_ok: bool = False) -> int:
    """Rows of ``table`` matching ``where``; 0 for a table with no data yet when ``missing_ok``."""
    if missing_ok and not query(
        lake, f"SELECT 1 FROM information_schema.tables WHERE table_name = '{table}'"
    ):
        return 0
    rows = query(lake, f"SELECT count(*) FROM {table} WHERE {where}")
    return int(rows[0][0])  # type: ignore[call-overload]


def silver_files(lake: Path) -> dict[str, str]:
    """Snapshot of the silver folder only."""
    return snapshot(lake / "silver")


def settings_for(lake: Path, **overrides: object) -> object:
    """Settings for library calls: no BIOLAKE_* environment, no ./biolake.toml, UTC unless overridden."""
    from biolake.config import load_settings

    base = load_settings(lake=lake, environ={}, cwd=lake.parent)
    return base.with_overrides(**{"timezone": "UTC", **overrides})


def lib_ingest(lake: Path, *paths: Path, source: str | None = None, **overrides: object) -> list:
    """Ingest through the library (no subprocess); every result must be imported or skipped."""
    from biolake.lake.ingest import ingest

    results = ingest(settings_for(lake, **overrides), list(paths), source=source)  # type: ignore[arg-type]
    for r in results:
        assert r.status in ("imported", "skipped"), (r.file, r.error)
    return results


@pytest.fixture(scope="session")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic export of ≥ 20 MB: cut into several 8 MB chunks and parsed by worker processes."""
    path = tmp_path_factory.mktemp("big") / "export.xml"
    write_synthetic(path, 20_000_000, start="2021-03-01", seed=11)
    return path


# --- A built demo lake, shared by the tests of everything that stands on gold ---------------------

DEMO_DAYS = 365


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 365-day demo lake (seed 0, subject ``me``, ending 2026-11-14) with gold built.

    Built once per test run (never reused from an earlier run) and shared by every xdist worker (a file
    lock guards the build), so treat it as read-only: a test that writes to a lake copies it first
    (``demo_lake_copy``)."""
    import fcntl

    from biolake.demo.run import demo

    base = tmp_path_factory.getbasetemp()  # under xdist: <run>/popen-gwN, so the run's folder is its parent
    run_dir = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = run_dir / f"demo-{DEMO_DAYS}"
    root.mkdir(exist_ok=True)
    lake, done = root / "lake", root / "built"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            result = demo(settings_for(lake), out_dir=root / "exports", days=DEMO_DAYS, seed=0)  # type: ignore[arg-type]
            assert all(r.status == "imported" for r in result.results), [
                (r.file, r.error) for r in result.results
            ]
            assert result.build is not None and result.build.success, result.build
            done.touch()
    return lake


@pytest.fixture
def demo_lake_copy(demo_lake: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the shared demo lake."""
    import shutil

    copy = tmp_path / "demo-lake"
    shutil.copytree(demo_lake, copy)
    return copy
