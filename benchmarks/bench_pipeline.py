"""Pipeline benchmark: ``biolake run`` on a 5-year, 1-subject demo inbox.

Three timed runs of the real CLI (``biolake --quiet run``), each with the peak RSS of its process tree and
the 1-minute load average before it (other work on the machine slows the runs):

1. from an empty lake (import everything, build gold) — floor 60 s;
2. again with no new files (imports nothing, gold up to date) — floor 10 s;
3. after a new week of exports lands in the inbox (the last 7 days, one day past the history: the files
   of a weekly export habit) — floor 15 s.

The exports are written first, untimed, by the demo generator (``biolake.demo.run.generate``). The lake's
``biolake.toml`` sets the inbox, the home time zone and the demo's imperial MyFitnessPal units.

    python benchmarks/bench_pipeline.py --check
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "pipeline.json"
MIB = 1 << 20
FLOORS_S = {"empty_lake": 60.0, "no_new_files": 10.0, "one_new_day": 15.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=1826, help="days of history (default 1826, five years)")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "biolake-bench-pipeline")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument("--check", action="store_true", help="exit 1 unless every run is under its floor")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from biolake.demo.run import DEFAULT_END, generate

    args = parse_args(argv)
    from bench_demo import _harness, biolake_command  # this folder is on sys.path when the script runs

    bench = _harness()
    biolake = biolake_command()
    shutil.rmtree(args.workdir, ignore_errors=True)
    inbox, lake = args.workdir / "inbox", args.workdir / "lake"
    generate(inbox / "history", days=args.days, end=DEFAULT_END)
    lake.mkdir(parents=True)
    (lake / "biolake.toml").write_text(
        f'timezone = "America/New_York"\nunits = "imperial"\n[pipeline]\ninbox = ["{inbox}"]\n',
        encoding="utf-8",
    )
    command = [*biolake, "--lake", str(lake), "--quiet", "run"]
    runs: dict[str, dict[str, Any]] = {}
    for name in FLOORS_S:
        if name == "one_new_day":
            generate(inbox / "new-day", days=7, end=DEFAULT_END + timedelta(days=1), seed=1)
        load = os.getloadavg()[0]
        m = bench.run_measured(command)
        runs[name] = {
            "wall_s": round(m.wall_s, 2),
            "peak_rss_tree_mb": round(m.peak_tree_rss / MIB, 1),
            "exit": m.returncode,
            "floor_s": FLOORS_S[name],
            "load_avg_1m": round(load, 2),
        }
        if m.returncode != 0:
            print(f"biolake run failed ({m.returncode}) on {name}:\n{m.stderr[-2000:]}", file=sys.stderr)
            return 2
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": bench.machine_info(),
        "command": " ".join(command),
        "days": args.days,
        "end": date.isoformat(DEFAULT_END),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, run in runs.items():
        print(
            f"{name:>13}: {run['wall_s']:6.1f} s (floor {run['floor_s']:.0f} s), "
            f"peak RSS {run['peak_rss_tree_mb']:.0f} MB, load {run['load_avg_1m']:.1f}"
        )
    slow = [n for n, r in runs.items() if r["wall_s"] >= r["floor_s"]]
    if args.check and slow:
        print(f"FAIL: over the floor: {', '.join(slow)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
