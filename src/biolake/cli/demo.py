"""``biolake demo``: write the demo dataset's export files and ingest them into the lake."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from biolake.cli.render import emit, err, out, plain
from biolake.cli.state import OutputFormat, parse_day, state

if TYPE_CHECKING:
    from biolake.demo.run import DemoResult
    from biolake.lake.ingest import FileResult
    from biolake.transform.build import BuildResult


def _file_rows(result: DemoResult) -> list[dict[str, Any]]:
    by_path = {r.file: r for r in result.results}
    rows = []
    for f in result.manifest.files:
        outcome = [r for p, r in by_path.items() if p == str(f.path) or p.startswith(f"{f.path}!")]
        rows.append(
            {
                "subject": f.subject,
                "source": f.source,
                "file": str(f.path.relative_to(result.manifest.out_dir)),
                "tz": f.timezone,
                "rows written": sum(f.rows.values()),
                "status": ", ".join(sorted({r.status for r in outcome})),
                "rows new": sum(r.rows_new for r in outcome),
            }
        )
    return rows


def _gold_line(gold: BuildResult) -> str:
    if not gold.success and gold.error:
        return f"build failed ({gold.error})"
    models = sum(1 for n in gold.nodes if n.resource_type == "model" and n.status == "success")
    tests = [n for n in gold.nodes if n.resource_type == "test"]
    passed = sum(1 for n in tests if n.status == "pass")
    return f"{models} models built, {passed}/{len(tests)} tests passed in {gold.seconds:.1f} s"


def demo(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="Days of data per subject, ending on --end.")] = 365,
    subjects: Annotated[int, typer.Option("--subjects", help="Number of people ('me', or demo01…).")] = 1,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed writes the same files.")
    ] = 0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the exports (default: demo-exports beside the lake)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Last day of the data, YYYY-MM-DD (default 2026-11-14).")
    ] = None,
    no_build: Annotated[
        bool, typer.Option("--no-build", help="Only generate and ingest; do not build gold.")
    ] = False,
) -> None:
    """Generate realistic Apple Health, Oura, Peloton, MyFitnessPal and Dexcom exports with planted
    relationships (docs/demo.md), ingest them, build gold. Same arguments, same lake: a rerun is a no-op."""
    from biolake.demo.run import demo as run_demo
    from biolake.demo.timeline import DEFAULT_END

    st = state(ctx)
    settings = st.settings()
    last = parse_day(end, "--end") or DEFAULT_END

    def on_result(result: FileResult) -> None:
        if result.error:
            err.print(f"[bold red]error:[/] {escape(result.error)}", highlight=False)

    if not st.quiet and st.format is OutputFormat.table:
        err.print(f"generating {days} days for {subjects} subject(s), seed {seed} …", highlight=False)
    result = run_demo(
        settings,
        out_dir=out_dir,
        days=days,
        subjects=subjects,
        seed=seed,
        end=last,
        on_result=on_result,
        build=not no_build,
    )
    gold = result.build
    failed = any(r.status == "failed" for r in result.results) or bool(
        gold and (gold.failed or not gold.success)
    )
    if st.format is OutputFormat.json:
        sys.stdout.write(json.dumps(plain(result.to_dict()), indent=2, ensure_ascii=False) + "\n")
    elif not st.quiet:
        m = result.manifest
        emit(_file_rows(result), st.format, title=f"demo exports in {m.out_dir}")
        entities = [{"entity": k, **v} for k, v in result.entity_counts().items()]
        if entities:  # empty when every file was already imported
            emit(entities, st.format, title="rows per silver entity")
        if gold is not None and (gold.failed or gold.warned or not gold.success):
            from biolake.cli.build import failure_rows

            emit(failure_rows(gold), st.format, title="gold build: failures")
        if st.format is OutputFormat.table:
            built = "" if gold is None else f"gold: {_gold_line(gold)}. "
            out.print(built, end="", highlight=False)
            out.print(
                f"{m.start} → {m.end}, seed {m.seed}: written in {m.seconds:.1f} s, "
                f"done in {result.seconds:.1f} s; "
                f"lake at {settings.lake}. The planted relationships are listed in docs/demo.md.",
                highlight=False,
            )
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(demo)
