"""Generate the demo's export files and ingest them: :func:`generate` and :func:`demo`.

Everything is a function of (seed, days, subjects, end date): the same arguments write byte-identical
files, so running the demo again on the same lake imports nothing new. Subject ids are ``me`` for a single
subject (biolake's default subject, so every command works on the demo without ``--subject``) and
``demo01``, ``demo02``, … for a cohort.

The Apple Health export (the biggest file) is written by a helper process (``python -m
biolake.demo.run``) while this one writes the other exports and, in :func:`demo`, already ingests them.
"""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biolake.config import Settings
from biolake.demo.apple_health import write_apple_health
from biolake.demo.dexcom import write_dexcom
from biolake.demo.glucose import sensors
from biolake.demo.model import Day, Profile, make_profile, simulate
from biolake.demo.myfitnesspal import write_myfitnesspal
from biolake.demo.oura import write_oura
from biolake.demo.peloton import write_peloton
from biolake.demo.timeline import DEFAULT_END, Timeline, timeline_for
from biolake.errors import BiolakeError, ConfigError

if TYPE_CHECKING:
    from biolake.lake.ingest import FileResult
    from biolake.transform.build import BuildResult

log = logging.getLogger(__name__)

MIN_DAYS = 7
MAX_DAYS = 366 * 20
MAX_SUBJECTS = 99
UNITS = "imperial"  # the demo's MyFitnessPal account: weights in pounds (the file does not say)
SOURCES = ("apple_health", "oura", "peloton", "myfitnesspal", "dexcom")
STALE = {"dexcom": "Clarity_Export_*.csv", "myfitnesspal": "File-Export-*.zip"}


@dataclass(frozen=True)
class ExportFile:
    """One written export and how to ingest it."""

    subject: str
    source: str
    path: Path
    timezone: str
    rows: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "source": self.source,
            "path": str(self.path),
            "timezone": self.timezone,
            "rows": self.rows,
        }


@dataclass
class Manifest:
    """What :func:`generate` wrote."""

    out_dir: Path
    seed: int
    days: int
    start: date
    end: date
    subjects: list[dict[str, Any]] = field(default_factory=list)
    files: list[ExportFile] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "days": self.days,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "subjects": self.subjects,
            "files": [f.to_dict() for f in self.files],
            "seconds": round(self.seconds, 3),
        }


def subject_ids(count: int) -> list[str]:
    """``["me"]`` for one subject, else ``demo01``…"""
    return ["me"] if count == 1 else [f"demo{i + 1:02d}" for i in range(count)]


def _rng(seed: int, index: int, part: str) -> random.Random:
    return random.Random(f"biolake-demo/{seed}/{index}/{part}")


@dataclass(frozen=True)
class Job:
    """One subject to generate."""

    out: Path
    index: int
    subject: str
    days: int
    seed: int
    end: date

    @property
    def folder(self) -> Path:
        return self.out / self.subject

    def simulate(self) -> tuple[Profile, Timeline, list[Day]]:
        tl = timeline_for(self.index, self.days, self.end)
        profile = make_profile(self.index, self.subject, _rng(self.seed, self.index, "profile"))
        return profile, tl, simulate(profile, tl, _rng(self.seed, self.index, "model"))


def _apple_health(job: Job) -> ExportFile:
    """Write one subject's ``export.zip`` (run in a helper process)."""
    profile, tl, days = job.simulate()
    path = job.folder / "apple_health" / "export.zip"
    counts = write_apple_health(path, profile, tl, days, _rng(job.seed, job.index, "apple_health"))
    return ExportFile(job.subject, "apple_health", path, tl.home, counts)


