"""The AGP report's charts (inline SVG, matplotlib): the time-in-ranges bar, the percentile curves and the
daily profiles, drawn as the consensus AGP report draws them (targets 70–180 mg/dL in green, lows in
red, highs in yellow and orange, times of day 12am–12am)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from biolake.reports.charts import PALETTE, figure, to_svg

if TYPE_CHECKING:
    from biolake.reports.agp import RangeShare

TARGET = "#3ba935"
LOW = "#e8262c"
HIGH = "#fcc21b"
BAND_OUTER = "#c8d9ee"  # 5th–95th percentile
BAND_INNER = "#7ea7d8"  # 25th–75th
MEDIAN = "#16448f"
TOP_MGDL = 350.0  # the AGP report's glucose axis
HOURS = (0, 3, 6, 9, 12, 15, 18, 21, 24)


def _hour_label(hour: int) -> str:
    h = hour % 24
    return f"{12 if h % 12 == 0 else h % 12}{'am' if h < 12 else 'pm'}"


def time_in_ranges(ranges: Sequence[RangeShare]) -> str:
    """One stacked bar, very high on top: each band's height is its share (at least a sliver, so every
    band shows), with its label, share and time per day on the right."""
    fig = figure(3.3, 2.55)
    ax: Any = fig.add_axes((0.0, 0.02, 1.0, 0.96))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 100)
    minimum = 1.2
    heights = [max(r.percent, minimum) for r in ranges]
    total = sum(heights)
    heights = [h * 100 / total for h in heights]
    top = 100.0
    slots = [90.0, 70.0, 50.0, 30.0, 10.0]  # label rows, evenly spaced
    for r, h, slot in zip(ranges, heights, slots, strict=True):
        bottom = top - h
        ax.add_patch(_rect(0.2, bottom, 1.3, h, r.colour))
        mid = (top + bottom) / 2
        ax.plot([1.55, 2.0, 2.35], [mid, slot, slot], color=PALETTE["muted"], linewidth=0.5)
        ax.text(2.45, slot + 2.2, r.name, fontsize=7.5, fontweight="bold", color=PALETTE["ink"], va="center")
        ax.text(2.45, slot - 4.6, r.bounds, fontsize=6.5, color=PALETTE["muted"], va="center")
        share = "<1" if 0 < r.percent < 0.5 else f"{r.percent:.0f}"
        ax.text(7.55, slot + 2.2, f"{share}%", fontsize=9, fontweight="bold", ha="right", va="center")
        ax.text(
            9.95,
            slot + 2.2,
            f"({r.time_per_day})",
            fontsize=6.5,
            ha="right",
            va="center",
            color=PALETTE["muted"],
        )
        top = bottom
    return to_svg(fig)


def _rect(x: float, y: float, w: float, h: float, colour: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="white", linewidth=0.8)


def _glucose_axis(ax: Any, scale: float, unit: str, labels: bool = True) -> None:
    ticks = [t * scale for t in (54, 70, 180, 250, TOP_MGDL)]
    ax.set_ylim(0, TOP_MGDL * scale)
    ax.set_yticks(ticks)
    decimals = 1 if scale != 1.0 else 0
    ax.set_yticklabels([f"{t:.{decimals}f}" for t in ticks] if labels else [])
    for tick, align in zip(
        ax.get_yticklabels(), ("top", "bottom", "center", "center", "center"), strict=True
    ):
        tick.set_verticalalignment(align)  # 54 just below its line, 70 just above: they never overlap
    ax.grid(False)
    for y in (54, 250):
        ax.axhline(y * scale, color=PALETTE["grid"], linewidth=0.6, zorder=1)
    for y in (70, 180):
        ax.axhline(y * scale, color=TARGET, linewidth=1.0, zorder=4)


def _day_axis(ax: Any, labels: bool = True) -> None:
    ax.set_xlim(0, 1440)
    ax.set_xticks([h * 60 for h in HOURS])
    ax.set_xticklabels([_hour_label(h) for h in HOURS] if labels else [])
    for h in HOURS[1:-1]:
        ax.axvline(h * 60, color=PALETTE["grid"], linewidth=0.5, zorder=0)


def _curve(rows: Sequence[dict[str, Any]], key: str) -> tuple[list[float], list[float]]:
    """Bin centres and values, closed across midnight (the first bin repeated after the last)."""
    xs = [float(r["minute"]) + 2.5 for r in rows]
    ys = [float("nan") if r[key] is None else float(r[key]) for r in rows]
    if rows:
        xs = [xs[-1] - 1440, *xs, xs[0] + 1440]
        ys = [ys[-1], *ys, ys[0]]
    return xs, ys


def percentile_curves(profile: Sequence[dict[str, Any]], scale: float, unit: str) -> str:
    """The AGP: the median (bold), the 25th–75th and 5th–95th percentile bands, the 70–180 target lines,
    12am–12am; percentile names at the right-hand end."""
    fig = figure(7.1, 2.6)
    ax: Any = fig.subplots()
    curves = {p: _curve(profile, f"p{p}") for p in (5, 25, 50, 75, 95)}
    xs = curves[50][0]
    ax.fill_between(xs, curves[5][1], curves[95][1], color=BAND_OUTER, linewidth=0, zorder=2)
    ax.fill_between(xs, curves[25][1], curves[75][1], color=BAND_INNER, linewidth=0, zorder=3)
    for p in (5, 95):
        ax.plot(xs, curves[p][1], color=BAND_INNER, linewidth=0.6, linestyle=(0, (3, 2)), zorder=3)
    ax.plot(xs, curves[50][1], color=MEDIAN, linewidth=2.0, zorder=5)
    _glucose_axis(ax, scale, unit)
    _day_axis(ax)
    ax.set_ylabel(unit, color=PALETTE["muted"])
    ax.spines["left"].set_visible(False)
    ax.spines["bottom"].set_color(PALETTE["muted"])
    ax.tick_params(axis="y", length=0)
    ends = {p: y for p in curves if (y := _last_value(curves[p][1])) is not None}
    for p, y in zip(ends, _spread(list(ends.values()), 0.05 * TOP_MGDL * scale), strict=True):
        ax.text(
            1452,
            y,
            f"{p}%",
            fontsize=6.5,
            va="center",
            color=MEDIAN if p == 50 else PALETTE["muted"],
            fontweight="bold" if p == 50 else "normal",
            clip_on=False,
        )
    fig.tight_layout(pad=0.3)
    return to_svg(fig)


def _spread(values: list[float], gap: float) -> list[float]:
    """``values`` (ascending) moved apart to at least ``gap`` from each other, centred where they were."""
    out = list(values)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    shift = (sum(values) - sum(out)) / len(out) if out else 0.0
    return [v + shift for v in out]


def _last_value(ys: list[float]) -> float | None:
    finite = [y for y in ys[:-1] if y == y]
    return finite[-1] if finite else None


def _trace(rows: Sequence[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """One day's 5-minute means, broken where more than 15 minutes have no reading."""
    xs: list[float] = []
    ys: list[float] = []
    for r in sorted(rows, key=lambda r: r["minute"]):
        x = float(r["minute"]) + 2.5
        if xs and x - xs[-1] > 15:
            xs.append((x + xs[-1]) / 2)
            ys.append(float("nan"))
        xs.append(x)
        ys.append(float(r["glucose"]))
    return xs, ys


