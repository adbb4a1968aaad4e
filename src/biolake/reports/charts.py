"""Charts as inline SVG drawn with matplotlib (Agg backend; text kept as text so PDFs stay searchable)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PALETTE = {
    "ink": "#1f2933",
    "muted": "#7b8794",
    "grid": "#e4e7eb",
    "week": "#fff4d6",
    "blue": "#2f6fdf",
    "pink": "#d6336c",
    "green": "#2f9e44",
    "orange": "#e8590c",
    "purple": "#7048e8",
    "teal": "#0c8599",
    "deep": "#1c3d8f",
    "rem": "#6f8ff2",
    "light": "#b5c8fb",
    "awake": "#f2b8a0",
    "low": "#c92a2a",
    "range": "#40c057",
    "high": "#fab005",
}
_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def figure(width_in: float, height_in: float) -> Figure:
    """A figure with the report's style (Agg backend, DejaVu Sans, light grid)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 7.5,
            "axes.edgecolor": PALETTE["grid"],
            "axes.labelcolor": PALETTE["ink"],
            "axes.titlesize": 8,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.axisbelow": True,
            "grid.color": PALETTE["grid"],
            "grid.linewidth": 0.6,
            "xtick.color": PALETTE["muted"],
            "ytick.color": PALETTE["muted"],
            "legend.frameon": False,
            "legend.fontsize": 7,
        }
    )
    return Figure(figsize=(width_in, height_in))


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element (no XML prolog or DOCTYPE), ready to inline in HTML."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.04, transparent=True)
    svg = _PROLOG.sub("", buffer.getvalue(), count=1)
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)


def _none_to_nan(values: Sequence[float | None]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]


def _shade_week(ax: Any, start: date, end: date) -> None:
    from datetime import timedelta

    ax.axvspan(start - timedelta(hours=12), end + timedelta(hours=12), color=PALETTE["week"], zorder=0)


def _date_axis(ax: Any, fmt: str = "%b %d") -> None:
    import matplotlib.dates as mdates

    dates: Any = mdates
    ax.xaxis.set_major_formatter(dates.DateFormatter(fmt))
    ax.xaxis.set_major_locator(dates.AutoDateLocator(minticks=3, maxticks=6))


def trend_panels(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    week: tuple[date, date],
) -> str:
    """Small multiples: one panel per (title, values, colour) over ``days``, the report's week shaded."""
    import math

    cols = 2
    rows = math.ceil(len(series) / cols)
    fig = figure(7.0, 1.55 * rows)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    for i, (title, values, colour) in enumerate(series):
        ax = axes[i // cols][i % cols]
        _shade_week(ax, *week)
        ys = _none_to_nan(values)
        ax.plot(days, ys, color=colour, linewidth=1.4, marker="o", markersize=2.2)
        ax.set_title(title, color=PALETTE["ink"])
        _date_axis(ax)
    for j in range(len(series), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.tight_layout(h_pad=0.8, w_pad=1.5)
    return to_svg(fig)


def pmc_chart(
    days: Sequence[date],
    tss: Sequence[float | None],
    ctl: Sequence[float | None],
    atl: Sequence[float | None],
    tsb: Sequence[float | None],
    week: tuple[date, date],
) -> str:
    """The Performance Management Chart: daily TSS bars, fitness (CTL), fatigue (ATL) and form (TSB)."""
    fig = figure(7.0, 2.5)
    ax: Any = fig.subplots()
    _shade_week(ax, *week)
    ax.bar(days, _none_to_nan(tss), width=0.8, color=PALETTE["grid"], label="TSS (daily)", zorder=1)
    ax.plot(days, _none_to_nan(ctl), color=PALETTE["blue"], linewidth=1.8, label="Fitness (CTL)", zorder=3)
    ax.plot(days, _none_to_nan(atl), color=PALETTE["pink"], linewidth=1.2, label="Fatigue (ATL)", zorder=3)
    ax.plot(days, _none_to_nan(tsb), color=PALETTE["orange"], linewidth=1.2, label="Form (TSB)", zorder=3)
    ax.axhline(0, color=PALETTE["muted"], linewidth=0.6)
    ax.set_ylabel("TSS / day")
    _date_axis(ax)
    ax.legend(loc="upper left", ncol=4)
    fig.tight_layout()
    return to_svg(fig)


def stacked_bars(
    labels: Sequence[str],
    stacks: Sequence[tuple[str, Sequence[float | None], str]],
    ylabel: str,
    ylim: tuple[float, float] | None = None,
    line: tuple[str, Sequence[float | None], str] | None = None,
) -> str:
    """Stacked bars per label (e.g. sleep stages per night, glucose ranges per day), with an optional line."""
    fig = figure(7.0, 2.2)
    ax: Any = fig.subplots()
    bottoms = [0.0] * len(labels)
    positions = list(range(len(labels)))
    for name, values, colour in stacks:
        heights = [0.0 if v is None else float(v) for v in values]
        ax.bar(positions, heights, bottom=bottoms, width=0.62, color=colour, label=name, zorder=2)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if line is not None:
        name, values, colour = line
        ax.plot(positions, _none_to_nan(values), color=colour, marker="o", markersize=3, label=name, zorder=3)
    ax.set_xticks(positions, list(labels))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(stacks) + (line is not None))
    fig.tight_layout()
    return to_svg(fig)
