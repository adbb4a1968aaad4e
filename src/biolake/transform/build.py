"""``biolake build``: run the dbt project against the lake and report it as the data-quality gate.

dbt builds in dependency order and runs each model's tests right after it; a test of severity ``error``
that fails stops everything downstream of it (those models keep their previous tables), ``warn`` is only
reported. The report shows example rows of failing tests by re-running their queries.
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


@dataclass
class BuildResult:
    """What a build did."""

    nodes: list[NodeResult]
    success: bool
    error: str | None
    seconds: float

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
) -> BuildResult:
    """Build gold for the lake of ``settings``; BuildError if dbt itself cannot run. ``unit_tests``:
    also run the dbt unit tests (they check the models' SQL on fixed inputs, not the lake's data)."""
    paths = LakePaths.at(settings.lake)
    if not paths.exists():
        raise LakeError(f"no lake at {paths.root}: run 'biolake init' or 'biolake ingest' first")
    with lake_lock(paths.lock, settings.lock_timeout):
        catalog.refresh_catalog(paths)
        place = prepare(paths, settings)
        args = ["build", "--log-level", "none", "--log-level-file", "info", *place.args()]
        if select:
            args += ["--select", *select]
        if not unit_tests:
            args += ["--exclude-resource-type", "unit_test"]
        if full_refresh:
            args.append("--full-refresh")
        stamp = fingerprint(settings)
        result = run_worker(args, on_node)
        _attach_examples(paths, place.target_path, result.failed + result.warned)
        if result.success and not result.failed and not select:
            _stamp_path(paths).write_text(stamp, encoding="utf-8")
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
        if file.is_file() and file.suffix in (".sql", ".yml", ".yaml", ".csv"):
            digest.update(str(file.relative_to(project)).encode())
            digest.update(file.read_bytes())
    digest.update(json.dumps(training_vars(settings), sort_keys=True).encode())
    return digest.hexdigest()


def last_good_build(settings: Settings) -> str | None:
    """The fingerprint of the last full build that passed the gate, if any."""
    stamp = _stamp_path(LakePaths.at(settings.lake))
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None


def run_worker(args: list[str], on_node: NodeFn | None) -> BuildResult:
    """Run one dbt command in a worker process, passing each finished node to ``on_node``."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "biolake.transform.worker", json.dumps(args)]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    nodes: list[NodeResult] = []
    done: dict[str, Any] = {}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for line in proc.stdout:
            if not line.startswith('{"event"'):
                continue
            message = json.loads(line)
            if message.pop("event") == "done":
                done = message
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
    return BuildResult(nodes, bool(done.get("success")), error, time.perf_counter() - started)


def _attach_examples(paths: LakePaths, target: Path, tests: list[NodeResult]) -> None:
    """Re-run each failing data test's query (from dbt's run_results.json) for up to EXAMPLE_ROWS rows."""
    wanted = {t.unique_id: t for t in tests if t.resource_type == "test"}
    results = target / "run_results.json"
    if not wanted or not results.is_file():
        return
    import duckdb

    compiled = {
        r["unique_id"]: r.get("compiled_code") or ""
        for r in json.loads(results.read_text(encoding="utf-8")).get("results", [])
        if r.get("unique_id") in wanted
    }
    con = duckdb.connect(str(paths.catalog), read_only=True)
    try:
        for unique_id, sql in compiled.items():
            if not sql.strip():
                continue
            try:
                rel = con.sql(f"SELECT * FROM ({sql}) LIMIT {EXAMPLE_ROWS}")
                rows = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
            except duckdb.Error:
                continue
            wanted[unique_id].examples = rows
    finally:
        con.close()
