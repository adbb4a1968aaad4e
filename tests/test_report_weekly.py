"""The weekly report rendered to PDF from the demo lake: sections, numbers (recomputed here from the lake
with SQL) and charts (coloured data marks in each chart's band), the narrative from templates or Claude,
and sections left out when the lake has no data for them."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest

from anthropic_stub import MessagesStub, message
from conftest import RunCli, assert_one_error_line, query, settings_for
from report_support import (
    Word,
    card_value,
    coloured_share,
    find,
    page_pixels,
    pdf_text,
    pdf_words,
    render_report,
)

WEEK = ("2026-11-08", "2026-11-14")
DPI = 60


@dataclass
class Rendered:
    meta: dict[str, object]
    pdf: Path
    text: str
    words: list[Word]
    folder: Path


@pytest.fixture(scope="module")
def rendered(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """One PDF for the module, made by the real CLI."""
    out = tmp_path_factory.mktemp("weekly")
    meta, pdf = render_report(demo_lake, out, "weekly")
    return Rendered(meta, pdf, pdf_text(pdf), pdf_words(pdf), out)


def test_files_land_in_out_and_the_week_defaults_to_the_last_day(rendered: Rendered) -> None:
    assert (rendered.meta["week_start"], rendered.meta["week_end"]) == WEEK
    assert rendered.pdf.parent == rendered.folder and rendered.pdf.name == "weekly-2026-11-14.pdf"
    assert Path(str(rendered.meta["html"])).is_file()
    assert rendered.pdf.read_bytes().startswith(b"%PDF")
    assert rendered.meta["narrative"] == "template"


def test_every_section_with_data_is_there(rendered: Rendered) -> None:
    assert rendered.meta["sections"] == [
        "overview",
        "recovery",
        "training",
        "sleep",
        "workouts",
        "nutrition",
        "glucose",
        "insights",
    ]
    for title in (
        "Weekly health report",
        "The week at a glance",
        "Recovery trends",
        "Training load",
        "Sleep architecture",
        "Workouts",
        "Nutrition",
        "Glucose",
        "Findings of the last 90 days",
        "Sun 08 Nov – Sat 14 Nov 2026",
    ):
        assert title in rendered.text, title


def test_key_numbers_match_the_lake(rendered: Rendered, demo_lake: Path) -> None:
    lo, hi = WEEK
    readiness, steps, tss = query(
        demo_lake,
        f"SELECT avg(readiness_score), avg(steps), sum(tss) FROM gold.daily_summary "
        f"WHERE date_day BETWEEN '{lo}' AND '{hi}'",
    )[0]
    assert card_value(rendered.words, "READINESS") == f"{readiness:.0f}"
    assert card_value(rendered.words, "STEPS") == f"{steps:,.0f}"
    assert card_value(rendered.words, "WEEKLY LOAD") == f"{tss:.0f}"
    # time in range and mean glucose straight from the CGM readings (consensus: 70–180 mg/dL inclusive)
    tir, mean = query(
        demo_lake,
        "SELECT 100 * avg(CASE WHEN glucose_mgdl BETWEEN 70 AND 180 THEN 1 ELSE 0 END), avg(glucose_mgdl) "
        f"FROM glucose_readings WHERE local_date BETWEEN '{lo}' AND '{hi}' AND glucose_mgdl IS NOT NULL",
    )[0]
    assert card_value(rendered.words, "TIME IN RANGE") == f"{tir:.1f}"
    assert card_value(rendered.words, "MEAN GLUCOSE") == f"{mean:.0f}"
    # every Peloton class of the week is a row of the workouts table
    rides = query(
        demo_lake,
        f"SELECT count(*) FROM workouts WHERE _source = 'peloton' AND local_date BETWEEN '{lo}' AND '{hi}'",
    )[0][0]
    assert rides and rendered.text.count("cycling") >= rides


def test_charts_have_data(rendered: Rendered, tmp_path: Path) -> None:
    """Each chart's band (above its caption) holds coloured data marks, and its labels are text."""
    captions = {
        "recovery": ("The last four weeks;", 200),
        "training": ("Performance Management Chart,", 130),
        "sleep": ("Sleep stages per night", 110),
        "nutrition": ("Energy from protein,", 110),
        "glucose": ("Share of CGM readings", 110),
    }
    pages: dict[int, object] = {}
    for key, (word, height) in captions.items():
        caption = find(rendered.words, word)
        if caption.page not in pages:
            pages[caption.page] = page_pixels(rendered.pdf, caption.page, DPI, tmp_path)
        share = coloured_share(pages[caption.page], caption.y0 - height, caption.y0 - 20, DPI)  # type: ignore[arg-type]
        assert share > 0.02, (key, share)
    for label in ("Fitness", "Fatigue", "Deep", "REM", "70–180"):
        find(rendered.words, label)


def test_first_page_is_not_blank_below_the_narrative(rendered: Rendered, tmp_path: Path) -> None:
    pixels = page_pixels(rendered.pdf, 1, DPI, tmp_path)
    assert (pixels < 200).any(axis=2).mean() > 0.03


def test_insights_show_their_numbers(rendered: Rendered, demo_lake: Path) -> None:
    """The sleep-readiness finding over the 90 days ending with the week, recomputed with scipy."""
    from scipy.stats import spearmanr

    rows = query(
        demo_lake,
        "SELECT sleep_score, readiness_score FROM gold.daily_summary WHERE date_day BETWEEN "
        "DATE '2026-11-14' - INTERVAL 89 DAY AND DATE '2026-11-14' "
        "AND sleep_score IS NOT NULL AND readiness_score IS NOT NULL",
    )
    rho = spearmanr([r[0] for r in rows], [r[1] for r in rows]).statistic
    text = " ".join(rendered.text.split())
    assert f"sleep score vs readiness the same morning ρ = {rho:.2f}" in text
    assert f"Spearman ρ = {rho:.2f}" in text and f"n = {len(rows)})" in text
    assert "not evidence of cause and effect" in text


