"""``biolake insights`` (run analyzers, ``discover`` correlations) and ``biolake whatif``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from biolake.cli.render import emit, err, out, plain
from biolake.cli.state import DAY_FORMATS, OutputFormat, State, state

if TYPE_CHECKING:
    from biolake.insights.data import LakeData


class DefaultRun(TyperGroup):
    """``biolake insights NAME…`` means ``biolake insights run NAME…``; subcommands keep their names."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # a click Context
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


insights_app = typer.Typer(
    rich_markup_mode="markdown",
    cls=DefaultRun,
    help="Statistical insights over the gold marts: run analyzers (NAME…, default all) or discover "
    "correlations.",
    no_args_is_help=False,
)

FromOpt = Annotated[
    datetime | None, typer.Option("--from", formats=DAY_FORMATS, help="First day (YYYY-MM-DD).")
]
ToOpt = Annotated[datetime | None, typer.Option("--to", formats=DAY_FORMATS, help="Last day (YYYY-MM-DD).")]
FormatOpt = Annotated[
    OutputFormat | None, typer.Option("--format", help="Output format (overrides the global --format).")
]


def _data(st: State, start: datetime | None = None, end: datetime | None = None) -> LakeData:
    from biolake.insights.data import InsightError, LakeData
    from biolake.lake.paths import LakePaths

    settings = st.settings()
    paths = LakePaths.at(settings.lake)
    if not paths.catalog.is_file():
        raise InsightError(f"{paths.root}: no lake here (run 'biolake init' and import data first)")
    if start and end and start > end:
        raise InsightError(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
    return LakeData(paths, settings.subject, start.date() if start else None, end.date() if end else None)


def _json(doc: Any) -> None:
    sys.stdout.write(json.dumps(plain(doc), indent=2, ensure_ascii=False) + "\n")


@insights_app.command("run")
def run(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(help="Analyzers to run (default: all); see 'biolake insights list'.")
    ] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Run one, several or all analyzers: numbers (n, effect size, interval, p-value), verdict, narrative."""
    from biolake.insights.registry import run_insights

    st = state(ctx)
    doc = run_insights(_data(st, start, end), names)
    fmt = fmt or st.format
    if fmt is OutputFormat.json:
        _json(doc)
        return
    rows = [
        {
            "insight": r["name"],
            "verdict": r["verdict"],
            "finding": f["label"],
            "method": f["method"],
            "n": f["n"],
            "effect_name": f["effect_name"],
            "effect": f["effect"],
            "low": f["interval"]["low"],
            "high": f["interval"]["high"],
            "p_value": f["p_value"],
            "unit": f["unit"],
        }
        for r in doc["results"]
        for f in r["findings"]
        or [
            {
                "label": "",
                "method": "",
                "n": r["n"],
                "effect_name": "",
                "effect": None,
                "interval": {"low": None, "high": None},
                "p_value": None,
                "unit": None,
            }
        ]
    ]
    if fmt is OutputFormat.csv:
        emit(rows, fmt)
        return
    for r in doc["results"]:
        out.print(
            f"[bold]{r['title']}[/] [dim]({r['name']}: {r['verdict'].replace('_', ' ')})[/]", highlight=False
        )
        out.print(r["narrative"], highlight=False)
        found = [row for row in rows if row["insight"] == r["name"] and row["finding"]]
        if found and not st.quiet:
            emit([{k: v for k, v in row.items() if k not in ("insight", "verdict")} for row in found], fmt)
        out.print()


@insights_app.command("list")
def list_insights(ctx: typer.Context) -> None:
    """The analyzers by name."""
    from biolake.insights.registry import ANALYZERS

    emit([{"name": a.name, "title": a.title} for a in ANALYZERS.values()], state(ctx).format)


@insights_app.command("discover")
def discover(
    ctx: typer.Context,
    start: FromOpt = None,
    end: ToOpt = None,
    q: Annotated[
        float, typer.Option("--q", min=0.0001, max=0.5, help="False discovery rate (Benjamini-Hochberg).")
    ] = 0.05,
    min_n: Annotated[int, typer.Option("--min-n", min=5, help="Fewest paired days a test needs.")] = 30,
    floor: Annotated[
        float, typer.Option("--min-effect", min=0.0, max=1.0, help="Smallest |rho| reported as a discovery.")
    ] = 0.1,
    max_lag: Annotated[int, typer.Option("--max-lag", min=0, max=14, help="Largest lag in days.")] = 3,
    top: Annotated[int, typer.Option("--top", min=0, help="Show the N strongest discoveries (0: all).")] = 30,
    all_tests: Annotated[bool, typer.Option("--all", help="Show every test, not only discoveries.")] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Recompute even when the cached run still fits.")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Every pair of daily metrics at lags 0..3: Spearman with FDR control, cached in the lake, ranked."""
    from biolake.insights.discover import Settings, run_discovery

    st = state(ctx)
    result = run_discovery(_data(st, start, end), Settings(max_lag, min_n, floor, q), refresh=refresh)
    table = result.results if all_tests else result.results[result.results["discovered"]]
    if top:
        table = table.head(top)
    rows = [
        {
            k: (round(v, 4) if isinstance(v, float) and k not in ("p_value", "q_value") else v)
            for k, v in r.items()
        }
        for r in table.to_dict("records")
    ]
    fmt = fmt or st.format
    if fmt is OutputFormat.json:
        _json(
            {
                "schema": "biolake.discover/1",
                "run_at": result.run_at,
                "cached": result.cached,
                "fingerprint": result.fingerprint,
                "tests": result.tests,
                "discoveries": int(result.results["discovered"].sum()) if result.tests else 0,
                "settings": {"q": q, "min_n": min_n, "min_effect": floor, "max_lag": max_lag},
                "pairs": rows,
            }
        )
        return
    emit(
        rows,
        fmt,
        columns=["x", "y", "lag_days", "n", "rho", "ci_low", "ci_high", "p_value", "q_value", "discovered"],
        title="correlations (x on day d, y on day d + lag)",
    )
    if fmt is OutputFormat.table and not st.quiet:
        found = int(result.results["discovered"].sum()) if result.tests else 0
        err.print(
            f"{found} discoveries in {result.tests} tests at q = {q}"
            f"{' (cached run)' if result.cached else ''}; associations, not causes.",
            highlight=False,
        )


def whatif(
    ctx: typer.Context,
    sleep_score: Annotated[
        float | None,
        typer.Option(
            "--sleep-score", min=0, max=100, help="Tonight's sleep score (default: your recent median)."
        ),
    ] = None,
    workout: Annotated[
        list[str] | None,
        typer.Option("--workout", help="Today's workout in words, e.g. 'cycling 45min hard' (repeatable)."),
    ] = None,
    tss: Annotated[
        float | None,
        typer.Option("--tss", min=0, max=1000, help="Today's training stress instead of --workout."),
    ] = None,
    plan: Annotated[
        Path | None, typer.Option("--plan", help="A YAML plan of several days (see docs/insights.md).")
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="auto: the trained readiness model ('biolake ml train') when there is one, else the "
            "regression; ml; regression.",
        ),
    ] = "auto",
    fmt: FormatOpt = None,
) -> None:
    """Predicted next-day readiness for a workout and a night's sleep, or over a multi-day plan."""
    from biolake.insights.data import InsightError
    from biolake.insights.whatif import MODEL_CHOICES, PlanDay, read_plan
    from biolake.insights.whatif import whatif as predict
    from biolake.insights.workouts import parse_workout

    st = state(ctx)
    if model not in MODEL_CHOICES:
        raise InsightError(f"--model: '{model}' is not one of {', '.join(MODEL_CHOICES)}")
    if plan is not None:
        if workout or tss is not None or sleep_score is not None:
            raise InsightError(
                "--plan: give the days in the plan file, not with --workout/--tss/--sleep-score"
            )
        days = read_plan(plan)
    else:
        days = [PlanDay(tuple(parse_workout(w) for w in workout or ()), tss, sleep_score)]
    doc = predict(_data(st), days, prefer=model)
    fmt = fmt or st.format
    if fmt is OutputFormat.json:
        _json(doc)
        return
    rows = [{**r, "workouts": "; ".join(r["workouts"])} for r in doc["days"]]
    emit(
        rows,
        fmt,
        columns=[
            "day",
            "workouts",
            "tss",
            "ctl",
            "atl",
            "tsb_next_morning",
            "sleep_score",
            "predicted_for",
            "readiness",
            "readiness_low",
            "readiness_high",
        ],
    )
    if fmt is OutputFormat.table:
        out.print(doc["narrative"], highlight=False)
        if doc["model_note"] and not st.quiet:
            err.print(f"model: {doc['model']} ({doc['model_note']})", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(insights_app, name="insights")
    app.command()(whatif)
    from biolake.cli import experiment

    experiment.register(app)