def _others(job: Job) -> tuple[dict[str, Any], list[ExportFile]]:
    """Write one subject's Oura, Peloton, MyFitnessPal and Dexcom exports."""
    profile, tl, days = job.simulate()
    sid = job.subject

    def rng(part: str) -> random.Random:
        return _rng(job.seed, job.index, part)

    folder = {s: job.folder / s for s in SOURCES}
    files: list[ExportFile] = []
    for endpoint, n in write_oura(folder["oura"], profile, tl, days, rng("oura")).items():
        files.append(ExportFile(sid, "oura", folder["oura"] / f"{endpoint}.json", tl.home, {endpoint: n}))
    pel = folder["peloton"] / f"{profile.first_name.lower()}{job.index + 1:02d}_workouts.csv"
    files.append(
        ExportFile(sid, "peloton", pel, tl.home, {"workouts": write_peloton(pel, tl, days, rng("peloton"))})
    )
    stays = tl.segments()
    worn = sensors(profile, tl, days, rng("glucose"), stays[0][0], stays[-1][1])
    for lo, hi, zone in stays:
        mfp, counts = write_myfitnesspal(folder["myfitnesspal"], tl, days, (lo, hi))
        if mfp is not None:
            files.append(ExportFile(sid, "myfitnesspal", mfp, zone, counts))
        span = f"{tl.date_text(lo)}_{tl.date_text(hi - 1)}"
        name = f"Clarity_Export_{profile.last_name}_{profile.first_name}_{span}.csv"
        egvs = write_dexcom(folder["dexcom"] / name, profile, tl, worn, (lo, hi))
        files.append(ExportFile(sid, "dexcom", folder["dexcom"] / name, zone, {"egv": egvs}))
    return _describe(profile, tl), files


def _describe(profile: Profile, tl: Timeline) -> dict[str, Any]:
    trip = tl.trip
    return {
        "subject": profile.subject_id,
        "home_zone": tl.home,
        "trip": None
        if trip is None
        else {"zone": trip.zone, "depart": trip.depart.isoformat(), "back": trip.back.isoformat()},
        "ftp_w": round(profile.ftp),
        "base_rhr_bpm": round(profile.base_rhr, 1),
        "base_hrv_ms": round(profile.base_hrv, 1),
    }


def _prepare(out: Path, days: int, subjects: int) -> None:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ConfigError(f"--days must be between {MIN_DAYS} and {MAX_DAYS}, not {days}")
    if not 1 <= subjects <= MAX_SUBJECTS:
        raise ConfigError(f"--subjects must be between 1 and {MAX_SUBJECTS}, not {subjects}")
    for sid in subject_ids(subjects):
        for source in SOURCES:
            folder = out / sid / source
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot write the demo exports to {folder} ({exc.strerror})") from None
            pattern = STALE.get(source)  # exports an earlier run with other arguments left behind
            for old in folder.glob(pattern) if pattern else ():
                old.unlink()


class _Helper:
    """Writes one subject's Apple Health export in a separate Python process (``python -m
    biolake.demo.run JOB``), so the other exports are written and ingested meanwhile."""

    def __init__(self, job: Job) -> None:
        self.job = job
        arg = json.dumps({**vars(job), "out": str(job.out), "end": job.end.isoformat()})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "biolake.demo.run", arg], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def result(self) -> ExportFile:
        out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            raise BiolakeError(
                f"the demo's Apple Health writer failed: {err.decode(errors='replace').strip()}"
            )
        return _file_from(json.loads(out))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def _file_from(d: dict[str, Any]) -> ExportFile:
    return ExportFile(d["subject"], d["source"], Path(d["path"]), d["timezone"], d["rows"])


def _produce(manifest: Manifest, subjects: int, workers: int) -> Iterator[list[ExportFile]]:
    """Write every subject's exports, yielding batches of finished files as they are ready: each subject's
    small exports first (written here), then the Apple Health exports (written by up to ``workers``
    helper processes at a time, or here if ``workers`` is 0)."""
    jobs = [
        Job(manifest.out_dir, i, sid, manifest.days, manifest.seed, manifest.end)
        for i, sid in enumerate(subject_ids(subjects))
    ]
    if not workers:
        for job in jobs:
            described, files = _others(job)
            manifest.subjects.append(described)
            yield files
        for job in jobs:
            yield [_apple_health(job)]
        return
    helpers: list[_Helper] = []
    done = 0

    def top_up() -> None:
        while len(helpers) < len(jobs) and len(helpers) - done < workers:
            helpers.append(_Helper(jobs[len(helpers)]))

    try:
        top_up()
        for job in jobs:
            described, files = _others(job)
            manifest.subjects.append(described)
            yield files
        for job in jobs:
            top_up()
            result = helpers[job.index].result()
            done += 1
            yield [result]
    finally:
        for helper in helpers:
            helper.stop()


