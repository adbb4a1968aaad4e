"""``biolake run`` with the consumer steps: alerts, briefing, the weekly report on its day, delivery."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from biolake.pipeline import daily
from biolake.pipeline.runner import STEPS, RunContext
from conftest import RunCli, query, settings_for


def test_run_includes_the_consumer_steps_in_order() -> None:
    names = [s.name for s in STEPS]
    assert names == ["import", "build", "alerts", "briefing", "weekly_report", "deliver"]
    needs = {s.name: s.needs for s in STEPS}
    assert needs["alerts"] == needs["briefing"] == needs["weekly_report"] == ("build",)
    assert needs["deliver"] == ()  # earlier failures are retried even when the build fails


def test_daily_run_alerts_briefs_and_delivers(demo_lake_copy: Path) -> None:
    today = datetime.now(ZoneInfo("America/New_York")).strftime("%A").lower()
    (demo_lake_copy / "biolake.toml").write_text(
        'timezone = "America/New_York"\nunits = "imperial"\n'
        f'[reports]\nweekly_day = "{today}"\nweekly_pdf = false\n[delivery]\nchannels = ["file"]\n'
    )
    run_cli = RunCli(demo_lake_copy)
    proc = run_cli("--format", "json", "run")
    steps = {r["step"]: r for r in json.loads(proc.stdout)}
    assert proc.returncode == 0, proc.stderr
    assert steps["alerts"]["status"] == "ok" and steps["alerts"]["detail"].endswith("0 ongoing")
    assert steps["briefing"]["status"] == "warn" and "has not arrived" in steps["briefing"]["detail"]
    # the demo ended on 14 Nov: the week ending yesterday has no data, a warning rather than a failure
    assert (
        steps["weekly_report"]["status"] == "warn"
        and "no data for the week" in steps["weekly_report"]["detail"]
    )
    assert steps["deliver"]["status"] == "ok" and steps["deliver"]["detail"].startswith("2 delivered")
    outbox = sorted(p.name.split("-", 1)[1] for p in (demo_lake_copy / "reports" / "outbox").iterdir())
    assert [n.split("-")[0] for n in outbox] == ["alerts", "briefing"]
    again = {r["step"]: r for r in json.loads(run_cli("--format", "json", "run").stdout)}
    assert again["alerts"]["detail"].startswith("0 new")
    assert query(demo_lake_copy, "SELECT count(*) FROM pipeline_runs WHERE step = 'deliver'") == [(2,)]


def test_weekly_report_step_on_its_day_once(
    demo_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake, ignore=shutil.ignore_patterns("reports"))
    monday = date(2026, 11, 16)
    monkeypatch.setattr("biolake.alerts.engine.user_today", lambda settings, now=None: monday)
    settings = replace(settings_for(lake), sections={"reports": {"weekly_pdf": False}})  # type: ignore[type-var]
    context = RunContext()
    first = daily.weekly_report_step(settings, context)
    assert first.status == "ok" and first.detail.endswith("weekly-2026-11-15.html")
    assert [m.kind for m in context.outbox] == ["report"]
    assert context.outbox[0].attachments == (str(lake / "reports" / "weekly-2026-11-15.html"),)
    second = daily.weekly_report_step(settings, context)
    assert second.detail.startswith("already written") and len(context.outbox) == 1
    monkeypatch.setattr("biolake.alerts.engine.user_today", lambda settings, now=None: date(2026, 11, 17))
    assert daily.weekly_report_step(settings, context).detail == "not today (weekly report on mondays)"
