"""``biolake build``: the gold layer and its data-quality gate."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from biolake.cli.render import emit, err, out, plain
from biolake.cli.state import OutputFormat, state

if TYPE_CHECKING:
    from biolake.transform.build import BuildResult, NodeResult

SLOWEST = 10


def _example(node: NodeResult) -> str:
    if not node.examples:
        return ""
    return "; ".join(json.dumps(plain(row), ensure_ascii=False, default=str)[:160] for row in node.examples)


def _message(node: NodeResult) -> str:
    if node.resource_type != "test":
        return node.message
    return "; ".join(f"{check}: {n} row{'' if n == 1 else 's'}" for check, n in node.checks.items())


def failure_rows(result: BuildResult) -> list[dict[str, Any]]:
    """One row per failing or warning node, with the rules that failed and example rows of failing tests."""
    return [
        {
            "severity": "error" if n.status in ("error", "fail") else "warn",
            "node": n.name,
            "type": n.resource_type,
            "failing_rows": n.failures,
            "message": _message(n),
            "examples": _example(n),
        }
        for n in result.failed + result.warned
    ]


def build(
    ctx: typer.Context,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", "-s", help="dbt node selection (repeatable), e.g. +daily_summary."),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch.")
    ] = False,
) -> None:
    """Build the gold models with dbt; failing data tests stop what depends on them (exit 1)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from biolake.transform.build import build as run_build

    st = state(ctx)
    show = not st.quiet and err.is_terminal and st.format is OutputFormat.table
    with Progress(
        TextColumn("[bold]dbt build"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_node(node: NodeResult) -> None:
            progress.update(task, advance=1, description=f"{node.name} {node.status}")

        result = run_build(st.settings(), select=select, full_refresh=full_refresh, on_node=on_node)
    _report(result, st.format, st.quiet)
    if result.failed or not result.success:
        raise typer.Exit(1)


def _report(result: BuildResult, fmt: OutputFormat, quiet: bool) -> None:
    if fmt is not OutputFormat.table:
        if fmt is OutputFormat.json:
            out.print_json(json.dumps(plain(result.to_dict()), default=str))
        else:
            emit([{k: v for k, v in vars(n).items() if k != "examples"} for n in result.nodes], fmt)
        return
    models = [n for n in result.nodes if n.resource_type in ("model", "seed", "snapshot")]
    tests = [n for n in result.nodes if n.resource_type == "test"]
    if not quiet:
        slow = sorted(models, key=lambda n: n.seconds, reverse=True)[:SLOWEST]
        rows = [{"model": n.name, "status": n.status, "seconds": n.seconds} for n in slow]
        emit(rows, fmt, title=f"slowest models ({len(models)} built)")
    problems = failure_rows(result)
    if problems:
        emit(problems, fmt, title="data-quality gate")
    passed = sum(1 for t in tests if t.status == "pass")
    line = (
        f"{len(models)} models, {len(tests)} tests: {passed} passed, {len(result.failed)} failed, "
        f"{len(result.warned)} warned, {len(result.skipped)} skipped in {result.seconds:.1f} s"
    )
    if result.failed or not result.success:
        err.print(
            f"error: gate failed: {line}" + (f" ({result.error})" if result.error else ""), highlight=False
        )
    elif not quiet:
        out.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(build)