def daily_profiles(
    daily: Sequence[dict[str, Any]], days: Sequence[date], scale: float, unit: str, per_row: int = 7
) -> str:
    """Small multiples, one panel per day midnight to midnight, a week per row: the day's glucose with the
    target lines, time above 180 filled yellow and below 70 red; the weekday over each column."""
    import math

    import numpy as np

    by_day: dict[date, list[dict[str, Any]]] = {d: [] for d in days}
    for r in daily:
        if r["date"] in by_day:
            by_day[r["date"]].append(r)
    rows = max(1, math.ceil(len(days) / per_row))
    fig = figure(7.1, 1.12 * rows + 0.2)
    axes = fig.subplots(rows, per_row, squeeze=False)
    low, high = 70 * scale, 180 * scale
    for i in range(rows * per_row):
        ax = axes[i // per_row][i % per_row]
        if i >= len(days):
            ax.set_visible(False)
            continue
        day = days[i]
        ax.set_ylim(0, TOP_MGDL * scale)
        ax.set_xlim(0, 1440)
        ax.grid(False)
        ax.set_facecolor("none")
        for side in ("left", "bottom", "top", "right"):
            ax.spines[side].set_visible(True)
            ax.spines[side].set_color(PALETTE["grid"])
        ax.axvline(720, color=PALETTE["grid"], linewidth=0.5, zorder=0)
        ax.axhline(low, color=TARGET, linewidth=0.7, zorder=2)
        ax.axhline(high, color=TARGET, linewidth=0.7, zorder=2)
        xs, ys = _trace(by_day[day])
        if xs:
            x, y = np.asarray(xs), np.asarray(ys)
            ax.fill_between(x, y, high, where=y > high, interpolate=True, color=HIGH, linewidth=0, zorder=3)
            ax.fill_between(x, y, low, where=y < low, interpolate=True, color=LOW, linewidth=0, zorder=3)
            ax.plot(x, y, color=PALETTE["ink"], linewidth=0.6, zorder=4)
        else:
            ax.text(
                720,
                TOP_MGDL * scale / 2,
                "no data",
                ha="center",
                va="center",
                fontsize=6,
                color=PALETTE["muted"],
            )
        first_of_month = i == 0 or day.day == 1
        name = f"{day.day} {day:%b}" if first_of_month else f"{day.day}"
        ax.text(40, TOP_MGDL * scale * 0.95, name, fontsize=6.5, va="top", color=PALETTE["ink"])
        if i < per_row:
            ax.set_title(
                f"{day:%A}", fontsize=6.5, fontweight="normal", loc="center", color=PALETTE["muted"], pad=3
            )
        ax.set_xticks([0, 720, 1440])
        ax.set_xticklabels(["12am", "12pm", ""] if i // per_row == rows - 1 else [])
        ax.set_yticks([low, high])
        ax.set_yticklabels(
            [f"{v:.{1 if scale != 1.0 else 0}f}" for v in (low, high)] if i % per_row == 0 else []
        )
        ax.tick_params(length=0, labelsize=5.5, pad=1.5)
    fig.subplots_adjust(
        left=0.045, right=0.995, top=0.9 if rows > 1 else 0.82, bottom=0.1, wspace=0.06, hspace=0.12
    )
    return to_svg(fig)
