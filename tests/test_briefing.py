"""The morning briefing on the demo lake: numbers recomputed from the lake, the freshness guard, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from conftest import RunCli, query, settings_for

DAY = date(2026, 11, 14)


def test_a_fresh_morning(demo_lake: Path) -> None:
    from biolake.briefing import build_briefing

    brief = build_briefing(settings_for(demo_lake), DAY, check_alerts=False)  # type: ignore[arg-type]
    assert brief.fresh
    text = brief.markdown()
    hours, score, readiness = query(
        demo_lake,
        f"SELECT sleep_hours, sleep_score, readiness_score FROM gold.daily_summary WHERE date_day = '{DAY}'",
    )[0]
    assert f"Slept **{hours:.1f} h**" in text and f"sleep score **{score:.0f}**" in text
    assert f"## Readiness\n- **{readiness:.0f}**" in text
    (rec,) = query(
        demo_lake, f"SELECT recommendation FROM gold.workout_recommendations WHERE date_day = '{DAY}'"
    )[0]
    assert "## Training today" in text and {"moderate": "Moderate training"}.get(rec, rec.title()) in text  # type: ignore[union-attr]
    mean, lo, hi = query(
        demo_lake,
        "SELECT avg(glucose_mgdl), min(glucose_mgdl), max(glucose_mgdl) FROM glucose_readings "
        f"WHERE local_ts >= '{DAY} 00:00' AND local_ts < '{DAY} 06:00'",
    )[0]
    assert f"Mean {mean:.0f} mg/dL, range {lo:.0f}–{hi:.0f}" in text
    assert "has not arrived" not in text


def test_stale_data_is_announced_not_briefed(demo_lake: Path) -> None:
    from biolake.briefing import build_briefing

    brief = build_briefing(settings_for(demo_lake), date(2026, 11, 17), check_alerts=False)  # type: ignore[arg-type]
    assert not brief.fresh and brief.days_behind == 3
    text = brief.markdown()
    assert "Today's data has not arrived yet" in text and "Sat 14 Nov (3 days ago)" in text
    assert "Last night" not in text and "Readiness" not in text and "Glucose" not in text


def test_default_day_is_today_in_the_users_zone(demo_lake: Path) -> None:
    from biolake.briefing import build_briefing

    # 03:30 UTC on 15 Nov is still 14 Nov in New York: the 14th is today, and it has arrived
    now = datetime(2026, 11, 15, 3, 30, tzinfo=UTC)
    settings = settings_for(demo_lake, timezone="America/New_York")
    brief = build_briefing(settings, now=now, check_alerts=False)  # type: ignore[arg-type]
    assert brief.day == DAY and brief.fresh


def test_cli_briefing_includes_alerts_and_saves_it(demo_lake_copy: Path) -> None:
    proc = RunCli(demo_lake_copy)("--format", "json", "briefing", "--date", "2026-11-14")
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["fresh"] is True and row["day"] == "2026-11-14"
    assert "## Alerts" in row["text"] and "stale_data" not in row["text"]
    assert "No new oura data" in row["text"]  # the demo ended days before today: stale sources alert
    saved = demo_lake_copy / "reports" / "briefing-2026-11-14.md"
    assert saved.read_text() == row["text"]


def test_briefing_html_is_the_markdown_rendered(demo_lake: Path) -> None:
    from biolake.briefing import build_briefing

    brief = build_briefing(settings_for(demo_lake), DAY, check_alerts=False)  # type: ignore[arg-type]
    html = brief.html()
    assert "<h1>Morning briefing — Sat 14 Nov 2026</h1>" in html and "<h2>Last night</h2>" in html
    assert "<strong>" in html and "**" not in html


def test_overnight_lows_are_the_consensus_episodes(demo_lake: Path) -> None:
    """A planted nocturnal hypo (2025-12-21) appears as biolake.glucose's level 1 episode with its nadir."""
    from biolake.briefing import build_briefing
    from biolake.glucose.episodes import episode_rows
    from biolake.lake.paths import LakePaths

    night = date(2025, 12, 21)
    brief = build_briefing(settings_for(demo_lake), night, check_alerts=False)  # type: ignore[arg-type]
    lows = [
        e
        for e in episode_rows(LakePaths.at(demo_lake), "me", night, night)
        if e["episode_type"] == "hypo" and e["level"] == "level_1" and e["is_night"]
    ]
    assert len(lows) == 1 and brief.glucose is not None
    assert (brief.glucose["lows"], brief.glucose["nadir"]) == (1, lows[0]["extreme_mgdl"])
    assert (
        f"**1 low** (≥ 15 min below 70 mg/dL), lowest {lows[0]['extreme_mgdl']:.0f} mg/dL" in brief.markdown()
    )
