"""Side-by-side benchmark: biolake's glucose catalogue against iglu-python on 100 subjects × 90 days.

Input: a synthetic ``id,time,gl`` CSV (5-minute readings; circadian rhythm, meals, noise, sensor gaps,
a few 15-minute stretches and censored extremes), ingested once into a lake (not timed). Then:

- biolake: ``summarize(lake)`` in a fresh Python process: reading silver from the lake and every metric
  of the catalogue for every subject; wall time of the whole process (start-up included) and peak RSS
  of its process tree.
- iglu-python (PyPI, run with ``TZ=UTC``): every function of the same catalogue, subject by subject, on
  an in-memory DataFrame (CSV reading not timed). iglu takes minutes per subject here, so it runs on
  ``--iglu-subjects`` subjects and its time is extrapolated linearly to all subjects (iglu computes each
  subject separately); the output says so.

    python benchmarks/bench_glucose.py --check          # 100 × 90, iglu on 2 subjects
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "glucose.json"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "biolake-bench-glucose"
MIB = 1 << 20
MIN_SPEEDUP = 20.0

# iglu-python's functions making up the catalogue biolake computes (summary.ORDER)
IGLU_FUNCTIONS = (
    "mean_glu", "median_glu", "sd_glu", "cv_glu", "quantile_glu", "iqr_glu", "range_glu", "gmi", "ea1c",
    "in_range_percent", "below_percent", "above_percent", "gri", "j_index", "mad_glu", "lbgi", "hbgi",
    "adrr", "grade", "grade_hypo", "grade_hyper", "grade_eugly", "m_value", "mag", "gvp", "mage", "conga",
    "modd", "hypo_index", "hyper_index", "igc", "cogi", "pgs", "auc", "sd_roc", "cv_measures",
    "sd_measures", "active_percent",
)  # fmt: skip

BIOLAKE_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from biolake.glucose.summary import summarize
from biolake.lake.paths import LakePaths
from pathlib import Path
t1 = time.perf_counter()
records = summarize(LakePaths.at(Path(sys.argv[1])))
t2 = time.perf_counter()
print(json.dumps({"subjects": len(records), "readings": sum(r["n_obs"] for r in records),
                  "import_s": t1 - t0, "compute_s": t2 - t1, "mage_first": records[0]["mage"]}))
"""

IGLU_SCRIPT = """
import json, sys, time, warnings, contextlib, io
warnings.simplefilter("ignore")
import pandas as pd
import iglu_python as iglu
data = pd.read_csv(sys.argv[1])
data["time"] = pd.to_datetime(data["time"])
ids = list(dict.fromkeys(data["id"]))[: int(sys.argv[2])]
times = {}
t0 = time.perf_counter()
for sid in ids:
    part = data[data["id"] == sid].reset_index(drop=True)
    for name in sys.argv[3].split(","):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # iglu prints warnings
            getattr(iglu, name)(part.copy())
        times[name] = times.get(name, 0.0) + time.perf_counter() - start
print(json.dumps({"subjects": len(ids), "readings": int(data["id"].isin(ids).sum()),
                  "compute_s": time.perf_counter() - t0, "per_function_s": times}))
"""


