"""``biolake export fhir``: the subject's Patient and Observations for a window of local dates, written as
a Bundle file or Bulk Data NDJSON, and/or posted to a FHIR server as transaction bundles.

The lake is only read (a read-only catalog connection); files appear atomically under ``--out`` (default
``<lake>/exports/fhir/``), so a failed export leaves nothing half-written.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from biolake.config import Settings
from biolake.fhir import FhirError
from biolake.fhir.bundle import BundleType, BundleWriter, transaction_bundle
from biolake.fhir.ndjson import NdjsonWriter
from biolake.fhir.observations import (
    BUILT_TABLES,
    Granularity,
    Style,
    Subject,
    cgm_summary_observations,
    iter_observations,
    period_glucose_summary,
)
from biolake.fhir.patient import FhirConfig, patient_id, patient_resource
from biolake.fhir.post import PostResult, check_url, post_bundle
from biolake.lake.catalog import open_catalog, sql_string
from biolake.lake.paths import LakePaths

POST_BATCH = 500  # Observations per transaction bundle sent to a server
MEMORY_LIMIT = "128MB"


@dataclass(frozen=True)
class ExportOptions:
    """What to export and where: ``start``/``end`` are local dates (inclusive; default: all the subject's
    days), ``out`` a file (bundle) or directory (NDJSON), ``post`` a FHIR server's base URL."""

    start: date | None = None
    end: date | None = None
    subject: str | None = None
    granularity: Granularity = "daily"
    out: Path | None = None
    ndjson: bool = False
    bundle: BundleType = "collection"
    post: str | None = None


@dataclass
class ExportResult:
    """What was exported: resources per code, the files written and what a server did with a post."""

    subject: str
    start: date
    end: date
    granularity: Granularity
    counts: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)
    posted: PostResult | None = None

    @property
    def resources(self) -> int:
        return sum(self.counts.values())


def _connect(paths: LakePaths, scratch: Path) -> duckdb.DuckDBPyConnection:
    con = open_catalog(paths)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {sql_string(scratch)}")  # spill outside the lake, never into it
    return con


def _check_built(con: duckdb.DuckDBPyConnection) -> None:
    present = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
    }
    missing = [t for t in BUILT_TABLES if t not in present]
    if missing:
        raise FhirError(
            f"the lake's gold layer is not built ({missing[0]} is missing): run 'biolake build' first"
        )


def _window(con: duckdb.DuckDBPyConnection, subject: str, options: ExportOptions) -> tuple[date, date]:
    """The export window: the options' dates, defaulting to the subject's first and last day in gold."""
    subjects = [
        r[0] for r in con.execute("SELECT DISTINCT subject_id FROM gold.daily_summary ORDER BY 1").fetchall()
    ]
    if subject not in subjects:
        held = ", ".join(subjects) if subjects else "no subjects"
        raise FhirError(f"unknown subject '{subject}' (the lake holds: {held})")
    first, last = con.execute(
        "SELECT min(date_day), max(date_day) FROM gold.daily_summary WHERE subject_id = $s", {"s": subject}
    ).fetchone() or (None, None)
    start, end = options.start or first, options.end or last
    assert start is not None and end is not None
    if start > end:
        raise FhirError(f"--from {start} is after --to {end}")
    return start, end


def _resources(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    patient: dict[str, Any],
    start: date,
    end: date,
    granularity: Granularity,
) -> Iterator[dict[str, Any]]:
    """The Patient, every Observation, then the window's CGM summary (computed first: its readings are
    freed before the streaming queries fill DuckDB's buffers, so the two peaks do not add up)."""
    summary = period_glucose_summary(con, subject.subject_id, start, end)
    yield patient
    yield from iter_observations(con, subject, start, end, granularity)
    if summary is not None:
        yield from cgm_summary_observations(summary, subject, start, end)


def _default_out(paths: LakePaths, subject: str, start: date, end: date, options: ExportOptions) -> Path:
    stem = f"{subject}_{start:%Y%m%d}-{end:%Y%m%d}_{options.granularity}"
    return paths.exports / "fhir" / (stem if options.ndjson else f"{stem}.{options.bundle}.json")


