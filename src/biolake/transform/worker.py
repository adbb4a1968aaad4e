"""Run one dbt command in this process and report each finished node as a JSON line on stdout.

biolake starts this as a subprocess (``python -m biolake.transform.worker <args-json>``): dbt keeps the
DuckDB file open in the process that ran it, and its import costs seconds, so neither should burden the
process that asked for a build. Without arguments the worker imports dbt first and then reads the
arguments (a JSON list) from stdin, so the import overlaps the caller's own preparation; it exits quietly
if stdin closes first. Lines: ``{"event": "node", ...}`` per finished model, test or seed, then
``{"event": "compiled", "unique_id": str, "sql": str}`` per test that failed or warned (its query, for
example rows: builds run with ``--no-write-json``, so there is no run_results.json to read it from), then
``{"event": "done", "success": bool, "error": str | null}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

PROBLEMS = ("fail", "warn", "error")


def _emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _on_event(event: Any) -> None:
    if event.info.name != "NodeFinished":
        return
    info, result = event.data.node_info, event.data.run_result
    _emit(
        {
            "event": "node",
            "unique_id": info.unique_id,
            "name": info.node_name,
            "resource_type": info.resource_type,
            "status": result.status or info.node_status,
            "seconds": round(float(result.execution_time), 3),
            "message": result.message or "",
            "failures": int(result.num_failures or 0),
            "relation": info.node_relation.relation_name or None,
        }
    )


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    if argv:
        args = json.loads(argv[0])
    else:
        import dbt.adapters.duckdb  # noqa: F401  (what dbt would import first thing, while we wait)

        line = sys.stdin.readline()
        if not line.strip():
            return 0
        args = json.loads(line)
    outcome = dbtRunner(callbacks=[_on_event]).invoke(args)
    for result in getattr(outcome.result, "results", None) or []:
        node: Any = getattr(result, "node", None)
        sql = getattr(node, "compiled_code", None)
        if getattr(node, "resource_type", None) == "test" and str(result.status) in PROBLEMS and sql:
            _emit({"event": "compiled", "unique_id": node.unique_id, "sql": sql})
    error = str(outcome.exception).strip().splitlines()[0] if outcome.exception else None
    _emit({"event": "done", "success": bool(outcome.success), "error": error})
    return 0 if outcome.success else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
