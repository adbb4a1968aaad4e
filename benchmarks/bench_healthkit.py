"""Side-by-side ingest benchmark: ``biolake ingest`` against ``healthkit-to-sqlite`` on Apple Health XML.

For each size: generate (or reuse) a synthetic ``export.xml``, run each tool on it as a subprocess into
a fresh output, and measure wall time and peak RSS of the whole process tree (sum over the process and
all descendants, sampled every 20 ms). See ``benchmarks/README.md``.

    python benchmarks/bench_healthkit.py --sizes 150,300 --check
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "results" / "healthkit.json"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "biolake-bench"
MB = 1_000_000  # file sizes and throughput in decimal megabytes
MIB = 1 << 20  # memory in binary megabytes
PEER = "healthkit-to-sqlite"
TOOLS = ("biolake", PEER)

# Limits enforced by --check.
MIN_SPEEDUP = 6.0
SPEED_FLOOR_MB = 290.0  # the floor's file: "the same >= 300 MB file" (generated to 300 MB, ~302 MB on disk)
MAX_RSS_MB = 400.0
MAX_RSS_GROWTH = 1.25


# --------------------------------------------------------------------------- measuring one process tree


@dataclass
class Measurement:
    returncode: int
    wall_s: float
    peak_tree_rss: int  # bytes: max over samples of the summed RSS of the process and its descendants
    peak_single_rss: int  # bytes: max over samples of the largest single process's RSS
    samples: int
    stdout: str
    stderr: str


def tree_rss(root: psutil.Process) -> tuple[int, int]:
    """Return (sum of RSS over ``root`` and its descendants, largest single RSS); processes gone are 0."""
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    total = largest = 0
    for proc in procs:
        try:
            rss = int(proc.memory_info().rss)
        except psutil.Error:  # exited (or a zombie) since listed
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def run_measured(cmd: list[str], interval: float = 0.02, cwd: Path | None = None) -> Measurement:
    """Run ``cmd`` to completion, sampling its process tree's RSS every ``interval`` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        root = psutil.Process(proc.pid)
        peak_tree = peak_single = samples = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_tree, peak_single, samples
            while not stop.is_set():
                total, largest = tree_rss(root)
                peak_tree, peak_single = max(peak_tree, total), max(peak_single, largest)
                samples += 1
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # Not wait4's ru_maxrss: after a vfork+exec it reports this (parent) process's high-water mark.
        returncode = proc.wait()
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        return Measurement(
            returncode=returncode,
            wall_s=wall,
            peak_tree_rss=peak_tree,
            peak_single_rss=peak_single,
            samples=samples,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


# --------------------------------------------------------------------------- input files

COUNTED = ("Record", "Workout", "ActivitySummary")
_TAG = re.compile(rb"<(/?)(Record|Workout|ActivitySummary|Correlation)[\s/>]")


def count_top_level(path: Path, chunk_size: int = 4 * MIB) -> dict[str, int]:
    """Count ``Record``/``Workout``/``ActivitySummary`` elements outside ``Correlation``s, streaming.

    A byte scan, not a parse: it relies on ``<`` never appearing unescaped in attribute values (true of
    exports) and ignores DTD declarations (``<!ELEMENT Record`` does not match). Records nested in a
    ``Correlation`` are excluded because iOS also writes them at top level.
    """
    counts = dict.fromkeys(COUNTED, 0)
    depth = 0
    tail = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(chunk_size)
            buf = tail + chunk
            if chunk:  # hold back from the last "<" so no tag is split across reads
                cut = buf.rfind(b"<")
                buf, tail = (buf[:cut], buf[cut:]) if cut >= 0 else (buf, b"")
            for m in _TAG.finditer(buf):
                closing, name = m.group(1), m.group(2).decode()
                if name == "Correlation":
                    depth = max(depth - 1, 0) if closing else depth + 1
                elif not closing and depth == 0:
                    counts[name] += 1
            if not chunk:
                break
    counts["total"] = sum(counts[k] for k in COUNTED)
    return counts


def ensure_export(workdir: Path, megabytes: float, seed: int) -> tuple[Path, dict[str, Any]]:
    """Generate (or reuse) the export for ``megabytes``/``seed``; return it and its cached facts."""
    path = workdir / f"export-{megabytes:g}mb-seed{seed}.xml"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        if meta.get("bytes") == path.stat().st_size:
            return path, meta
    try:
        from biolake.demo.healthkit_xml import write_export_file
    except ImportError:  # a source checkout without an install
        sys.path.insert(0, str(REPO / "src"))
        from biolake.demo.healthkit_xml import write_export_file
    print(f"generating {path} ...", file=sys.stderr, flush=True)
    tmp = path.with_suffix(".xml.partial")
    t0 = time.perf_counter()
    days = write_export_file(tmp, megabytes, seed=seed)
    generate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = count_top_level(tmp)
    meta = {
        "bytes": tmp.stat().st_size,
        "days": days,
        "seed": seed,
        "rows": rows,
        "generate_s": round(generate_s, 2),
        "count_s": round(time.perf_counter() - t0, 2),
    }
    tmp.replace(path)
    meta_path.write_text(json.dumps(meta, indent=2))
    return path, meta


# --------------------------------------------------------------------------- running the tools


class ToolFailed(RuntimeError):
    pass


def find_executable(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def tool_command(tool: str, export: Path, out: Path, biolake_cmd: list[str]) -> list[str]:
    if tool == "biolake":
        return [*biolake_cmd, "--lake", str(out), "--quiet", "--format", "json", "ingest", str(export)]
    exe = find_executable(PEER)
    if exe is None:
        raise ToolFailed(f"{PEER} not found (pip install -e '.[bench]')")
    return [exe, "--xml", str(export), str(out)]


def disk_usage(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def measure_tool(
    tool: str, export: Path, meta: dict[str, Any], runs: int, scratch: Path, biolake_cmd: list[str]
) -> dict[str, Any]:
    """Run ``tool`` ``runs`` times into fresh outputs; median wall time, max peak RSS."""
    walls: list[float] = []
    trees: list[int] = []
    singles: list[int] = []
    report: Any = None
    output_bytes = 0
    for i in range(runs):
        out = scratch / (f"lake-{i}" if tool == "biolake" else f"peer-{i}.db")
        remove(out)
        cmd = tool_command(tool, export, out, biolake_cmd)
        m = run_measured(cmd)
        if m.returncode != 0:
            tail = "\n".join(m.stderr.splitlines()[-25:])
            raise ToolFailed(f"{tool} exited {m.returncode}: {shlex.join(cmd)}\n--- stderr tail ---\n{tail}")
        if tool == "biolake":
            try:
                report = json.loads(m.stdout)
            except json.JSONDecodeError as exc:
                raise ToolFailed(f"biolake printed no JSON report ({exc}): {m.stdout[-500:]!r}") from exc
            if not isinstance(report, list) or not report or not report[0].get("rows_new"):
                raise ToolFailed(f"biolake ingested nothing: {m.stdout[-500:]}")
        output_bytes = disk_usage(out) if out.exists() else 0
        remove(out)
        walls.append(m.wall_s)
        trees.append(m.peak_tree_rss)
        singles.append(m.peak_single_rss)
    wall = statistics.median(walls)
    result: dict[str, Any] = {
        "command": shlex.join(tool_command(tool, export, Path("OUT"), biolake_cmd)),
        "wall_s": round(wall, 3),
        "wall_s_runs": [round(w, 3) for w in walls],
        "mb_per_s": round(meta["bytes"] / MB / wall, 2),
        "rows_per_s": round(meta["rows"]["total"] / wall),
        "peak_rss_tree_mb": round(max(trees) / MIB, 1),
        "peak_rss_single_mb": round(max(singles) / MIB, 1),
        "output_mb": round(output_bytes / MB, 1),
    }
    if report is not None:
        result["report"] = report
    return result


# --------------------------------------------------------------------------- reading the results


def ratios(entry: dict[str, Any]) -> tuple[float | None, float | None]:
    """(peer wall / biolake wall, peer peak tree RSS / biolake peak tree RSS); None if either is missing."""
    ours, peer = entry.get("biolake"), entry.get(PEER)
    if not ours or not peer:
        return None, None
    return (
        round(peer["wall_s"] / ours["wall_s"], 2),
        round(peer["peak_rss_tree_mb"] / ours["peak_rss_tree_mb"], 2),
    )


def check_results(sizes: list[dict[str, Any]]) -> list[str]:
    """The --check rules; return one message per violation (empty: pass)."""
    failures: list[str] = []
    measured = sorted((e for e in sizes if e.get("biolake")), key=lambda e: e["file_mb"])
    if len(measured) < len(sizes) or not sizes:
        failures.append("biolake was not measured at every size")
    for e in sizes:
        ours, peer = e.get("biolake"), e.get(PEER)
        label = f"{e['file_mb']:g} MB"
        if ours and ours["peak_rss_tree_mb"] >= MAX_RSS_MB:
            failures.append(
                f"{label}: biolake peak tree RSS {ours['peak_rss_tree_mb']} MB >= {MAX_RSS_MB:g} MB"
            )
        if e["file_mb"] < SPEED_FLOOR_MB:
            continue  # the speed floor is defined on a >= 300 MB file; smaller sizes show memory flatness
        if not peer:
            failures.append(f"{label}: {PEER} not measured, so the speed-up cannot be checked")
        elif ours:
            speedup = peer["wall_s"] / ours["wall_s"]
            if speedup < MIN_SPEEDUP:
                failures.append(
                    f"{label}: biolake only {speedup:.2f}x faster than {PEER} (< {MIN_SPEEDUP:g}x)"
                )
    if sizes and all(e["file_mb"] < SPEED_FLOOR_MB for e in sizes):
        failures.append(f"the speed floor needs a file of at least {SPEED_FLOOR_MB:g} MB")
    if len(measured) >= 2:
        small, large = measured[0]["biolake"], measured[-1]["biolake"]
        growth = large["peak_rss_tree_mb"] / small["peak_rss_tree_mb"]
        if growth > MAX_RSS_GROWTH:
            failures.append(
                f"biolake peak RSS grows {growth:.2f}x from {measured[0]['file_mb']:g} MB to "
                f"{measured[-1]['file_mb']:g} MB (> {MAX_RSS_GROWTH:g}x): memory is not flat"
            )
    return failures


def format_table(sizes: list[dict[str, Any]]) -> str:
    header = ("size MB", "tool", "wall s", "MB/s", "rows/s", "peak RSS MB (tree)", "peak RSS MB (1 proc)")
    rows: list[tuple[str, ...]] = [header]
    notes: list[str] = []
    for e in sizes:
        for tool in TOOLS:
            r = e.get(tool)
            if r:
                rows.append(
                    (
                        f"{e['file_mb']:.1f}",
                        tool,
                        f"{r['wall_s']:.2f}",
                        f"{r['mb_per_s']:.1f}",
                        f"{r['rows_per_s']:,}",
                        f"{r['peak_rss_tree_mb']:.1f}",
                        f"{r['peak_rss_single_mb']:.1f}",
                    )
                )
        speed, memory = ratios(e)
        if speed is not None:
            notes.append(
                f"{e['file_mb']:.1f} MB: speed ratio {speed:.1f} (peer time / biolake time), "
                f"memory ratio {memory:.2f} (peer peak tree RSS / biolake's)"
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 1 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines + (["", *notes] if notes else []))


def machine_info() -> dict[str, Any]:
    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count_logical": psutil.cpu_count(logical=True),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "versions": {d: version(d) for d in ("biolake", PEER, "sqlite-utils", "duckdb", "pyarrow", "psutil")},
    }


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--sizes", default="150,300", help="comma-separated export sizes in MB (default 150,300)")
    p.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where generated exports are cached and tools write (default {DEFAULT_WORKDIR})",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON (default %(default)s)")
    p.add_argument("--runs", type=int, default=1, help="runs per tool and size; median wall, max RSS")
    p.add_argument("--seed", type=int, default=7, help="generator seed")
    p.add_argument("--skip-peer", action="store_true", help=f"do not run {PEER}")
    p.add_argument("--skip-biolake", action="store_true", help="do not run biolake (measure the peer alone)")
    p.add_argument(
        "--biolake-cmd",
        default=None,
        help="command that starts biolake (default: the biolake script beside this Python)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 unless biolake is >= {MIN_SPEEDUP:g}x faster, < {MAX_RSS_MB:g} MB peak RSS, "
        f"and its RSS at the largest size is within {MAX_RSS_GROWTH:g}x of the smallest",
    )
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes_mb = [float(s) for s in args.sizes.split(",") if s.strip()]
    skipped = {PEER} if args.skip_peer else set()
    if args.skip_biolake:
        skipped.add("biolake")
    tools = [t for t in TOOLS if t not in skipped]
    default_cmd = [find_executable("biolake") or "biolake"]
    biolake_cmd = shlex.split(args.biolake_cmd) if args.biolake_cmd else default_cmd
    args.workdir.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    try:
        for size in sizes_mb:
            export, meta = ensure_export(args.workdir, size, args.seed)
            entry: dict[str, Any] = {
                "size_mb": size,
                "file": str(export),
                "file_mb": round(meta["bytes"] / MB, 1),
                "days": meta["days"],
                "rows": meta["rows"],
                "generate_s": meta["generate_s"],
            }
            for tool in tools:
                print(f"{size:g} MB: running {tool} ...", file=sys.stderr, flush=True)
                with tempfile.TemporaryDirectory(dir=args.workdir, prefix=f"run-{tool}-") as scratch:
                    entry[tool] = measure_tool(tool, export, meta, args.runs, Path(scratch), biolake_cmd)
            entry["speed_ratio"], entry["memory_ratio"] = ratios(entry)
            entries.append(entry)
    except ToolFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(entries))
    results = {
        "benchmark": "healthkit-xml-ingest",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "runs": args.runs,
        "seed": args.seed,
        "rss_sample_interval_s": 0.02,
        "sizes": entries,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    if args.check:
        failures = check_results(entries)
        for f in failures:
            print(f"CHECK FAILED: {f}", file=sys.stderr)
        if failures:
            return 1
        print("check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
