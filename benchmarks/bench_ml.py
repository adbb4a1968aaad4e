"""Readiness predictor benchmark: ``biolake ml train`` (walk-forward backtest + final fit + saved
version) on five years of daily data — floor 60 s.

The data is a real 5-year demo lake (``biolake demo --days 1826``: exports generated, ingested and gold
built), made once in the work directory and reused; only the training runs are timed, each the real CLI
in a fresh process (start-up and imports included), with the peak RSS of its process tree and the
1-minute load average before it and its CPU time (user + system): on a busy machine the wall time
is mostly waiting for a CPU.

    python benchmarks/bench_ml.py --check
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "ml.json"
MIB = 1 << 20
MAX_WALL_S = 60.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=1826, help="days of history (default 1826, five years)")
    p.add_argument("--runs", type=int, default=1, help="timed runs; wall time is the median, RSS the maximum")
    p.add_argument("--target", default="readiness")
    p.add_argument("--model", default="auto")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "biolake-bench-ml")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument("--check", action="store_true", help=f"exit 1 unless training is under {MAX_WALL_S:.0f} s")
    return p.parse_args(argv)


def ensure_lake(biolake: list[str], workdir: Path, days: int) -> Path:
    """A built demo lake of ``days`` days in ``workdir`` (made once; untimed)."""
    lake, done = workdir / f"lake-{days}", workdir / f"lake-{days}.built"
    if not done.exists():
        cmd = [*biolake, "--lake", str(lake), "--quiet", "demo", "--days", str(days)]
        cmd += ["--out", str(workdir / f"exports-{days}")]
        subprocess.run(cmd, check=True)
        done.touch()
    return lake


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench_demo import _harness, biolake_command  # this folder is on sys.path when the script runs

    bench = _harness()
    biolake = biolake_command()
    args.workdir.mkdir(parents=True, exist_ok=True)
    lake = ensure_lake(biolake, args.workdir, args.days)
    cmd = [*biolake, "--lake", str(lake), "--format", "json", "ml", "train"]
    cmd += ["--target", args.target, "--model", args.model]
    runs: list[dict[str, Any]] = []
    card: dict[str, Any] = {}
    for _ in range(args.runs):
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        m = bench.run_measured(cmd)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if m.returncode != 0:
            print(f"biolake ml train failed ({m.returncode}):\n{m.stderr[-2000:]}", file=sys.stderr)
            return 2
        card = json.loads(m.stdout)
        runs.append(
            {
                "wall_s": round(m.wall_s, 2),
                "cpu_s": round(cpu, 2),
                "peak_rss_tree_mb": round(m.peak_tree_rss / MIB, 1),
                "backtest_s": card["backtest_time_s"],
                "final_fit_s": card["training_time_s"],
                "load_avg_1m": round(load, 2),
            }
        )
    bt = card["backtest"]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": bench.machine_info(),
        "versions": card["versions"],
        "command": " ".join(cmd),
        "days": args.days,
        "training_days": card["data"]["n"],
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "peak_rss_tree_mb": max(r["peak_rss_tree_mb"] for r in runs),
        "floor_s": MAX_WALL_S,
        "model": card["model"]["family"],
        "backtest": {
            k: bt[k]
            for k in (
                *("n", "folds", "mae", "baseline", "baseline_mae", "skill", "skill_ci"),
                *("interval_nominal", "interval_coverage", "selected"),
            )
        },
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"biolake ml train on {args.days} days ({result['training_days']} labelled): "
        f"{result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU "
        f"(backtest {runs[-1]['backtest_s']:.1f} s, {bt['folds']} folds), "
        f"peak RSS {result['peak_rss_tree_mb']:.0f} MB; skill {bt['skill']:+.1%} vs {bt['baseline']}, "
        f"coverage {bt['interval_coverage']:.1%} of {bt['interval_nominal']:.0%}"
    )
    if args.check and result["wall_s"] >= MAX_WALL_S:
        print(f"FAIL: {result['wall_s']:.1f} s is not under the {MAX_WALL_S:.0f} s floor", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
