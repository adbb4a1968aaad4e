"""Experiments: planted effects recovered within the intervals (autocorrelated data), difference-in-
differences removing a shared shift, block bootstrap, and storage that refuses bad input untouched."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from biolake.insights.data import InsightError
from biolake.insights.experiments import (
    Experiment,
    block_bootstrap_means,
    did_control_metric,
    did_control_period,
    estimate_change,
    find,
    load_experiments,
    start_experiment,
    stop_experiment,
    windows,
)
from biolake.lake.paths import LakePaths


def ar1(n: int, phi: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    x = np.zeros(n)
    e = rng.normal(0, sigma, n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def test_planted_effect_is_recovered_within_the_credible_interval() -> None:
    rng = np.random.default_rng(7)
    series = 60 + ar1(56, 0.5, 5, rng)
    series[28:] += 6
    est = estimate_change(series[:28], series[28:])
    assert est.credible_low < 6 < est.credible_high
    assert est.bootstrap_low < 6 < est.bootstrap_high
    assert est.credible_low > 0 and est.prob_increase > 0.975
    assert est.baseline_n_eff < 28  # autocorrelation shrinks the effective sample


def test_credible_interval_covers_the_planted_effect_in_most_runs() -> None:
    """Calibration over many autocorrelated series: about 95 % coverage (≥ 85 % in 40 runs)."""
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(40):
        s = 70 + ar1(60, 0.5, 6, rng)
        s[30:] += 4
        est = estimate_change(s[:30], s[30:], boot=200)
        covered += est.credible_low <= 4 <= est.credible_high
    assert covered >= 34


def test_prior_shrinks_toward_no_change() -> None:
    rng = np.random.default_rng(2)
    b, i = rng.normal(0, 1, 10), rng.normal(1, 1, 10)
    wide = estimate_change(b, i, prior_sd=1e6, boot=100)
    tight = estimate_change(b, i, prior_sd=0.1, boot=100)
    assert wide.posterior_mean == pytest.approx(wide.difference, rel=1e-6)
    assert abs(tight.posterior_mean) < abs(wide.posterior_mean)
    # normal-normal conjugate update by hand
    se2 = b.var(ddof=1) / wide.baseline_n_eff + i.var(ddof=1) / wide.intervention_n_eff
    post_var = 1 / (1 / 0.1**2 + 1 / se2)
    assert tight.posterior_sd == pytest.approx(np.sqrt(post_var))
    assert tight.posterior_mean == pytest.approx(post_var * tight.difference / se2)


def test_too_little_data_is_refused() -> None:
    with pytest.raises(InsightError, match="too little data"):
        estimate_change([1, 2, 3], [4, 5, 6, 7, 8, 9, 10])


def test_block_bootstrap_means_centre_on_the_sample_mean() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(5, 2, 50)
    x[4] = np.nan
    draws = block_bootstrap_means(x, 7, 4000, rng)
    assert draws.shape == (4000,)
    assert draws.mean() == pytest.approx(np.nanmean(x), abs=0.1)


def test_difference_in_differences_removes_a_shared_shift() -> None:
    rng = np.random.default_rng(4)
    common = ar1(60, 0.4, 1, rng)
    y = 50 + 5 * common + rng.normal(0, 2, 60)
    c = 20 + 5 * common + rng.normal(0, 2, 60)
    y[30:] += 8  # the season moves both by 5 (in baseline SDs ~ the same), plus the effect on y
    c[30:] += 5
    y[30:] += 5
    did = did_control_metric(y[:30], y[30:], c[:30], c[30:], "control")
    sd_y = np.std(y[:30], ddof=1)
    sd_c = np.std(c[:30], ddof=1)
    expected = (np.mean(y[30:]) - np.mean(y[:30])) / sd_y - (np.mean(c[30:]) - np.mean(c[:30])) / sd_c
    assert did.estimate == pytest.approx(expected)
    assert did.low < did.estimate < did.high


def test_difference_in_differences_against_the_preceding_period() -> None:
    rng = np.random.default_rng(5)
    trend = np.arange(120) * 0.05  # a drift that a plain before/after would mistake for an effect
    s = 60 + trend + rng.normal(0, 1, 120)
    s[90:] += 3
    did = did_control_period(s[:30], s[30:60], s[60:90], s[90:])
    assert did.low < 3 < did.high
    assert did.estimate == pytest.approx(
        (s[90:].mean() - s[60:90].mean()) - (s[30:60].mean() - s[:30].mean())
    )


def test_windows() -> None:
    exp = Experiment("x", "readiness_score", "2026-03-01", "2026-03-14", baseline_days=28)
    w = windows(exp, date(2026, 5, 1))
    assert w["baseline"] == (date(2026, 2, 1), date(2026, 2, 28))
    assert w["intervention"] == (date(2026, 3, 1), date(2026, 3, 14))
    assert w["control_intervention"] == (date(2026, 1, 18), date(2026, 1, 31))
    assert w["control_baseline"] == (date(2025, 12, 21), date(2026, 1, 17))


def test_storage_round_trip_and_refusals(tmp_path: Path) -> None:
    paths = LakePaths.at(tmp_path)
    start_experiment(paths, "no screens", "sleep_score", date(2026, 3, 1), "better sleep", "steps")
    before = (paths.state / "experiments.json").read_bytes()
    for call, message in [
        (lambda: start_experiment(paths, "no screens", "sleep_score"), "already exists"),
        (lambda: start_experiment(paths, "b", "sleep_quality"), "--metric: unknown daily metric"),
        (lambda: start_experiment(paths, "b", "sleep_score", control_metric="sleep_score"), "--control"),
        (lambda: start_experiment(paths, "b", "sleep_score", baseline_days=3), "--baseline-days"),
        (lambda: stop_experiment(paths, "no screens", date(2026, 2, 1)), "before the experiment's start"),
        (lambda: stop_experiment(paths, "nope"), "no experiment named"),
    ]:
        with pytest.raises(InsightError, match=message):
            call()
        assert (paths.state / "experiments.json").read_bytes() == before
    stop_experiment(paths, "no screens", date(2026, 3, 21))
    exp = find(paths, "no screens")
    assert (exp.start, exp.stop, exp.control_metric, exp.hypothesis) == (
        "2026-03-01",
        "2026-03-21",
        "steps",
        "better sleep",
    )
    with pytest.raises(InsightError, match="already stopped"):
        stop_experiment(paths, "no screens")
    assert [e.name for e in load_experiments(paths)] == ["no screens"]


def test_a_damaged_experiments_file_is_named(tmp_path: Path) -> None:
    paths = LakePaths.at(tmp_path)
    paths.state.mkdir()
    (paths.state / "experiments.json").write_text("{not json")
    with pytest.raises(InsightError, match=r"experiments\.json: not a valid experiments file"):
        load_experiments(paths)
