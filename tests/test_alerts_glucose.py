"""The glucose alert rule on the consensus episodes of biolake.glucose (Battelino et al. 2019/2023): level 2
lows are at least 15 minutes below 54 mg/dL, ending after 15 minutes back at or above 54; prolonged highs
are level 2 highs (> 250 mg/dL) lasting ``high_minutes``. Readings go through a real DuckDB table shaped
like silver ``glucose_readings``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from biolake.alerts.config import AlertConfig
from biolake.alerts.rules import Episode, RuleInput, glucose_episodes

T0 = datetime(2026, 3, 1, 2, 0)


def alerts(
    *values: float, step: int = 5, start: datetime = T0, more: tuple[tuple[datetime, float], ...] = ()
) -> list[Episode]:
    """The rule's episodes for readings ``values`` every ``step`` minutes from ``start`` (plus ``more``)."""
    rows = [(start + timedelta(minutes=step * i), float(v)) for i, v in enumerate(values)] + list(more)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE glucose_readings (subject_id VARCHAR, local_ts TIMESTAMP, ts_utc TIMESTAMPTZ, "
        "local_date DATE, glucose_mgdl DOUBLE, censored VARCHAR, reading_kind VARCHAR)"
    )
    con.executemany(
        "INSERT INTO glucose_readings VALUES ('me', ?, ?::TIMESTAMP AT TIME ZONE 'UTC', ?, ?, NULL, 'cgm')",
        [(t, t, t.date(), v) for t, v in rows],
    )
    found = glucose_episodes(RuleInput(con, "me", AlertConfig(), date(2026, 3, 2), date(2026, 3, 1)))
    con.close()
    return found


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((80, 53, 52, 51, 80, 80, 80), [(15.0, 51.0)]),  # three 5-min readings: exactly 15 min
        ((80, 53, 52, 80, 80, 80), []),  # 10 min is not an episode
        ((80, 54, 54, 54, 80), []),  # 54 itself is not below 54
        ((53, 52, 51, 60, 50, 49, 80, 80, 80), [(30.0, 49.0)]),  # 5 min back above: the same episode
        ((53, 52, 60, 50, 49, 80, 80, 80), []),  # never 15 consecutive minutes below: no episode starts
        ((53, 52, 51, 70, 70, 70, 53, 52, 51, 80, 80, 80), [(15.0, 51.0)] * 2),  # 15 min above: two
        ((60, 55, 53, 45, 40, 44, 50, 53), [(30.0, 40.0)]),  # still low when the data end
    ],
)
def test_level_2_lows(values: tuple[float, ...], expected: list[tuple[float, float]]) -> None:
    found = alerts(*values)
    assert [(e.rule, e.severity) for e in found] == [("glucose_low", "urgent")] * len(expected)
    assert [(float(e.message.split(" for ")[1].split()[0]), e.value) for e in found] == expected
    assert all(e.threshold == 54.0 and "level 2 low" in e.message for e in found)


def test_a_gap_over_45_minutes_ends_an_episode() -> None:
    """The grid does not interpolate across a gap over 45 minutes, so the episode is cut there."""
    later = T0 + timedelta(minutes=60)
    found = alerts(
        53, 52, 51, more=tuple((later + timedelta(minutes=5 * i), v) for i, v in enumerate((50, 49, 48)))
    )
    assert [(e.start, e.value) for e in found] == [(T0, 51.0), (later, 48.0)]


def test_prolonged_highs_need_the_whole_duration() -> None:
    (episode,) = alerts(*([200] + [260] * 24 + [200] * 4))  # 24 readings x 5 min = 120 min
    assert (episode.rule, episode.value, episode.threshold) == ("glucose_high", 260.0, 250.0)
    assert "for 120 min" in episode.message and episode.start == T0 + timedelta(minutes=5)
    assert alerts(*([200] + [260] * 23 + [200] * 4)) == []  # 115 min: a level 2 high, not prolonged


def test_the_episode_keeps_its_key_from_run_to_run() -> None:
    first, again = alerts(80, 53, 52, 51, 80), alerts(80, 53, 52, 51, 80, 80, 80, 80)
    assert (
        [e.key for e in first]
        == [e.key for e in again]
        == [f"glucose_low:me:{T0 + timedelta(minutes=5):%Y-%m-%dT%H:%M:%S}"]
    )
