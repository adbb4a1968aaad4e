"""FHIR export benchmark: a 5-year raw export (every CGM reading and heart-rate sample) streamed to Bulk
Data NDJSON, and to a collection Bundle, with wall time and peak RSS; a 1-year raw export alongside shows
that memory does not grow with the export's length.

The lake is a 5-year demo lake (``biolake demo --days 1826``, seed 0, gold built), made once in the work
directory and reused by later runs (``--rebuild`` makes it again). The exports run the real CLI as a
subprocess, measured with the harness of ``bench_healthkit.py`` (peak RSS of the process tree, sampled
every 20 ms). See ``benchmarks/README.md``.

    python benchmarks/bench_fhir.py --check
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "fhir.json"
MIB = 1 << 20
MAX_RSS_MB = 300.0  # bounded memory: the 5-year export's whole process tree stays under this
MAX_RSS_GROWTH = 1.2  # and within this factor of a 1-year export's (flat: it does not grow with the window)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=1826, help="days of the demo lake (default 1826, five years)")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "biolake-bench-fhir")
    p.add_argument("--rebuild", action="store_true", help="make the demo lake again")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 unless peak RSS is under {MAX_RSS_MB:.0f} MB and {MAX_RSS_GROWTH}x the 1-year export's",
    )
    return p.parse_args(argv)


def _lake(args: argparse.Namespace, biolake: list[str], bench: Any) -> dict[str, Any]:
    lake, marker = args.workdir / "lake", args.workdir / f"built-{args.days}"
    if args.rebuild or not marker.exists():
        shutil.rmtree(args.workdir, ignore_errors=True)
        args.workdir.mkdir(parents=True)
        cmd = [*biolake, "--lake", str(lake), "--quiet", "demo", "--days", str(args.days), "--seed", "0"]
        print(f"making the demo lake: {' '.join(cmd)}", file=sys.stderr)
        m = bench.run_measured(cmd)
        if m.returncode != 0:
            raise SystemExit(f"biolake demo failed ({m.returncode}):\n{m.stderr[-2000:]}")
        marker.write_text(json.dumps({"seconds": round(m.wall_s, 1)}), encoding="utf-8")
    return {"path": str(lake), "days": args.days, **json.loads(marker.read_text(encoding="utf-8"))}


def _export(
    bench: Any, biolake: list[str], lake: Path, out: Path, start: date, end: date, extra: list[str]
) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    cmd = [*biolake, "--lake", str(lake), "--format", "json", "export", "fhir", "--granularity", "raw"]
    cmd += ["--from", start.isoformat(), "--to", end.isoformat(), "--out", str(out), *extra]
    m = bench.run_measured(cmd)
    if m.returncode != 0:
        raise SystemExit(f"export failed ({m.returncode}): {' '.join(cmd)}\n{m.stderr[-2000:]}")
    resources = sum(r["resources"] for r in json.loads(m.stdout))
    size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else out.stat().st_size
    return {
        "command": " ".join(cmd),
        "resources": resources,
        "wall_s": round(m.wall_s, 2),
        "resources_per_s": round(resources / m.wall_s),
        "peak_rss_tree_mb": round(m.peak_tree_rss / MIB, 1),
        "output_mb": round(size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    from bench_demo import _harness, biolake_command  # this folder is on sys.path when the script runs
    from biolake.demo.run import DEFAULT_END as END

    args = parse_args(argv)
    bench = _harness()
    biolake = biolake_command()
    lake_info = _lake(args, biolake, bench)
    lake = Path(lake_info["path"])
    first_day = END - timedelta(days=args.days - 1)
    one_year = END - timedelta(days=364)
    runs = {
        "raw_1y_ndjson": _export(bench, biolake, lake, args.workdir / "out-1y", one_year, END, ["--ndjson"]),
        "raw_5y_ndjson": _export(bench, biolake, lake, args.workdir / "out-5y", first_day, END, ["--ndjson"]),
        "raw_5y_bundle": _export(bench, biolake, lake, args.workdir / "out-5y.json", first_day, END, []),
    }
    growth = runs["raw_5y_ndjson"]["peak_rss_tree_mb"] / runs["raw_1y_ndjson"]["peak_rss_tree_mb"]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": bench.machine_info(),
        "lake": lake_info,
        "runs": runs,
        "rss_growth_5y_over_1y": round(growth, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, r in runs.items():
        print(
            f"{name}: {r['resources']:,} resources in {r['wall_s']:.1f} s ({r['resources_per_s']:,}/s), "
            f"{r['output_mb']:.0f} MB written, peak RSS {r['peak_rss_tree_mb']:.0f} MB"
        )
    print(f"peak RSS 5 years / 1 year: {growth:.2f}x")
    peak = max(r["peak_rss_tree_mb"] for r in runs.values())
    if args.check and (peak >= MAX_RSS_MB or growth >= MAX_RSS_GROWTH):
        print(f"FAIL: peak RSS {peak:.0f} MB (floor {MAX_RSS_MB:.0f}), growth {growth:.2f}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
