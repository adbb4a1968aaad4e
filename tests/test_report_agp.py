"""The one-page AGP report rendered to PDF from the demo lake by the real CLI: one page, the consensus
sections, every number equal to biolake.glucose's summary of the period (run here on its own) and to
the consensus' own reference values, charts with data in them, mmol/L, and a lake without CGM data."""

from __future__ import annotations

import html
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli, assert_one_error_line, query
from report_support import Word, coloured_share, find, page_pixels, pdf_text, pdf_words, render_report

DPI = 60
MGDL_PER_MMOL = 18.0182


@dataclass
class Rendered:
    meta: dict[str, Any]
    pdf: Path
    text: str  # the PDF's text, whitespace collapsed
    words: list[Word]
    folder: Path
    html: str  # the HTML's text outside the charts, whitespace collapsed


def html_text(path: Path) -> str:
    """The words of an HTML report outside its SVG charts, whitespace collapsed."""
    page = re.sub(r"<svg.*?</svg>|<style>.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def rendered(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """One PDF for the module, made by the real CLI with the default period."""
    out = tmp_path_factory.mktemp("agp")
    meta, pdf = render_report(demo_lake, out, "agp")
    text = " ".join(pdf_text(pdf).split())
    return Rendered(meta, pdf, text, pdf_words(pdf), out, html_text(Path(meta["html"])))


@pytest.fixture(scope="module")
def period(demo_lake: Path) -> tuple[date, date]:
    """The 14 days ending on the last day with CGM readings."""
    last = query(demo_lake, "SELECT max(local_date) FROM glucose_readings WHERE reading_kind = 'cgm'")[0][0]
    return last - timedelta(days=13), last


@pytest.fixture(scope="module")
def summary(demo_lake: Path, period: tuple[date, date]) -> dict[str, Any]:
    from biolake.glucose.summary import summarize
    from biolake.lake.paths import LakePaths

    (record,) = summarize(LakePaths.at(demo_lake), "me", *period)
    return record


def test_one_page_of_the_last_14_days_with_data(rendered: Rendered, period: tuple[date, date]) -> None:
    pages = subprocess.run(["pdfinfo", str(rendered.pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in pages
    assert {w.page for w in rendered.words} == {1}
    assert (rendered.meta["start"], rendered.meta["end"], rendered.meta["days"]) == (
        period[0].isoformat(),
        period[1].isoformat(),
        14,
    )
    assert rendered.pdf.name == f"agp-{period[1].isoformat()}.pdf" and rendered.pdf.parent == rendered.folder
    assert Path(rendered.meta["html"]).is_file()
    assert f"{period[0]:%d %b %Y} – {period[1]:%d %b %Y} 14 days" in rendered.html
    find(rendered.words, f"{period[0]:%d %b %Y} – {period[1]:%d %b %Y}")


def test_the_consensus_sections_are_there(rendered: Rendered) -> None:
    for text in (
        "AGP Report: Continuous Glucose Monitoring",
        "% Time CGM is active",
        "Target range 70–180 mg/dL Greater than 70% (16h 48min)",
        "Below 70 mg/dL Less than 4% (58min)",
        "Below 54 mg/dL Less than 1% (14min)",
        "Above 180 mg/dL Less than 25% (6h)",
        "Above 250 mg/dL Less than 5% (1h 12min)",
        "Glucose Management Indicator (GMI)",
        "target ≤36%",
        "Each daily profile represents a midnight-to-midnight period",
        "Sufficient data",
    ):
        assert text in rendered.html, text
    for heading in (
        "GLUCOSE STATISTICS AND TARGETS",
        "TIME IN RANGES",
        "AMBULATORY GLUCOSE PROFILE (AGP)",
        "DAILY GLUCOSE PROFILES",
    ):
        find(rendered.words, heading)  # upper case on the page
    for label in ("Very high", "High", "Target range", "Low", "Very low", "95%", "50%", "5%", "12am", "3pm"):
        find(rendered.words, label)
    for weekday in ("Sunday", "Monday", "Saturday"):
        find(rendered.words, weekday)


def test_numbers_are_the_glucose_summary_of_the_period(
    rendered: Rendered, summary: dict[str, Any], demo_lake: Path, period: tuple[date, date]
) -> None:
    from biolake.reports.agp import time_of_day

    s = summary
    text = rendered.html
    assert f"Average glucose {s['mean']:.0f} mg/dL" in text
    assert f"Glucose Management Indicator (GMI) {s['gmi']:.1f}%" in text
    assert f"{s['cv']:.1f}% ✓" in text and s["cv"] <= 36
    for label, key in (
        ("Target range 70–180 mg/dL", "in_range_70_180"),
        ("Below 70 mg/dL", "below_70"),
        ("Below 54 mg/dL", "below_54"),
        ("Above 180 mg/dL", "above_180"),
        ("Above 250 mg/dL", "above_250"),
    ):
        after = text.split(label, 1)[1][:70]
        assert f"{s[key]:.1f}% ({time_of_day(s[key])})" in after, (label, after)
    # the five bands of the bar: consecutive ranges that add up to 100 %
    bands = [rendered.meta[k] for k in ("very_high", "high", "target_range", "low", "very_low")]
    assert bands == pytest.approx(
        [
            s["above_250"],
            s["above_180"] - s["above_250"],
            s["in_range_70_180"],
            s["below_70"] - s["below_54"],
            s["below_54"],
        ]
    )
    assert sum(bands) == pytest.approx(100)
    for value in (f"{s['mean']:.0f}", f"{s['gmi']:.1f}%", f"{s['cv']:.1f}%", f"{s['in_range_70_180']:.0f}%"):
        find(rendered.words, value)  # and printed on the page
    # % time CGM is active: distinct 5-minute readings over the 14 days' 4,032 possible ones
    n = query(
        demo_lake,
        "SELECT count(DISTINCT ts_utc) FROM glucose_readings WHERE reading_kind = 'cgm' "
        f"AND glucose_mgdl IS NOT NULL AND local_date BETWEEN '{period[0]}' AND '{period[1]}'",
    )[0][0]
    assert n == s["n_obs"]
    active = min(100.0, 100 * n / (14 * 288))
    assert f"% Time CGM is active {active:.1f}%" in text
    assert rendered.meta["active_percent"] == pytest.approx(active)
    assert (rendered.meta["mean"], rendered.meta["gmi"], rendered.meta["cv"]) == pytest.approx(
        (s["mean"], s["gmi"], s["cv"])
    )


def test_time_in_range_from_the_readings_themselves(
    rendered: Rendered, demo_lake: Path, period: tuple[date, date]
) -> None:
    """Independent of biolake.glucose: % of readings within 70–180 mg/dL, inclusive (Battelino 2019)."""
    tir = query(
        demo_lake,
        "SELECT 100 * avg(CASE WHEN glucose_mgdl BETWEEN 70 AND 180 THEN 1 ELSE 0 END) FROM glucose_readings "
        f"WHERE reading_kind = 'cgm' AND glucose_mgdl IS NOT NULL AND local_date BETWEEN '{period[0]}' "
        f"AND '{period[1]}'",
    )[0][0]
    assert f"{tir:.1f}% (" in rendered.html.split("Target range 70–180 mg/dL Greater than 70%")[1][:40]
    find(rendered.words, f"{tir:.1f}%")


def test_charts_have_data(rendered: Rendered, tmp_path: Path) -> None:
    """Coloured marks in the time-in-ranges bar, the AGP bands and the daily profiles' target lines."""
    pixels = page_pixels(rendered.pdf, 1, DPI, tmp_path)
    regions = {
        "tir": (find(rendered.words, "TIME IN RANGES").y1 + 4, find(rendered.words, "AMBULATORY").y0 - 20),
        "agp": (
            find(rendered.words, "AGP is a summary").y1 + 4,
            find(rendered.words, "DAILY GLUCOSE").y0 - 4,
        ),
        "daily": (
            find(rendered.words, "Each daily profile").y1 + 12,
            find(rendered.words, "Built by biolake").y0 - 4,
        ),
    }
    shares = {k: coloured_share(pixels, lo, hi, DPI) for k, (lo, hi) in regions.items()}
    right = int(find(rendered.words, "TIME IN RANGES").x0 * DPI / 72)  # the bar's column only
    shares["tir"] = coloured_share(pixels[:, right:], *regions["tir"], DPI)
    assert shares["tir"] > 0.03 and shares["agp"] > 0.03 and shares["daily"] > 0.01, shares
    # the AGP's blue percentile bands, not only the green target lines
    lo, hi = regions["agp"]
    band = pixels[int(lo * DPI / 72) : int(hi * DPI / 72)].astype(int)
    blue = (band[..., 2] > band[..., 0] + 40) & (band[..., 2] > band[..., 1] + 20)
    assert blue.mean() > 0.02


def test_mmol_output(demo_lake: Path, tmp_path: Path, summary: dict[str, Any]) -> None:
    proc = RunCli(demo_lake)("--format", "json", "report", "agp", "--units", "mmol", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    meta = json.loads(proc.stdout)[0]
    assert meta["units"] == "mmol/L" and meta["pdf"] is None
    assert meta["mean"] == pytest.approx(summary["mean"] / MGDL_PER_MMOL)
    page = Path(meta["html"]).read_text(encoding="utf-8")
    text = html_text(Path(meta["html"]))
    assert f"Average glucose {summary['mean'] / MGDL_PER_MMOL:.1f} mmol/L" in text
    assert f"(GMI) {summary['gmi']:.1f}%" in text  # GMI is a percentage in either unit
    for label in ("Target range 3.9–10.0 mmol/L", "Below 3.0 mmol/L", "Above 13.9 mmol/L"):
        assert label in text, label
    assert "10.1–13.9 mmol/L" in page and "mg/dL" not in page  # the bar's bands, and no mg/dL anywhere


def test_a_lake_without_cgm_data_is_one_clear_error(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    assert RunCli(lake)("init").returncode == 0
    out = tmp_path / "out"
    proc = RunCli(lake)("report", "agp", "--out", out)
    assert_one_error_line(proc, "no CGM readings", "'me'")
    assert not out.exists()


def test_a_period_without_readings_names_it(demo_lake: Path, tmp_path: Path) -> None:
    proc = RunCli(demo_lake)("report", "agp", "--from", "2020-01-01", "--to", "2020-01-14", "--out", tmp_path)
    assert_one_error_line(proc, "no CGM readings", "2020-01-01", "2020-01-14")
    proc = RunCli(demo_lake)("report", "agp", "--from", "2026-11-14", "--to", "2026-11-01", "--out", tmp_path)
    assert_one_error_line(proc, "--from", "after")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("percent", "printed"),
    [(70, "16h 48min"), (4, "58min"), (1, "14min"), (25, "6h"), (5, "1h 12min"), (0, "0min")],
)
def test_time_per_day_as_the_consensus_prints_it(percent: float, printed: str) -> None:
    """Battelino et al. 2019, table 1: > 70 % (16 h 48 min), < 4 % (58 min), < 1 % (14 min), < 25 % (6 h),
    < 5 % (1 h 12 min)."""
    from biolake.reports.agp import time_of_day

    assert time_of_day(percent) == printed


@pytest.mark.parametrize(
    ("changes", "days", "active", "unmet", "sufficient"),
    [
        ({}, 14, 70.0, set(), True),
        ({"in_range_70_180": 70.0}, 14, 99.0, {"in_range_70_180"}, True),  # > 70 %, not ≥
        ({"cv": 36.0}, 14, 99.0, set(), True),  # ≤ 36 %
        ({"below_70": 4.0, "below_54": 1.0}, 14, 99.0, {"below_70", "below_54"}, True),
        ({"above_180": 25.0, "above_250": 5.0}, 14, 99.0, {"above_180", "above_250"}, True),
        ({}, 13, 100.0, set(), False),  # fewer than 14 days
        ({}, 14, 69.9, set(), False),  # under 70 % of the possible readings
    ],
)
def test_consensus_targets_at_their_limits(
    changes: dict[str, float], days: int, active: float, unmet: set[str], sufficient: bool
) -> None:
    """Battelino et al. 2019: TIR > 70 %, TBR < 4 % and < 1 %, TAR < 25 % and < 5 %, CV ≤ 36 %; 14 days
    with ≥ 70 % of the data."""
    from biolake.glucose.targets import consensus

    record = {"in_range_70_180": 80.0, "below_70": 2.0, "below_54": 0.5, "above_180": 18.0, "above_250": 2.0}
    record |= {"cv": 30.0, **changes}
    met = consensus(record, days, active)
    assert {k for k in record if met[k] is False} == unmet
    assert met["meets_all_targets"] is (not unmet) and met["sufficient_data"] is sufficient
