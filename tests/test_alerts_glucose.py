"""Glucose episodes by the consensus definitions (Battelino et al. 2019/2023): level 2 lows are at least
15 consecutive minutes below 54 mg/dL, ending after 15 minutes back at or above 54."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from biolake.alerts.glucose import find_episodes

T0 = datetime(2026, 3, 1, 2, 0)


def series(*values: float, step: int = 5, start: datetime = T0) -> list[tuple[datetime, float]]:
    return [(start + timedelta(minutes=step * i), float(v)) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((80, 53, 52, 51, 80, 80, 80), [(15.0, 51.0)]),  # three 5-min readings: exactly 15 min
        ((80, 53, 52, 80, 80, 80), []),  # 10 min is not an episode
        ((80, 54, 54, 54, 80), []),  # 54 itself is not below 54
        ((53, 52, 60, 50, 49, 80, 80, 80), [(25.0, 49.0)]),  # 5 min back above: the same episode
        ((53, 52, 51, 70, 70, 70, 53, 52, 51, 80), [(15.0, 51.0), (15.0, 51.0)]),  # 15 min above: two
        ((60, 55, 53, 45, 40, 44, 50, 53), [(30.0, 40.0)]),  # still low when the data end
    ],
)
def test_level_2_lows(values: tuple[float, ...], expected: list[tuple[float, float]]) -> None:
    episodes = find_episodes(series(*values), 54, below=True, min_minutes=15)
    assert [(e.minutes, e.extreme_mgdl) for e in episodes] == expected


def test_a_gap_in_the_readings_ends_an_episode() -> None:
    before = series(53, 52, 51)
    after = series(50, 49, 48, start=T0 + timedelta(minutes=60))
    episodes = find_episodes(before + after, 54, below=True, max_gap_minutes=15)
    assert [(e.start, e.minutes) for e in episodes] == [(T0, 15.0), (T0 + timedelta(minutes=60), 15.0)]


def test_prolonged_highs_need_the_whole_duration() -> None:
    two_hours = series(*([200] + [260] * 24 + [200] * 4))  # 24 readings x 5 min = 120 min
    (episode,) = find_episodes(two_hours, 250, below=False, min_minutes=120)
    assert (episode.minutes, episode.extreme_mgdl, episode.readings) == (120.0, 260.0, 24)
    assert find_episodes(series(*([260] * 23)), 250, below=False, min_minutes=120) == []


def test_one_minute_readings_count_their_own_interval() -> None:
    libre = series(*([80] + [50] * 15 + [80] * 20), step=1)
    (episode,) = find_episodes(libre, 54, below=True)
    assert (episode.minutes, episode.readings) == (15.0, 15)
