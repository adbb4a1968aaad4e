"""``biolake ml``: next-day forecasts of readiness (or HRV, resting HR, sleep score) with walk-forward
validation, versioned models and explanations."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from biolake.cli.render import emit, err, out, plain
from biolake.cli.state import OutputFormat, parse_day, state

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Readiness predictor: honest next-day forecasts, walk-forward backtests, model versions.",
    no_args_is_help=True,
)

TargetOpt = Annotated[
    str,
    typer.Option("--target", "-t", help="What to forecast: readiness, hrv, resting_hr or sleep_score."),
]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model", "-m", help="auto (chosen inside each training window), ridge, elasticnet, lightgbm."
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed (default: [ml] seed, else 0).")]


def _warn(messages: list[str], quiet: bool) -> None:
    if not quiet:
        for message in messages:
            err.print(f"warning: {message}", highlight=False)


def _write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(plain(data), indent=2, ensure_ascii=False) + "\n")


def _backtest_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {
            "forecast": f"model ({summary['model']})",
            "mae": summary["mae"],
            "rmse": summary["rmse"],
            "r2": summary["r2"],
        }
    ]
    for name, s in summary["baselines"].items():
        best = " (best)" if name == summary["baseline"] else ""
        rows.append({"forecast": f"baseline: {name}{best}", **s})
    return rows


def _backtest_text(summary: dict[str, Any]) -> str:
    lo, hi = summary["skill_ci"]
    return (
        f"{summary['target']}: {summary['n']} days forecast "
        f"({summary['first_day']} to {summary['last_day']}, "
        f"{summary['folds']} weekly folds); skill vs {summary['baseline']}: {summary['skill']:+.1%} "
        f"(95% CI {lo:+.1%} to {hi:+.1%}); {summary['interval_nominal']:.0%} intervals covered "
        f"{summary['interval_coverage']:.1%}"
    )


def train(
    ctx: typer.Context, target: TargetOpt = "readiness", model: ModelOpt = "auto", seed: SeedOpt = None
) -> None:
    """Backtest, then fit the model on every day and save it as a new version with a model card."""
    from biolake.ml.train import train as run_train

    st = state(ctx)
    result = run_train(st.settings(), target=target, model=model, seed=seed)
    _warn(result.warnings, st.quiet)
    card = result.card
    if st.format is OutputFormat.json:
        _write_json({"path": str(result.version.path), **card})
        return
    if st.quiet:
        return
    summary = result.backtest.summary()
    emit(_backtest_rows(summary), st.format, title=f"{target} model {card['version']}: walk-forward backtest")
    if st.format is OutputFormat.table:
        out.print(_backtest_text(summary), highlight=False)
        out.print(
            f"saved {card['version']} ({card['model']['family']}, {card['data']['n']} days to "
            f"{card['data']['last_day']}) in {result.version.path}",
            highlight=False,
        )


def backtest(
    ctx: typer.Context, target: TargetOpt = "readiness", model: ModelOpt = "auto", seed: SeedOpt = None
) -> None:
    """Walk-forward backtest (expanding window, 7-day steps) against the baselines; saves nothing."""
    from biolake.ml.train import backtest as run_backtest

    st = state(ctx)
    result = run_backtest(st.settings(), target=target, model=model, seed=seed)
    _warn(result.warnings, st.quiet)
    summary = result.summary()
    if st.format is OutputFormat.json:
        _write_json(summary)
        return
    emit(_backtest_rows(summary), st.format, title=f"{target}: walk-forward backtest")
    if st.format is OutputFormat.table:
        out.print(_backtest_text(summary), highlight=False)


def predict(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", "-d", help="Day to forecast, YYYY-MM-DD (default: the last day).")
    ] = None,
    target: TargetOpt = "readiness",
    top: Annotated[int, typer.Option("--top", help="Contributing features to show.")] = 5,
) -> None:
    """Forecast a day with the latest model: value, prediction interval, top contributing features."""
    from biolake.ml.predict import predict_day

    st = state(ctx)
    p = predict_day(st.settings(), parse_day(day, "--date"), target=target)
    data = p.as_dict(top=top)
    if st.format is OutputFormat.json:
        _write_json(data)
        return
    rows = [
        {"feature": c["feature"], "value": c["value"], "contribution": c["contribution"]}
        for c in data["top_features"]
    ]
    actual = "" if p.actual is None else f"; actual {p.actual:g}"
    if st.format is OutputFormat.table:
        out.print(
            f"{p.target} on {p.day}: {p.value:.1f} "
            f"({p.coverage:.0%} interval {p.lower:.1f} to {p.upper:.1f}; "
            f"model {p.version}{actual})",
            highlight=False,
        )
    emit(rows, st.format, title=f"top features (contribution to the forecast; base {p.base:.1f})")


def explain(
    ctx: typer.Context,
    target: TargetOpt = "readiness",
    top: Annotated[int, typer.Option("--top", help="Features to show (0: all).")] = 15,
) -> None:
    """The latest model's feature importance (mean absolute contribution) and what it leaves out."""
    from biolake.lake.paths import LakePaths
    from biolake.ml.registry import latest

    st = state(ctx)
    version = latest(LakePaths.at(st.settings().lake), target)
    card = version.card()
    rows = card["importance"][:top] if top else card["importance"]
    if st.format is OutputFormat.json:
        _write_json(
            {
                "version": card["version"],
                "target": target,
                "model": card["model"]["family"],
                "importance": rows,
                "excluded": card["excluded"],
            }
        )
        return
    emit(rows, st.format, title=f"{target} model {card['version']} ({card['model']['family']}): importance")
    if st.format is OutputFormat.table:
        out.print(
            f"importance = mean |contribution| in {card['unit']}; direction + means a higher value raises "
            f"the forecast. {len(card['excluded'])} columns excluded by the leakage audit "
            "(the night ending on the day forecast and the labels).",
            highlight=False,
        )


def history(ctx: typer.Context, target: TargetOpt = "readiness") -> None:
    """Every saved version: backtest metrics and how the top features' importance shares drift."""
    from biolake.lake.paths import LakePaths
    from biolake.ml.registry import history as read_history

    st = state(ctx)
    rows = read_history(LakePaths.at(st.settings().lake), target)
    if st.format is OutputFormat.table:  # readable at a glance: minutes, three decimals
        rows = [
            {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}
            | {"trained_at": str(r["trained_at"])[:16].replace("T", " ")}
            for r in rows
        ]
    emit(rows, st.format, title=f"{target} model versions")


def register(root: typer.Typer) -> None:
    for command in (train, backtest, predict, explain, history):
        app.command()(command)
    root.add_typer(app, name="ml")