def _harness() -> ModuleType:
    """bench_healthkit's measuring helpers (run_measured, machine_info), through bench_demo's loader."""
    spec = importlib.util.spec_from_file_location("bench_demo", HERE / "bench_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    harness: ModuleType = module._harness()
    return harness


def write_csv(path: Path, subjects: int, days: int, seed: int) -> int:
    """A cohort's CGM data in iglu's id,time,gl layout; returns the number of readings."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = days * 288
    minutes = np.arange(n) * 5.0
    rows = 0
    with path.open("w") as fh:
        fh.write("id,time,gl\n")
        for s in range(subjects):
            base = rng.uniform(100, 170)
            day_min = minutes % 1440
            gl = base + 15 * np.exp(-(((day_min - 420) / 120) ** 2))  # dawn
            meals = np.sort(rng.choice(n, size=days * 3, replace=False))
            for m, carbs in zip(meals, rng.uniform(20, 100, len(meals)), strict=True):
                tau = minutes[m:] - minutes[m]
                near = tau < 300
                gl[m:][near] += 0.7 * carbs * (tau[near] / 50) ** 2 * np.exp(2 * (1 - tau[near] / 50))
            gl += np.cumsum(rng.normal(0, 1.0, n)) * 0.2 + rng.normal(0, 3, n)
            gl = np.clip(np.round(gl), 40, 400)
            keep = rng.random(n) > 0.01
            for g0 in rng.choice(n - 60, size=days // 10, replace=False):  # sensor gaps of 1-5 hours
                keep[g0 : g0 + rng.integers(12, 60)] = False
            stretch = rng.integers(0, n - 2880)  # one day read every 15 minutes
            keep[stretch : stretch + 288] &= (np.arange(288) % 3) == 0
            start = np.datetime64("2024-01-01T00:00:00") + np.timedelta64(int(rng.integers(0, 300)), "s")
            times = start + (minutes[keep] * 60).astype("timedelta64[s]")
            ids = f"S{s:03d}"
            fh.writelines(
                f"{ids},{str(t).replace('T', ' ')},{int(v)}\n" for t, v in zip(times, gl[keep], strict=True)
            )
            rows += int(keep.sum())
    return rows


def ensure_lake(workdir: Path, subjects: int, days: int, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """The CSV and a lake holding it (cached in ``workdir``)."""
    import time

    from biolake.config import load_settings
    from biolake.lake.ingest import ingest

    workdir.mkdir(parents=True, exist_ok=True)
    name = f"cgm-{subjects}x{days}-seed{seed}"
    csv_path, lake, meta_path = workdir / f"{name}.csv", workdir / f"{name}-lake", workdir / f"{name}.json"
    if meta_path.exists():
        return csv_path, lake, json.loads(meta_path.read_text())
    t0 = time.perf_counter()
    rows = write_csv(csv_path, subjects, days, seed)
    t1 = time.perf_counter()
    settings = load_settings(lake=lake, environ={}, cwd=workdir).with_overrides(timezone="UTC")
    results = ingest(settings, [csv_path])
    if any(r.status != "imported" for r in results):
        raise SystemExit(f"ingest failed: {[(r.file, r.error) for r in results]}")
    meta = {"rows": rows, "generate_s": t1 - t0, "ingest_s": time.perf_counter() - t1}
    meta_path.write_text(json.dumps(meta))
    return csv_path, lake, meta


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], Any]:
    harness = _harness()
    old = dict(os.environ)
    try:
        os.environ.update(env or {})
        m = harness.run_measured(cmd)
    finally:
        os.environ.clear()
        os.environ.update(old)
    if m.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({m.returncode}):\n{m.stderr[-2000:]}")
    return json.loads(m.stdout.strip().splitlines()[-1]), m


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--subjects", type=int, default=100)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--iglu-subjects", type=int, default=2, help="Subjects iglu runs on (extrapolated).")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true", help=f"Fail unless biolake is ≥ {MIN_SPEEDUP:g}× faster.")
    args = p.parse_args(argv)

    csv_path, lake, meta = ensure_lake(args.workdir, args.subjects, args.days, args.seed)
    ours, ours_m = run([sys.executable, "-c", BIOLAKE_SCRIPT, str(lake)])
    peer, peer_m = run(
        [sys.executable, "-c", IGLU_SCRIPT, str(csv_path), str(args.iglu_subjects), ",".join(IGLU_FUNCTIONS)],
        env={"TZ": "UTC"},
    )
    scale = args.subjects / peer["subjects"]
    iglu_all_s = peer["compute_s"] * scale
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**_harness().machine_info(), "load_after": os.getloadavg()},
        "versions": {"iglu-python": importlib.metadata.version("iglu-python")},
        "input": {"subjects": args.subjects, "days": args.days, "readings": meta["rows"], **meta},
        "biolake": {
            "wall_s": ours_m.wall_s, "compute_s": ours["compute_s"], "import_s": ours["import_s"],
            "peak_rss_mib": ours_m.peak_tree_rss / MIB, "subjects": ours["subjects"],
        },
        "iglu": {
            "subjects_run": peer["subjects"], "readings_run": peer["readings"],
            "compute_s": peer["compute_s"], "wall_s": peer_m.wall_s,
            "peak_rss_mib": peer_m.peak_tree_rss / MIB,
            "extrapolated_all_subjects_s": iglu_all_s, "per_function_s": peer["per_function_s"],
            "note": f"iglu ran on {peer['subjects']} of {args.subjects} subjects; its compute time is "
            f"scaled by {scale:g} (it computes each subject separately)",
        },
        "speedup": iglu_all_s / ours_m.wall_s,
        "speedup_compute_only": iglu_all_s / ours["compute_s"],
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{meta['rows']:,} readings, {args.subjects} subjects × {args.days} days\n"
        f"biolake : {ours_m.wall_s:7.1f} s wall (process incl. start-up; "
        f"catalogue {ours['compute_s']:.1f} s), peak RSS {ours_m.peak_tree_rss / MIB:.0f} MiB\n"
        f"iglu    : {peer['compute_s']:7.1f} s for {peer['subjects']} subjects → {iglu_all_s:,.0f} s for "
        f"{args.subjects} (extrapolated), peak RSS {peer_m.peak_tree_rss / MIB:.0f} MiB\n"
        f"speed-up: {result['speedup']:.0f}× (process wall), "
        f"{result['speedup_compute_only']:.0f}× (compute only)"
    )
    if args.check and result["speedup"] < MIN_SPEEDUP:
        print(f"FAIL: speed-up {result['speedup']:.1f}× < {MIN_SPEEDUP:g}×")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
