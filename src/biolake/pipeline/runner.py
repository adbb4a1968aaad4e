"""The steps of ``biolake run`` and how a failure propagates.

Steps run in order; each names the steps it needs. A step that fails marks every step needing it
(directly or not) as skipped; independent steps still run (delivery always runs, so earlier failures
are retried even when today's build fails). Steps of later issues (sync …) join :data:`STEPS` as they
land.
"""

from __future__ import annotations

import logging
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from biolake import __version__
from biolake.config import Settings
from biolake.errors import BiolakeError
from biolake.lake import catalog
from biolake.lake.ingest import ensure_lake
from biolake.pipeline import daily
from biolake.pipeline.runlog import StepRecord, write_run

log = logging.getLogger(__name__)


class StepFailed(Exception):
    """A step ran but its outcome is a failure (e.g. the data-quality gate)."""


@dataclass(frozen=True)
class Outcome:
    """A step's status (ok | warn) and a one-line detail."""

    status: str
    detail: str


@dataclass
class RunContext:
    """What the steps of one run share: a dbt worker started at the beginning, so that dbt's import
    (seconds) overlaps the import step (the build step uses it or stops it); the messages the
    consumer steps produce, for the deliver step."""

    dbt_worker: subprocess.Popen[str] | None = None
    outbox: list[Any] = field(default_factory=list)  # messages for the deliver step


@dataclass(frozen=True)
class Step:
    name: str
    needs: tuple[str, ...]
    action: Callable[[Settings, RunContext], Outcome]
    description: str


def inbox_folders(settings: Settings) -> list[Path]:
    """The folders ``run`` imports from: ``[pipeline] inbox`` in biolake.toml (a path or a list), else
    ``<lake>/inbox``."""
    configured = settings.sections.get("pipeline", {}).get("inbox")
    if configured is None:
        return [Path(settings.lake) / "inbox"]
    items = configured if isinstance(configured, list) else [configured]
    return [Path(str(p)).expanduser() for p in items]


def import_step(settings: Settings, context: RunContext) -> Outcome:
    """Import every new export in the inbox folders (re-imports are no-ops)."""
    from biolake.lake.ingest import ingest

    folders = inbox_folders(settings)
    missing = [str(f) for f in folders if not f.is_dir()]
    present = [f for f in folders if f.is_dir()]
    if not present:
        return Outcome("warn", f"no inbox folder ({', '.join(missing)}); nothing imported")
    results = ingest(settings, present)
    imported = [r for r in results if r.status == "imported"]
    failed = [r for r in results if r.status == "failed"]
    unchanged = len(results) - len(imported) - len(failed)
    detail = f"{len(imported)} imported, {unchanged} unchanged"
    if failed:  # reported every run until the file is fixed or removed; fatal only if nothing is readable
        detail += f", {len(failed)} failed: " + "; ".join(str(r.error) for r in failed[:3])
        if not imported and not unchanged:
            raise StepFailed(detail)
        return Outcome("warn", detail)
    return Outcome("ok", detail + (f" (missing inbox: {', '.join(missing)})" if missing else ""))


def build_step(settings: Settings, context: RunContext) -> Outcome:
    """Build gold through the data-quality gate, unless nothing changed since the last good build."""
    from biolake.transform.build import build, fingerprint, last_good_build, stop_worker

    worker, context.dbt_worker = context.dbt_worker, None
    if last_good_build(settings) == fingerprint(settings):
        if worker is not None:
            stop_worker(worker)
        return Outcome("ok", "gold is up to date (no new imports, same models and settings)")
    result = build(settings, unit_tests=False, worker=worker)  # unit tests check model code: build, CI
    tests = [n for n in result.nodes if n.resource_type == "test"]
    detail = f"{len(result.nodes) - len(tests)} models, {len(tests)} tests, {len(result.failed)} failed"
    if result.failed or not result.success:
        names = ", ".join(n.name for n in result.failed[:3])
        raise StepFailed(f"gate failed: {detail}" + (f" ({names})" if names else ""))
    return Outcome("warn" if result.warned else "ok", detail + (f", {len(result.warned)} warned"))


STEPS: tuple[Step, ...] = (
    Step("import", (), import_step, "import new exports from the inbox into bronze and silver"),
    Step("build", ("import",), build_step, "build gold with dbt; the data-quality gate"),
    Step("alerts", ("build",), daily.alerts_step, "evaluate the alert rules; new alerts to the outbox"),
    Step("briefing", ("build",), daily.briefing_step, "write today's morning briefing"),
    Step("weekly_report", ("build",), daily.weekly_report_step, "the weekly report, on its day"),
    Step("deliver", (), daily.deliver_step, "deliver the outbox; retry earlier failures"),
)


def run_pipeline(
    settings: Settings,
    steps: tuple[Step, ...] = STEPS,
    on_step: Callable[[StepRecord], None] | None = None,
) -> list[StepRecord]:
    """Run every step, record each in ``pipeline_runs`` and return the records."""
    paths = ensure_lake(settings)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:6]}"
    records: list[StepRecord] = []
    blocked: set[str] = set()
    context = RunContext()
    if any(step.action is build_step for step in steps):
        from biolake.transform.build import start_worker

        context.dbt_worker = start_worker()
    for step in steps:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        if blocked.intersection(step.needs):
            status, detail = "skipped", f"needs {', '.join(sorted(blocked.intersection(step.needs)))}"
            blocked.add(step.name)
        else:
            try:
                outcome = step.action(settings, context)
                status, detail = outcome.status, outcome.detail
            except (BiolakeError, StepFailed) as exc:
                status, detail = "failed", str(exc)
                blocked.add(step.name)
                log.debug("step %s failed", step.name, exc_info=True)
        record = StepRecord(
            run_id, step.name, status, started, round(time.perf_counter() - clock, 3), detail, __version__
        )
        records.append(record)
        if on_step:
            on_step(record)
    if context.dbt_worker is not None:  # the build step did not run
        from biolake.transform.build import stop_worker

        stop_worker(context.dbt_worker)
    write_run(paths, records)
    catalog.refresh_catalog(paths)
    return records
