"""Demo benchmark: ``biolake demo`` for 5 years and 1 subject, generated and ingested into a fresh lake.

Runs the real CLI as a subprocess (``biolake --lake LAKE --format json demo --days 1826 --no-build``) and
measures the wall time and the peak RSS of the whole process tree (the CLI, its Apple Health writer and its
parse workers), sampled every 20 ms with the harness of ``bench_healthkit.py``; then, separately, the gold
build that ``biolake demo`` runs next (``biolake build``). See ``benchmarks/README.md``.

    python benchmarks/bench_demo.py --check
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "demo.json"
MIB = 1 << 20
MAX_WALL_S = 60.0  # the project's floor for a 5-year, 1-subject demo


def _harness() -> Any:
    """``bench_healthkit``'s measuring helpers (run_measured, machine_info), loaded from its file."""
    spec = importlib.util.spec_from_file_location("bench_healthkit", HERE / "bench_healthkit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def biolake_command() -> list[str]:
    """The ``biolake`` console script beside this interpreter, else ``python -m biolake``."""
    script = Path(sys.executable).with_name("biolake")
    return [str(script)] if script.exists() else [sys.executable, "-m", "biolake"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=1826, help="days per subject (default 1826, five years)")
    p.add_argument("--subjects", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--runs", type=int, default=1, help="runs; wall time is the median, RSS the maximum")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "biolake-bench-demo")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument("--skip-build", action="store_true", help="do not time the gold build afterwards")
    p.add_argument(
        "--check", action="store_true", help=f"exit 1 unless the wall time is under {MAX_WALL_S:.0f} s"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = _harness()
    biolake = biolake_command()
    runs: list[dict[str, Any]] = []
    report: dict[str, Any] = {}
    for _ in range(args.runs):
        shutil.rmtree(args.workdir, ignore_errors=True)
        args.workdir.mkdir(parents=True)
        cmd = [
            *biolake,
            "--lake",
            str(args.workdir / "lake"),
            "--format",
            "json",
            "demo",
            "--days",
            str(args.days),
            "--subjects",
            str(args.subjects),
            "--seed",
            str(args.seed),
            "--no-build",
        ]
        m = bench.run_measured(cmd)
        if m.returncode != 0:
            print(
                f"biolake demo failed ({m.returncode}): {' '.join(cmd)}\n{m.stderr[-2000:]}", file=sys.stderr
            )
            return 2
        report = json.loads(m.stdout)
        run = {
            "wall_s": round(m.wall_s, 2),
            "peak_rss_tree_mb": round(m.peak_tree_rss / MIB, 1),
            "peak_rss_1proc_mb": round(m.peak_single_rss / MIB, 1),
            "written_s": report["manifest"]["seconds"],
        }
        if not args.skip_build:
            gold = bench.run_measured([*biolake, "--lake", str(args.workdir / "lake"), "--quiet", "build"])
            run["build_wall_s"] = round(gold.wall_s, 2)
            run["build_passed"] = gold.returncode == 0  # 1: dbt's data-quality gate failed
            run["build_peak_rss_tree_mb"] = round(gold.peak_tree_rss / MIB, 1)
        runs.append(run)
    exports = sum(Path(f["path"]).stat().st_size for f in report["manifest"]["files"])
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": bench.machine_info(),
        "command": " ".join(cmd),
        "days": args.days,
        "subjects": args.subjects,
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "peak_rss_tree_mb": max(r["peak_rss_tree_mb"] for r in runs),
        "exports_mb": round(exports / 1e6, 1),
        "build_wall_s": None if args.skip_build else statistics.median(r["build_wall_s"] for r in runs),
        "rows_new": {k: v["new"] for k, v in report["entities"].items()},
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rows = sum(result["rows_new"].values())
    print(
        f"biolake demo --days {args.days} --subjects {args.subjects}: {result['wall_s']:.1f} s wall, "
        f"peak RSS {result['peak_rss_tree_mb']:.0f} MB (tree), {result['exports_mb']:.0f} MB of exports, "
        f"{rows:,} silver rows"
        + ("" if result["build_wall_s"] is None else f"; then gold built in {result['build_wall_s']:.1f} s")
    )
    if args.check and result["wall_s"] >= MAX_WALL_S:
        print(f"FAIL: {result['wall_s']:.1f} s is not under the {MAX_WALL_S:.0f} s floor", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
