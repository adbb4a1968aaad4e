"""Glucose episodes from CGM readings, by the international consensus on CGM metrics.

- Level 2 hypoglycaemia (< 54 mg/dL): an event starts with at least 15 consecutive minutes below 54 and
  ends when readings stay at or above 54 for at least 15 minutes (Battelino et al. 2019, "Clinical
  Targets for Continuous Glucose Monitoring Data Interpretation", Diabetes Care 42:1593; Battelino et al.
  2023, Lancet Diabetes Endocrinol 11:42, event definitions).
- Prolonged hyperglycaemia: readings above 250 mg/dL (level 2) for at least ``min_minutes`` (biolake's
  default 120, the consensus' extended-event window).

Each reading stands for the sampling interval (the median spacing of the readings: 5 min for Dexcom,
1 min for Libre 3), so an episode lasts from its first to its last reading beyond the threshold plus one
interval; a gap between readings longer than ``max_gap_minutes`` ends an episode. Readings censored
``low`` count as below any hypoglycaemia threshold, ``high`` as above any hyperglycaemia threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

DEFAULT_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class GlucoseEpisode:
    start: datetime  # first reading beyond the threshold (local time of the reading)
    end: datetime  # last reading beyond it
    minutes: float  # end − start + one sampling interval
    extreme_mgdl: float  # the lowest (hypo) or highest (high) reading
    readings: int


def sampling_interval(times: Sequence[datetime]) -> timedelta:
    """The median spacing of the readings (5 minutes when there are too few to tell)."""
    steps = sorted(b - a for a, b in pairwise(times) if b > a)
    return steps[len(steps) // 2] if steps else DEFAULT_INTERVAL


def find_episodes(
    readings: Sequence[tuple[datetime, float]],
    threshold: float,
    below: bool,
    min_minutes: float = 15.0,
    end_minutes: float = 15.0,
    max_gap_minutes: float = 15.0,
) -> list[GlucoseEpisode]:
    """Episodes of ``readings`` (time, mg/dL; sorted by time) below (or above) ``threshold`` lasting at
    least ``min_minutes``; an episode ends after ``end_minutes`` back across the threshold."""
    interval = sampling_interval([t for t, _ in readings])
    gap, end_after = timedelta(minutes=max_gap_minutes), timedelta(minutes=end_minutes)
    found: list[GlucoseEpisode] = []
    run: list[tuple[datetime, float]] = []  # the readings beyond the threshold in the current episode
    back_since: datetime | None = None  # first reading back across the threshold after ``run``
    previous: datetime | None = None

    def close() -> None:
        if run:
            minutes = (run[-1][0] - run[0][0] + interval).total_seconds() / 60
            if minutes >= min_minutes:
                values = [v for _, v in run]
                extreme = min(values) if below else max(values)
                found.append(GlucoseEpisode(run[0][0], run[-1][0], minutes, extreme, len(run)))
        run.clear()

    for ts, value in readings:
        if previous is not None and ts - previous > gap:
            close()
            back_since = None
        if (value < threshold) if below else (value > threshold):
            run.append((ts, value))
            back_since = None
        elif run:
            back_since = back_since or ts
            if ts - back_since + interval >= end_after:
                close()
                back_since = None
        previous = ts
    close()
    return found
