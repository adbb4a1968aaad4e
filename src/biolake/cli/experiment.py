"""``biolake experiment start|stop|list|analyze``: self-experiments stored in the lake."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from biolake.cli.render import emit, out
from biolake.cli.state import DAY_FORMATS, OutputFormat, state

if TYPE_CHECKING:
    from biolake.lake.paths import LakePaths

experiment_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Self-experiments: an intervention period against its baseline, stored in the lake.",
)

DayOpt = Annotated[
    datetime | None, typer.Option("--on", formats=DAY_FORMATS, help="The day (default today).")
]


def _paths(ctx: typer.Context) -> LakePaths:
    from biolake.lake.paths import LakePaths

    return LakePaths.at(state(ctx).settings().lake)


@experiment_app.command()
def start(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the experiment.")],
    metric: Annotated[
        str, typer.Option("--metric", help="The daily metric to watch (a daily_summary column).")
    ],
    hypothesis: Annotated[str | None, typer.Option("--hypothesis", help="What you expect, in words.")] = None,
    control: Annotated[
        str | None, typer.Option("--control", help="A control metric for difference-in-differences.")
    ] = None,
    baseline_days: Annotated[
        int, typer.Option("--baseline-days", help="Days before the start used as baseline.")
    ] = 28,
    on: DayOpt = None,
) -> None:
    """Start an experiment today (or --on a day)."""
    from biolake.insights.experiments import start_experiment

    exp = start_experiment(
        _paths(ctx), name, metric, on.date() if on else None, hypothesis, control, baseline_days
    )
    if not state(ctx).quiet:
        out.print(f"experiment {exp.name!r} started on {exp.start}, watching {exp.metric}", highlight=False)


@experiment_app.command()
def stop(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The experiment to stop.")],
    on: DayOpt = None,
) -> None:
    """Stop a running experiment today (or --on its last day)."""
    from biolake.insights.experiments import stop_experiment

    exp = stop_experiment(_paths(ctx), name, on.date() if on else None)
    if not state(ctx).quiet:
        out.print(f"experiment {exp.name!r} stopped on {exp.stop}", highlight=False)


@experiment_app.command("list")
def list_experiments(ctx: typer.Context) -> None:
    """Every experiment, running or stopped."""
    from dataclasses import asdict

    from biolake.insights.experiments import load_experiments

    rows = [asdict(e) for e in load_experiments(_paths(ctx))]
    st = state(ctx)
    if not rows and st.format is OutputFormat.table:
        out.print("no experiments yet: 'biolake experiment start NAME --metric …'")
        return
    emit(
        rows,
        st.format,
        columns=["name", "metric", "start", "stop", "control_metric", "baseline_days", "hypothesis"],
    )


@experiment_app.command()
def analyze(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The experiment to analyze.")],
) -> None:
    """Bayesian estimate of the change (credible interval), block bootstrap and difference-in-differences."""
    import json
    import sys

    from biolake.cli.render import plain
    from biolake.insights.data import LakeData
    from biolake.insights.experiments import analyze_experiment

    st = state(ctx)
    doc = analyze_experiment(LakeData(_paths(ctx), st.settings().subject), name)
    if st.format is OutputFormat.json:
        sys.stdout.write(json.dumps(plain(doc), indent=2, ensure_ascii=False) + "\n")
        return
    e, d = doc["estimate"], doc["difference_in_differences"]
    row = {
        "baseline_mean": e["baseline_mean"],
        "intervention_mean": e["intervention_mean"],
        "posterior_mean": e["posterior_mean"],
        "credible_low": e["credible_low"],
        "credible_high": e["credible_high"],
        "prob_increase": e["prob_increase"],
        "did": d["estimate"] if d else None,
        "did_low": d["low"] if d else None,
        "did_high": d["high"] if d else None,
    }
    emit([row], st.format)
    if st.format is OutputFormat.table:
        out.print(doc["narrative"], highlight=False)
        out.print(f"prior: {doc['prior']}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(experiment_app, name="experiment")
