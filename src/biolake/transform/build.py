"""``biolake build``: run the dbt project against the lake and report it as the data-quality gate.

dbt builds in dependency order and runs each model's tests right after it; a test of severity ``error``
that fails stops everything downstream of it (those models keep their previous tables), ``warn`` is only
reported. Data tests are mostly one ``column_checks`` test per model and severity (dbt/tests/generic/):
one query whose rows each name the rule they violate (``failed_check``). The report re-runs the queries
of failing tests for the count of rows per rule and a few example rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biolake.config import Settings
from biolake.errors import BuildError, LakeError
from biolake.lake import catalog
from biolake.lake.lock import lake_lock
from biolake.lake.paths import LakePaths
from biolake.resources import resource_dir
from biolake.transform.project import prepare, training_vars

EXAMPLE_ROWS = 3
FAILED = ("error", "fail")


@dataclass
class NodeResult:
    """One model or test dbt ran."""

    unique_id: str
    name: str
    resource_type: str
    status: str  # success | error | skipped | pass | fail | warn
    seconds: float
    message: str = ""
    failures: int = 0
    relation: str | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)  # failing rows per rule (column_checks tests)


@dataclass
class BuildResult:
    """What a build did."""

    nodes: list[NodeResult]
    success: bool
    error: str | None
    seconds: float
    compiled: dict[str, str] = field(default_factory=dict)  # unique_id → SQL of failed and warned tests

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in FAILED]

    @property
    def warned(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status == "warn"]

    @property
    def skipped(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status == "skipped"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "error": self.error,
            "seconds": round(self.seconds, 2),
            "nodes": [vars(n) for n in self.nodes],
        }


NodeFn = Callable[[NodeResult], None]


def build(
    settings: Settings,
    select: list[str] | None = None,
    full_refresh: bool = False,
    on_node: NodeFn | None = None,
    unit_tests: bool = True,
    worker: subprocess.Popen[str] | None = None,
) -> BuildResult:
    """Build gold for the lake of ``settings``; BuildError if dbt itself cannot run. ``unit_tests``:
    also run the dbt unit tests (they check the models' SQL on fixed inputs, not the lake's data).
    ``worker``: one from start_worker, started earlier so that dbt's import (seconds) overlaps other work;
    build ends it either way."""
    paths = LakePaths.at(settings.lake)
    if not paths.exists():
        if worker is not None:
            stop_worker(worker)
        raise LakeError(f"no lake at {paths.root}: run 'biolake init' or 'biolake ingest' first")
    worker = worker or start_worker()  # dbt's import overlaps at least the catalog refresh
    try:
        with lake_lock(paths.lock, settings.lock_timeout):
            catalog.refresh_catalog(paths)
            place = prepare(paths, settings)
            # no manifest.json or run_results.json (writing them costs dbt a second): the worker passes
            # the queries of failing tests on itself
            args = ["build", "--log-level", "none", "--log-level-file", "info", "--no-write-json"]
            args += place.args()
            if select:
                args += ["--select", *select]
            if not unit_tests:
                args += ["--exclude-resource-type", "unit_test"]
            if full_refresh:
                args.append("--full-refresh")
            stamp = fingerprint(settings)
            result = run_worker(args, on_node, worker)
            _attach_examples(paths, result)
            if result.success and not result.failed and not select:
                _stamp_path(paths).write_text(stamp, encoding="utf-8")
    finally:
        stop_worker(worker)
    return result


def _stamp_path(paths: LakePaths) -> Path:
    return paths.root / ".dbt" / "last_good_build"


def fingerprint(settings: Settings) -> str:
    """What a full build's outcome depends on: silver's files (every import and rebuild writes new ones),
    the dbt project's files and the variables."""
    paths = LakePaths.at(settings.lake)
    digest = hashlib.sha256()
    silver = sorted(paths.silver.rglob("*.parquet")) if paths.silver.is_dir() else []
    digest.update("\n".join(str(p.relative_to(paths.silver)) for p in silver).encode())
    project = resource_dir("dbt")
    for file in sorted(project.rglob("*")):
        if file.is_file() and file.suffix in (".sql", ".py", ".yml", ".yaml", ".csv"):
            digest.update(str(file.relative_to(project)).encode())
            digest.update(file.read_bytes())
    digest.update(json.dumps(training_vars(settings), sort_keys=True).encode())
    return digest.hexdigest()


def last_good_build(settings: Settings) -> str | None:
    """The fingerprint of the last full build that passed the gate, if any."""
    stamp = _stamp_path(LakePaths.at(settings.lake))
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None


def start_worker() -> subprocess.Popen[str]:
    """Start a dbt worker that imports dbt (seconds) at once and then waits for its command on stdin."""
    command = [sys.executable, "-m", "biolake.transform.worker"]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop_worker(proc: subprocess.Popen[str]) -> None:
    """End a worker that was never given its command (run_worker waits for the ones it ran)."""
    if proc.returncode is None:
        proc.kill()
        proc.communicate()


def run_worker(
    args: list[str], on_node: NodeFn | None, proc: subprocess.Popen[str] | None = None
) -> BuildResult:
    """Run one dbt command in a worker process (``proc`` from start_worker, else a new one), passing each
    finished node to ``on_node``."""
    started = time.perf_counter()
    proc = proc or start_worker()
    nodes: list[NodeResult] = []
    compiled: dict[str, str] = {}
    done: dict[str, Any] = {}
    with proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        try:
            proc.stdin.write(json.dumps(args) + "\n")
            proc.stdin.close()
        except BrokenPipeError:  # the worker died starting up: its stderr says why
            pass
        for line in proc.stdout:
            if not line.startswith('{"event"'):
                continue
            message = json.loads(line)
            event = message.pop("event")
            if event == "done":
                done = message
                continue
            if event == "compiled":
                compiled[message["unique_id"]] = message["sql"]
                continue
            node = NodeResult(**message)
            nodes.append(node)
            if on_node:
                on_node(node)
        stderr = proc.stderr.read()
    if not done:
        last = stderr.strip().splitlines()[-1:] or ["no output"]
        raise BuildError(f"dbt did not run: {last[0]}")
    error = done.get("error")
    if error and not nodes:
        raise BuildError(f"dbt could not build the project: {error}")
    seconds = time.perf_counter() - started
    return BuildResult(nodes, bool(done.get("success")), error, seconds, compiled)


def _attach_examples(paths: LakePaths, result: BuildResult) -> None:
    """Re-run each failing data test's query for up to EXAMPLE_ROWS rows and, when its rows name the rule
    they violate (``failed_check``), the count of rows per rule."""
    tests = [
        (t, result.compiled[t.unique_id])
        for t in result.failed + result.warned
        if t.resource_type == "test" and result.compiled.get(t.unique_id, "").strip()
    ]
    if not tests:
        return
    import duckdb

    con = duckdb.connect(str(paths.catalog), read_only=True)
    try:
        for node, sql in tests:
            try:
                rel = con.sql(f"SELECT * FROM ({sql}) LIMIT {EXAMPLE_ROWS}")
                node.examples = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
                if "failed_check" in rel.columns:
                    counts = con.sql(
                        f"SELECT failed_check, count(*) FROM ({sql}) GROUP BY ALL ORDER BY 2 DESC, 1"
                    ).fetchall()
                    node.checks = {str(check): int(n) for check, n in counts}
            except duckdb.Error:
                continue
    finally:
        con.close()