def _workers(parallel: bool) -> int:
    return max(1, (os.cpu_count() or 1) - 1) if parallel else 0


def generate(
    out_dir: Path,
    days: int = 365,
    subjects: int = 1,
    seed: int = 0,
    end: date = DEFAULT_END,
    parallel: bool = True,
) -> Manifest:
    """Write every subject's exports under ``out_dir/<subject>/<source>/``; return the manifest."""
    clock = time.perf_counter()
    _prepare(out_dir, days, subjects)
    tl = timeline_for(0, days, end)
    manifest = Manifest(out_dir, seed, days, tl.start, tl.end)
    for files in _produce(manifest, subjects, _workers(parallel)):
        manifest.files.extend(files)
    manifest.seconds = time.perf_counter() - clock
    return manifest


@dataclass
class DemoResult:
    """What :func:`demo` generated and what the lake made of it."""

    manifest: Manifest
    results: list[FileResult]
    build: BuildResult | None = None  # None: not asked for, or nothing new was imported
    seconds: float = 0.0

    def entity_counts(self) -> dict[str, dict[str, int]]:
        """Rows per silver entity over all imports (new, duplicate, quarantined, …)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            for name, c in r.entities.items():
                row = out.setdefault(name, {})
                for key, value in vars(c).items():
                    row[key] = row.get(key, 0) + value
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest.to_dict(),
            "ingest": [r.to_dict() for r in self.results],
            "entities": self.entity_counts(),
            "build": None if self.build is None else self.build.to_dict(),
            "seconds": round(self.seconds, 3),
        }


def demo(
    settings: Settings,
    out_dir: Path | None = None,
    days: int = 365,
    subjects: int = 1,
    seed: int = 0,
    end: date = DEFAULT_END,
    on_result: Callable[[FileResult], None] | None = None,
    parallel: bool = True,
    build: bool = True,
) -> DemoResult:
    """Generate the demo exports (default ``demo-exports`` beside the lake) and ingest them into the lake:
    each subject under its id, each file with its zone (files without offsets: the zone of their stay).
    Then, if ``build`` and anything new was imported, build gold (``biolake build``)."""
    from biolake.lake.ingest import ingest

    clock = time.perf_counter()
    out = out_dir if out_dir is not None else default_out_dir(settings)
    _prepare(out, days, subjects)
    tl = timeline_for(0, days, end)
    manifest = Manifest(out, seed, days, tl.start, tl.end)
    results: list[FileResult] = []
    batches = _produce(manifest, subjects, _workers(parallel))
    while True:
        started = time.perf_counter()
        files = next(batches, None)
        manifest.seconds += time.perf_counter() - started  # writing, or waiting for the helper to finish
        if files is None:
            break
        manifest.files.extend(files)
        groups: dict[tuple[str, str], list[Path]] = {}
        for f in files:
            groups.setdefault((f.subject, f.timezone), []).append(f.path)
        for (subject, zone), paths in groups.items():
            scoped = settings.with_overrides(subject=subject, timezone=zone, units=UNITS)
            results += ingest(scoped, paths, on_result=on_result)
    gold = None
    if build and any(r.status == "imported" for r in results):
        from biolake.transform.build import build as build_gold

        gold = build_gold(settings)
    return DemoResult(manifest, results, gold, time.perf_counter() - clock)


def default_out_dir(settings: Settings) -> Path:
    """``demo-exports`` beside the lake."""
    return settings.lake.parent / "demo-exports"


def _main(arg: str) -> None:
    """Helper-process entry point: write the Apple Health export of the job ``arg`` (JSON), print its
    manifest entry as JSON."""
    d = json.loads(arg)
    job = Job(Path(d["out"]), d["index"], d["subject"], d["days"], d["seed"], date.fromisoformat(d["end"]))
    sys.stdout.write(json.dumps(_apple_health(job).to_dict()))


if __name__ == "__main__":
    _main(sys.argv[1])
