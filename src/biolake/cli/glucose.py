"""``biolake glucose``: the CGM metric catalogue, episodes, AGP and meal (and workout) responses."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from biolake.cli.render import emit, err
from biolake.cli.state import DAY_FORMATS, OutputFormat, state

if TYPE_CHECKING:
    from biolake.lake.paths import LakePaths

app = typer.Typer(
    rich_markup_mode="markdown", help="Glycemic analytics on the lake's CGM readings.", no_args_is_help=True
)


class Units(StrEnum):
    mgdl = "mgdl"
    mmol = "mmol"


Subject = Annotated[str | None, typer.Option("--subject", help="Only this subject (default: every one).")]
From = Annotated[
    datetime | None, typer.Option("--from", formats=DAY_FORMATS, help="First local date (inclusive).")
]
To = Annotated[
    datetime | None, typer.Option("--to", formats=DAY_FORMATS, help="Last local date (inclusive).")
]
UnitsOpt = Annotated[Units, typer.Option("--units", help="Glucose units of the output.")]


def _period(
    ctx: typer.Context, start: datetime | None, end: datetime | None
) -> tuple[LakePaths, date | None, date | None]:
    from biolake.errors import ConfigError, LakeError
    from biolake.lake.paths import LakePaths

    paths = LakePaths.at(state(ctx).settings().lake)
    if not paths.exists():
        raise LakeError(f"no lake at {paths.root}: import exports with 'biolake ingest PATH' first")
    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and first > last:
        raise ConfigError(f"--from {first} is after --to {last}")
    return paths, first, last


MEAL_TABLE = (
    "subject_id",
    "local_ts",
    "meal",
    "carbs_g",
    "baseline",
    "peak_rise",
    "time_to_peak_min",
    "iauc_2h",
    "return_to_baseline_min",
    "rise_per_10g_carbs",
    "rank_by_carbs",
    "reason",
)


def _show(
    ctx: typer.Context, rows: list[dict[str, Any]], title: str, empty: str, narrow: tuple[str, ...] = ()
) -> None:
    """Rows in the chosen format; a table shows only the ``narrow`` columns (by prefix) when given."""
    st = state(ctx)
    if not rows and st.format is OutputFormat.table:
        if not st.quiet:
            err.print(empty)
        return
    columns = None
    if narrow and st.format is OutputFormat.table:
        columns = [c for c in rows[0] if any(c == n or c.startswith(n + "_") for n in narrow)]
    emit(rows, st.format, columns=columns, title=title)


def _range(text: str) -> tuple[float, float]:
    from biolake.errors import ConfigError

    lo, sep, hi = text.partition("-")
    try:
        bounds = (float(lo), float(hi))
    except ValueError:
        bounds = (0.0, -1.0)
    if not sep or bounds[0] > bounds[1]:
        raise ConfigError(f"--in-range {text!r} is not LOW-HIGH in mg/dL, e.g. 70-140")
    return bounds


Ranges = Annotated[
    list[str] | None, typer.Option("--in-range", help="Also % in LOW-HIGH mg/dL (repeatable).")
]
Below = Annotated[list[float] | None, typer.Option("--below", help="Also % below X mg/dL (repeatable).")]
Above = Annotated[list[float] | None, typer.Option("--above", help="Also % above X mg/dL (repeatable).")]


@app.command("summary")
def summary(
    ctx: typer.Context,
    subject: Subject = None,
    start: From = None,
    end: To = None,
    units: UnitsOpt = Units.mgdl,
    in_range: Ranges = None,
    below: Below = None,
    above: Above = None,
) -> None:
    """Every metric of iglu's catalogue per subject (keys are iglu's names; docs/glucose.md)."""
    from biolake.glucose.metrics import DEFAULT_THRESHOLDS
    from biolake.glucose.summary import summarize

    paths, first, last = _period(ctx, start, end)
    extra = DEFAULT_THRESHOLDS.extended(
        tuple(_range(r) for r in in_range or ()), tuple(below or ()), tuple(above or ())
    )
    records = summarize(paths, subject=subject, start=first, end=last, units=units.value, thresholds=extra)
    st = state(ctx)
    if st.format is not OutputFormat.table:
        emit(records, st.format)
        return
    if not records:
        err.print("no CGM readings in the lake for this period")
        return
    # people read one column per subject, one row per metric
    rows = [
        {"metric": key, **{r["id"]: r[key] for r in records}}
        for key in records[0]
        if key not in ("id", "undefined")
    ]
    emit(rows, st.format, title=f"glucose summary ({records[0]['units']})")
    for r in records:
        for metric, reason in r["undefined"].items():
            err.print(f"{r['id']}: {metric} undefined: {reason}", highlight=False)


@app.command("episodes")
def episodes_cmd(
    ctx: typer.Context,
    subject: Subject = None,
    start: From = None,
    end: To = None,
    units: UnitsOpt = Units.mgdl,
) -> None:
    """Hypo- and hyperglycemic episodes (consensus rules: 15 min to start, 15 min to end)."""
    from biolake.glucose.episodes import episode_rows

    paths, first, last = _period(ctx, start, end)
    rows = episode_rows(paths, subject=subject, start=first, end=last, units=units.value)
    _show(ctx, rows, "glucose episodes", "no episodes in this period")


@app.command("agp")
def agp_cmd(
    ctx: typer.Context,
    subject: Subject = None,
    start: From = None,
    end: To = None,
    units: UnitsOpt = Units.mgdl,
    daily: Annotated[
        bool, typer.Option("--daily", help="Daily profiles instead of the percentiles.")
    ] = False,
) -> None:
    """Ambulatory Glucose Profile: smoothed 5/25/50/75/95th percentiles per 5 minutes of the day."""
    from biolake.glucose.agp import agp

    paths, first, last = _period(ctx, start, end)
    result = agp(paths, subject=subject, start=first, end=last, units=units.value)
    rows = result.daily if daily else result.profile
    _show(ctx, rows, f"AGP ({result.units})", "no CGM readings in this period")


@app.command("meals")
def meals_cmd(
    ctx: typer.Context,
    subject: Subject = None,
    start: From = None,
    end: To = None,
    units: UnitsOpt = Units.mgdl,
    foods: Annotated[bool, typer.Option("--foods", help="Rank foods by rise per 10 g of carbs.")] = False,
    workouts: Annotated[bool, typer.Option("--workouts", help="Glucose around workouts instead.")] = False,
) -> None:
    """Glucose response to each timed meal (baseline, peak rise, time to peak, 2-h iAUC), or --workouts."""
    from biolake.glucose.meals import food_ranking, meals
    from biolake.glucose.meals import workouts as workout_rows

    paths, first, last = _period(ctx, start, end)
    if workouts:
        rows = workout_rows(paths, subject=subject, start=first, end=last, units=units.value)
        _show(ctx, rows, "glucose around workouts", "no workouts in this period")
        return
    rows = meals(paths, subject=subject, start=first, end=last, units=units.value)
    if foods:
        rows = food_ranking(rows)
    _show(
        ctx,
        rows,
        "meal glucose responses",
        "no meals with a known time in this period",
        () if foods else MEAL_TABLE,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="glucose")