def _prepare(out: Path, directory: bool) -> list[Path]:
    """Create ``out`` (a directory) or its parent and check it is writable, or raise a FhirError naming
    it; returns the directories created (deepest first), for :func:`_unprepare` when the export fails."""
    target = out if directory else out.parent
    created = [p for p in (target, *target.parents) if not p.exists()]
    try:
        if out.exists() and out.is_dir() != directory:
            want = "a directory" if directory else "a file"
            raise FhirError(f"--out {out}: exists and is not {want}")
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".biolake-write-test-"):
            pass
    except OSError as exc:
        _unprepare(created)
        raise FhirError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    return created


def _unprepare(created: list[Path]) -> None:
    """Remove the directories :func:`_prepare` created, if they are still empty."""
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            return


def _count(result: ExportResult, resource: dict[str, Any]) -> None:
    code = (
        resource["resourceType"]
        if resource["resourceType"] == "Patient"
        else resource["code"]["coding"][0]["code"]
    )
    result.counts[code] += 1


def _write_file(
    resources: Iterator[dict[str, Any]], out: Path, bundle: BundleType, result: ExportResult
) -> None:
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as fh:
            writer = BundleWriter(fh, bundle)
            for resource in resources:
                writer.add(resource)
                _count(result, resource)
            writer.close()
        _require_observations(result)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    result.files.append(out)


def _write_ndjson(resources: Iterator[dict[str, Any]], out: Path, result: ExportResult) -> None:
    writer = NdjsonWriter(out)
    try:
        for resource in resources:
            writer.add(resource)
            _count(result, resource)
        _require_observations(result)
    except BaseException:
        writer.abort()
        raise
    result.files.extend(writer.commit())


def _require_observations(result: ExportResult) -> None:
    if result.resources - result.counts["Patient"] == 0:
        raise FhirError(
            f"no data to export for subject '{result.subject}' from {result.start} to {result.end} "
            f"({result.granularity} granularity)"
        )


def _post(
    resources: Iterator[dict[str, Any]], url: str, token: str | None, result: ExportResult
) -> PostResult:
    """Send the Patient with every batch of Observations: each bundle stands alone, and the Patient's
    conditional create resolves to the same server resource every time."""
    posted = PostResult(url)
    patient = next(resources)
    _count(result, patient)
    while batch := list(itertools.islice(resources, POST_BATCH)):
        for resource in batch:
            _count(result, resource)
        post_bundle(url, transaction_bundle([patient, *batch]), token, posted)
    _require_observations(result)
    return posted


def export_fhir(settings: Settings, options: ExportOptions) -> ExportResult:
    """Export the subject's data as FHIR R4 resources (see the module docstring)."""
    config = FhirConfig.from_settings(settings)
    url = check_url(options.post) if options.post else None
    subject_id = options.subject or settings.subject
    paths = LakePaths.at(settings.lake)
    if not paths.exists():
        raise FhirError(f"no lake at {paths.root}: import exports first ('biolake ingest' or 'biolake demo')")
    pid = patient_id(subject_id, config)
    patient = patient_resource(subject_id, config)
    with tempfile.TemporaryDirectory(prefix="biolake-fhir-") as scratch:
        con = _connect(paths, Path(scratch))
        try:
            _check_built(con)
            start, end = _window(con, subject_id, options)

            def resources(style: Style) -> Iterator[dict[str, Any]]:
                return _resources(
                    con, Subject(subject_id, pid, style), patient, start, end, options.granularity
                )

            result = ExportResult(subject_id, start, end, options.granularity)
            write = options.out is not None or url is None
            out = options.out or _default_out(paths, subject_id, start, end, options)
            created = _prepare(out, directory=options.ndjson) if write else []
            try:
                if url is not None:  # post first: a refused post leaves no file behind either
                    token = os.environ.get(config.token_env) or None
                    result.posted = _post(resources("urn"), url, token, result)
                if write:
                    result.counts.clear()
                    if options.ndjson:
                        _write_ndjson(resources("relative"), out, result)
                    else:
                        _write_file(resources("urn"), out, options.bundle, result)
            except BaseException:
                _unprepare(created)
                raise
            return result
        finally:
            con.close()
