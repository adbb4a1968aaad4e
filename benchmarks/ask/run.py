"""``biolake ask`` benchmark: execution accuracy per engine over the demo lake, and offline latency.

Every in-scope question of ``questions.yaml`` has reference SQL; an engine's answer is right when its
result holds the reference's result set (every reference column present with the same values row for
row, extra columns allowed, row order ignored, floats compared to 4 decimals). Out-of-scope questions
must be declined. Offline latency is the wall time of each answer after start-up (sandbox open,
catalog loaded). The Claude engine runs too when ANTHROPIC_API_KEY is set (``--engine claude``).

    python benchmarks/ask/run.py [--lake LAKE] [--engine offline|claude|both] [--check]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "results" / "ask.json"
MIN_ACCURACY = 0.90
MAX_LATENCY_S = 0.5


def _norm(value: Any) -> Any:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 4) + 0.0
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def same_result(reference: list[tuple[Any, ...]], got: list[tuple[Any, ...]]) -> bool:
    """True when ``got`` holds the reference result set (see the module docstring)."""
    if len(reference) != len(got):
        return False
    if not reference:
        return True
    ref = [tuple(_norm(v) for v in row) for row in reference]
    out = [tuple(_norm(v) for v in row) for row in got]
    want = Counter(ref)
    width = len(ref[0])
    for cols in itertools.permutations(range(len(out[0])), width):
        if Counter(tuple(row[c] for c in cols) for row in out) == want:
            return True
    return False


def demo_lake(workdir: Path) -> Path:
    """The default demo lake (seed 0, 365 days), built once under ``workdir``."""
    from biolake.config import load_settings
    from biolake.demo.run import demo

    lake = workdir / "lake"
    if not (workdir / "built").exists():
        settings = load_settings(lake=lake, environ={}, cwd=workdir).with_overrides(timezone="UTC")
        result = demo(settings, out_dir=workdir / "exports", days=365, seed=0)
        if result.build is None or not result.build.success:
            raise SystemExit("the demo lake's gold build failed")
        (workdir / "built").touch()
    return lake


def run_engine(engine: str, lake: Path, spec: dict[str, Any]) -> dict[str, Any]:
    from biolake.ask.answer import Asker
    from biolake.config import load_settings
    from biolake.errors import BiolakeError

    settings = load_settings(lake=lake, environ={}, cwd=lake.parent).with_overrides(timezone="UTC")
    t0 = time.perf_counter()
    asker = Asker(settings, offline=engine == "offline", today=str(spec["today"]), log=False)
    if engine == "claude" and asker.claude is None:
        raise SystemExit("--engine claude needs ANTHROPIC_API_KEY")
    startup = time.perf_counter() - t0
    rows, latencies = [], []
    for q in spec["questions"]:
        reference = asker.sandbox.run(q["sql"]).rows if q["scope"] == "in" else None
        t = time.perf_counter()
        try:
            answer = asker.ask(q["question"])
            status, got = answer.status, answer.rows
        except BiolakeError as exc:
            status, got, answer = "failed", [], None
            error = str(exc)
        seconds = time.perf_counter() - t
        latencies.append(seconds)
        if q["scope"] == "in":
            verdict = (
                "right"
                if status == "answered" and same_result(reference or [], got)
                else ("declined" if status != "answered" else "wrong")
            )
        else:
            verdict = "declined" if status != "answered" else "wrong"
        rows.append(
            {
                "id": q["id"],
                "set": q.get("set", "dev"),
                "scope": q["scope"],
                "verdict": verdict,
                "seconds": round(seconds, 4),
                "answer": answer.answer if answer else error,
            }
        )
    asker.close()
    inscope = [r for r in rows if r["scope"] == "in"]
    outscope = [r for r in rows if r["scope"] == "out"]
    return {
        "engine": engine,
        "questions": len(rows),
        "in_scope": len(inscope),
        "in_scope_right": sum(r["verdict"] == "right" for r in inscope),
        "in_scope_declined": sum(r["verdict"] == "declined" for r in inscope),
        "in_scope_wrong": sum(r["verdict"] == "wrong" for r in inscope),
        "execution_accuracy": round(sum(r["verdict"] == "right" for r in inscope) / len(inscope), 4),
        "out_of_scope": len(outscope),
        "out_of_scope_declined": sum(r["verdict"] == "declined" for r in outscope),
        "out_of_scope_wrong": sum(r["verdict"] == "wrong" for r in outscope),
        "accuracy_by_set": {
            name: round(
                sum(r["verdict"] == "right" for r in inscope if r["set"] == name)
                / max(1, sum(r["set"] == name for r in inscope)),
                4,
            )
            for name in sorted({r["set"] for r in rows})
        },
        "startup_s": round(startup, 3),
        "latency_median_s": round(statistics.median(latencies), 4),
        "latency_p95_s": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 4),
        "latency_max_s": round(max(latencies), 4),
        "results": rows,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lake", type=Path, help="a built demo lake (default: build one under --workdir)")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "biolake-bench-ask")
    p.add_argument("--engine", choices=["offline", "claude", "both"], default="offline")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true", help="exit 1 below the issue's floors (offline engine)")
    args = p.parse_args(argv)
    spec = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
    lake = args.lake or demo_lake(args.workdir)
    engines = ["offline", "claude"] if args.engine == "both" else [args.engine]
    if args.engine == "both" and not os.environ.get("ANTHROPIC_API_KEY"):
        engines = ["offline"]
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "today": str(spec["today"])}
    report["engines"] = [run_engine(e, lake, spec) for e in engines]
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = False
    for r in report["engines"]:
        print(
            f"{r['engine']}: in scope {r['in_scope_right']}/{r['in_scope']} right "
            f"({r['execution_accuracy']:.1%}; {r['in_scope_declined']} declined, {r['in_scope_wrong']} wrong); "  # noqa: E501
            f"out of scope {r['out_of_scope_declined']}/{r['out_of_scope']} declined; "
            f"latency median {r['latency_median_s'] * 1000:.1f} ms, max {r['latency_max_s'] * 1000:.1f} ms "
            f"(start-up {r['startup_s']:.2f} s); in-scope accuracy by set {r['accuracy_by_set']}"
        )
        for row in r["results"]:
            if row["verdict"] != ("right" if row["scope"] == "in" else "declined"):
                print(f"  {row['verdict']:8} {row['id']}: {row['answer']}")
        if r["engine"] == "offline" and (
            r["execution_accuracy"] < MIN_ACCURACY
            or r["out_of_scope_wrong"]
            or r["latency_max_s"] >= MAX_LATENCY_S
        ):
            failed = True
    print(f"peak RSS {report['peak_rss_mib']} MiB; results: {args.out}")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