def test_template_narrative_states_the_reports_numbers(rendered: Rendered, demo_lake: Path) -> None:
    lo, hi = WEEK
    sleep = query(
        demo_lake,
        f"SELECT avg(sleep_hours) FROM gold.daily_summary WHERE date_day BETWEEN '{lo}' AND '{hi}'",
    )[0][0]
    assert f"You slept {sleep:.1f} h a night" in " ".join(rendered.text.split())


def test_claude_writes_the_narrative_from_the_numbers(
    demo_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from biolake.reports.sections import overview
    from biolake.reports.weekly import weekly_report

    with MessagesStub() as stub:
        stub.push(message("Your week was steady.\n\nRecovery held up well against 268 TSS."))
        for k, v in stub.env().items():
            monkeypatch.setenv(k, v)
        files = weekly_report(settings_for(demo_lake), out_dir=tmp_path, builders=[overview])  # type: ignore[arg-type]
    html = files.html.read_text()
    assert "<p>Your week was steady.</p>" in html and "Written by Claude" in html
    sent = stub.requests[0].body
    facts = json.loads(sent["messages"][0]["content"])
    assert facts["week"] == "8–14 Nov 2026"
    assert (
        facts["sections"]["The week at a glance"]["Training load"]["week"] == "268"
        and "never invent a number" in sent["system"][0]["text"]
    )


def test_claude_failing_falls_back_to_the_template(
    demo_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from biolake.reports.sections import overview
    from biolake.reports.weekly import weekly_report

    with MessagesStub() as stub:  # the script is empty: the stub answers 500
        for k, v in stub.env().items():
            monkeypatch.setenv(k, v)
        settings = replace(settings_for(demo_lake), sections={"claude": {"max_retries": 0}})  # type: ignore[type-var]
        files = weekly_report(settings, out_dir=tmp_path, builders=[overview])
    assert len(stub.requests) == 1
    assert files.report.narrative.author == "template"
    assert "Summary composed from this report" in files.html.read_text()


@pytest.fixture
def lake_without_nutrition_or_glucose(demo_lake_copy: Path) -> Path:
    """The demo lake as it would be for someone with no food log and no CGM."""
    import shutil

    shutil.rmtree(demo_lake_copy / "silver" / "glucose_readings")
    con = duckdb.connect(str(demo_lake_copy / "biolake.duckdb"))
    con.execute("DELETE FROM gold.nutrition_daily")
    con.execute(
        "UPDATE gold.daily_summary SET glucose_readings = 0, glucose_mean_mgdl = NULL, "
        "glucose_cv_pct = NULL, tir_70_180_pct = NULL, tbr_70_pct = NULL, intake_kcal = NULL"
    )
    con.close()
    return demo_lake_copy


def test_sections_without_data_are_left_out(lake_without_nutrition_or_glucose: Path, tmp_path: Path) -> None:
    proc = RunCli(lake_without_nutrition_or_glucose)(
        "--format", "json", "report", "weekly", "--out", tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    meta = json.loads(proc.stdout)[0]
    assert meta["sections"] == ["overview", "recovery", "training", "sleep", "workouts", "insights"]
    html = Path(meta["html"]).read_text()
    assert 'id="nutrition"' not in html and 'id="glucose"' not in html
    assert "<h2>Nutrition</h2>" not in html and "<h2>Glucose</h2>" not in html


def test_a_week_without_data_is_one_clear_error(demo_lake: Path, tmp_path: Path) -> None:
    proc = RunCli(demo_lake)("report", "weekly", "--week-ending", "2020-01-05", "--out", tmp_path)
    assert_one_error_line(proc, "no data for the week", "2019-12-30", "--week-ending")
    assert not list(tmp_path.iterdir())


def test_a_lake_without_gold_says_to_build(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    assert RunCli(lake)("init").returncode == 0
    assert_one_error_line(RunCli(lake)("report", "weekly"), "gold is not built", "biolake build")


def test_glucose_section_is_biolake_glucose_for_the_week(rendered: Rendered, demo_lake: Path) -> None:
    """The week's glucose cards are the catalogue of biolake.glucose for the seven days (summarize, run
    here on its own) and its consensus episodes; last week's numbers give the changes."""
    from datetime import date

    from biolake.glucose.episodes import episode_rows
    from biolake.glucose.summary import summarize
    from biolake.lake.paths import LakePaths

    paths = LakePaths.at(demo_lake)
    lo, hi = (date.fromisoformat(d) for d in WEEK)
    (week,) = summarize(paths, "me", lo, hi)
    found = episode_rows(paths, "me", lo, hi)
    assert card_value(rendered.words, "GMI") == f"{week['gmi']:.1f}"
    assert card_value(rendered.words, "TIME ABOVE 180") == f"{week['above_180']:.1f}"
    assert card_value(rendered.words, "VARIABILITY (CV)") == f"{week['cv']:.1f}"
    highs = sum(1 for e in found if e["episode_type"] == "hyper" and e["level"] == "level_1")
    assert card_value(rendered.words, "HIGHS (> 180)") == str(highs)
    (before,) = summarize(paths, "me", date(2026, 11, 1), date(2026, 11, 7))
    change = f"{week['in_range_70_180'] - before['in_range_70_180']:+.1f}"
    assert f"{change} vs last week" in " ".join(rendered.text.split())
