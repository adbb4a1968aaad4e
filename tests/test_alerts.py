"""Alert rules on the demo lake, checked against the same conditions recomputed here from gold and
silver; firing once per episode, history in the lake, thresholds from biolake.toml, and the CLI."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import RunCli, assert_one_error_line, query, settings_for

SINCE = date(2025, 11, 14)
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)  # the morning after the demo's last day


def settings(lake: Path, **alerts: object) -> object:
    return replace(settings_for(lake), sections={"alerts": alerts} if alerts else {})  # type: ignore[type-var]


def days_of(episodes: list, rule: str) -> set[date]:  # type: ignore[type-arg]
    out: set[date] = set()
    for e in episodes:
        if e.rule == rule:
            d = e.start.date()
            while d <= e.end.date():
                out.add(d)
                d += timedelta(days=1)
    return out


@pytest.fixture(scope="module")
def episodes(demo_lake: Path) -> list:  # type: ignore[type-arg]
    from biolake.alerts.engine import find_episodes

    found, _ = find_episodes(settings(demo_lake), since=SINCE, now=NOW)  # type: ignore[arg-type]
    return found


def _baseline_days(lake: Path, column: str, high: bool, k: float = 1.5) -> set[date]:
    """Days beyond mean ± k·SD (sample SD) of the previous 60 calendar days' values (>= 14 of them)."""
    rows = query(lake, f"SELECT date_day, {column} FROM gold.daily_summary WHERE subject_id = 'me'")
    values = {d: v for d, v in rows if v is not None}
    flagged = set()
    for day, v in values.items():
        window = [values[d] for d in values if day - timedelta(days=60) <= d < day]  # type: ignore[operator]
        if len(window) < 14:
            continue
        mu, sd = statistics.mean(window), statistics.stdev(window)  # type: ignore[type-var]
        if sd > 0 and ((v > mu + k * sd) if high else (v < mu - k * sd)):  # type: ignore[operator]
            flagged.add(day)
    return flagged  # type: ignore[return-value]


def test_resting_hr_and_hrv_against_the_personal_baseline(demo_lake: Path, episodes: list) -> None:  # type: ignore[type-arg]
    assert days_of(episodes, "resting_hr_high") == _baseline_days(demo_lake, "resting_hr_bpm", high=True)
    assert days_of(episodes, "hrv_low") == _baseline_days(demo_lake, "sleep_hrv_ms", high=False)
    assert days_of(episodes, "hrv_low")  # the planted illnesses and hard blocks do show


def test_illness_follows_the_temperature_mart(demo_lake: Path, episodes: list) -> None:  # type: ignore[type-arg]
    flagged = {
        d for (d,) in query(demo_lake, "SELECT date_day FROM gold.temperature_trends WHERE illness_alert")
    }
    assert days_of(episodes, "illness_signal") == flagged
    assert 2 <= len([e for e in episodes if e.rule == "illness_signal"]) <= 3  # the demo plants 2-3 a year


def test_readiness_declining_three_days(demo_lake: Path, episodes: list) -> None:  # type: ignore[type-arg]
    rows = query(
        demo_lake,
        "SELECT date_day, readiness_score FROM gold.daily_summary WHERE readiness_score IS NOT NULL "
        "ORDER BY date_day",
    )
    score = dict(rows)
    expected = {
        d
        for d in score
        if all(
            (d - timedelta(days=i)) in score  # type: ignore[operator]
            and (d - timedelta(days=i + 1)) in score  # type: ignore[operator]
            and score[d - timedelta(days=i)] < score[d - timedelta(days=i + 1)]  # type: ignore[operator]
            for i in range(3)
        )
    }
    assert days_of(episodes, "readiness_declining") == expected and expected


def test_level_2_lows_are_the_consensus_episodes(demo_lake: Path, episodes: list) -> None:  # type: ignore[type-arg]
    """The lows are biolake.glucose's level 2 hypo episodes (one definition of an episode), all on planted
    nights with readings below 54. Two such nights are no episode by the consensus rules: 2026-03-05
    dips below 54 for 10 minutes at a time only, and 2026-08-09's three 'Low' readings (a compression
    artefact) give two grid points below 54, 10 minutes."""
    from biolake.glucose.episodes import episode_rows
    from biolake.lake.paths import LakePaths

    nights = query(
        demo_lake,
        "SELECT local_date FROM glucose_readings WHERE glucose_mgdl < 54 OR censored = 'low' "
        "GROUP BY local_date HAVING count(*) >= 3 ORDER BY 1",
    )
    consensus = [
        (e["start_local"], e["extreme_mgdl"])
        for e in episode_rows(LakePaths.at(demo_lake), "me", start=SINCE - timedelta(days=1))
        if e["episode_type"] == "hypo" and e["level"] == "level_2"
    ]
    lows = [e for e in episodes if e.rule == "glucose_low"]
    assert [(e.start, e.value) for e in lows] == consensus and len(lows) == 3
    assert {e.start.date() for e in lows} <= {d for (d,) in nights}
    assert all(e.severity == "urgent" and e.value < 54 and 1 <= e.start.hour <= 5 for e in lows)
    assert not [e for e in episodes if e.rule == "glucose_high"]  # the demo person never reaches 250


def test_stale_sources_are_measured_against_today(demo_lake: Path) -> None:
    from biolake.alerts.engine import find_episodes

    later = datetime(2026, 11, 22, 12, tzinfo=UTC)
    found, _ = find_episodes(settings(demo_lake), now=later)  # type: ignore[arg-type]
    stale = sorted(e.message.split()[2] for e in found if e.rule == "stale_data")
    assert stale == ["apple_health", "dexcom", "myfitnesspal", "oura", "peloton"]
    fresh, _ = find_episodes(settings(demo_lake), now=NOW)  # type: ignore[arg-type]
    assert not [e for e in fresh if e.rule == "stale_data"]


def test_thresholds_come_from_the_config(demo_lake: Path) -> None:
    from biolake.alerts.engine import find_episodes

    strict, _ = find_episodes(
        settings(demo_lake, sd_multiplier=2.5, disabled=["glucose"]),  # type: ignore[arg-type]
        since=SINCE,
        now=NOW,
    )
    assert days_of(strict, "resting_hr_high") == _baseline_days(demo_lake, "resting_hr_bpm", True, 2.5)
    assert not [e for e in strict if e.rule == "glucose_low"]


def test_each_episode_fires_once_and_is_kept(demo_lake_copy: Path) -> None:
    from biolake.alerts.engine import evaluate, history

    cfg = settings(demo_lake_copy)
    first = evaluate(cfg, since=SINCE, now=NOW)  # type: ignore[arg-type]
    assert len(first.fired) > 20 and not first.ongoing
    again = evaluate(cfg, since=SINCE, now=NOW)  # type: ignore[arg-type]
    assert not again.fired and len(again.ongoing) == len(first.fired)
    # a week later the sources have gone quiet: a new condition, alerted once
    later = evaluate(cfg, now=NOW + timedelta(days=7))  # type: ignore[arg-type]
    assert {a.rule for a in later.fired} == {"stale_data"}
    assert not evaluate(cfg, now=NOW + timedelta(days=8)).fired  # type: ignore[arg-type]
    logged = query(demo_lake_copy, "SELECT count(*), count(DISTINCT alert_key) FROM alerts_log")[0]
    assert logged == (len(first.fired) + len(later.fired),) * 2
    assert len(history(cfg)) == logged[0]  # type: ignore[arg-type]
    assert (demo_lake_copy / "state" / "alerts.json").is_file()


def test_cli_lists_new_alerts_then_none(demo_lake_copy: Path) -> None:
    run_cli = RunCli(demo_lake_copy)
    proc = run_cli("--format", "json", "alerts", "--since", "2026-11-01")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows and all(r["new"] for r in rows)
    assert {"hrv_low", "stale_data"} <= {r["rule"] for r in rows}
    again = run_cli("alerts")
    assert again.returncode == 0 and "no new alerts" in again.stderr
    listed = json.loads(run_cli("--format", "json", "alerts", "--since", "2026-11-01").stdout)
    assert len(listed) == len(rows) and not any(r["new"] for r in listed)


def test_bad_threshold_is_one_error_line(demo_lake_copy: Path) -> None:
    (demo_lake_copy / "biolake.toml").write_text('[alerts]\nsd_multiplier = "high"\n')
    assert_one_error_line(RunCli(demo_lake_copy)("alerts"), "[alerts] sd_multiplier", "a number")
    (demo_lake_copy / "biolake.toml").write_text("[alerts]\nstale_dayz = 3\n")
    assert_one_error_line(RunCli(demo_lake_copy)("alerts"), "unknown setting", "stale_dayz")
