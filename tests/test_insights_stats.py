"""The statistical building blocks against scipy/statsmodels (and textbook formulas) on fixed data, and the
narration rules: thin data is called thin, associations are never called causes."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.nonparametric.smoothers_lowess import lowess as sm_lowess

from biolake.insights import stats as st
from biolake.insights.base import NOT_CAUSAL, Finding, Interval
from biolake.insights.narrate import association, stats_text
from biolake.insights.registry import ANALYZERS

RNG = np.random.default_rng(42)
X = RNG.normal(50, 10, 80)
Y = 0.4 * X + RNG.normal(0, 8, 80)
Y[[3, 17]] = np.nan  # pairwise deletion


def _pairs() -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(Y)
    return X[keep], Y[keep]


def test_pearson_matches_scipy_with_fisher_interval() -> None:
    x, y = _pairs()
    ref = stats.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)
    f = st.correlation(X, Y, "pearson")
    assert f.n == 78
    assert f.effect == pytest.approx(ref.statistic, abs=1e-12)
    assert f.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (f.interval.low, f.interval.high) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_spearman_matches_scipy_with_bonett_wright_interval() -> None:
    x, y = _pairs()
    ref = stats.spearmanr(x, y)
    f = st.correlation(X, Y, "spearman")
    assert f.effect == pytest.approx(ref.statistic, abs=1e-12)
    assert f.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    se = math.sqrt((1 + ref.statistic**2 / 2) / (len(x) - 3))
    z = np.arctanh(ref.statistic)
    assert f.interval.low == pytest.approx(np.tanh(z - stats.norm.ppf(0.975) * se), abs=1e-9)
    assert f.interval.high == pytest.approx(np.tanh(z + stats.norm.ppf(0.975) * se), abs=1e-9)


def test_ols_slope_matches_linregress() -> None:
    x, y = _pairs()
    ref = stats.linregress(x, y)
    q = stats.t.ppf(0.975, len(x) - 2)
    f = st.ols_slope(X, Y)
    assert f.effect == pytest.approx(ref.slope, rel=1e-9)
    assert f.p_value == pytest.approx(ref.pvalue, rel=1e-6)
    assert (f.interval.low, f.interval.high) == pytest.approx(
        (ref.slope - q * ref.stderr, ref.slope + q * ref.stderr), rel=1e-9
    )


def test_mann_whitney_rank_biserial_is_the_probability_difference() -> None:
    a = np.array([3.1, 4.0, 5.2, 6.0, 6.0, 7.3, 8.1, 9.9])
    b = np.array([1.0, 2.2, 3.1, 4.4, 5.0, 6.0])
    f = st.mann_whitney(a, b)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    diff = np.sign(a[:, None] - b[None, :])  # P(a > b) − P(a < b), ties count 0 (Kerby 2014)
    assert f.effect == pytest.approx(diff.mean(), abs=1e-12)
    assert f.p_value == pytest.approx(ref.pvalue)
    se = math.sqrt((len(a) + len(b) + 1) / (3 * len(a) * len(b)))
    assert f.interval.high == pytest.approx(np.tanh(np.arctanh(f.effect) + 1.959964 * se), abs=1e-6)
    assert f.n == 14


def test_kruskal_epsilon_squared() -> None:
    groups = [RNG.normal(m, 1, 20) for m in (0, 0.5, 1.5)]
    ref = stats.kruskal(*groups)
    f = st.kruskal(groups, boot=200)
    assert f.p_value == pytest.approx(ref.pvalue)
    assert f.effect == pytest.approx(ref.statistic / (60 - 1))  # (n²−1)/(n+1) = n − 1
    assert f.interval.low is not None and f.interval.high is not None
    assert f.interval.low < f.effect < f.interval.high


def test_theil_sen_and_mann_kendall() -> None:
    t = np.arange(40, dtype=float)
    y = 0.3 * t + RNG.normal(0, 2, 40)
    ref = stats.theilslopes(y, t, alpha=0.95)
    f = st.theil_sen(y)
    assert (f.effect, f.interval.low, f.interval.high) == pytest.approx(
        (ref.slope, ref.low_slope, ref.high_slope)
    )
    assert f.p_value == pytest.approx(stats.kendalltau(t, y).pvalue)


def test_robust_z_uses_the_normal_scaled_mad() -> None:
    base = np.array([60, 62, 58, 61, 59, 63, 57, 60, 100.0])  # one outlier does not move the baseline
    z, med, mad = st.robust_z(70.0, base)
    assert med == 60
    assert mad == pytest.approx(stats.median_abs_deviation(base, scale="normal"))
    assert z == pytest.approx((70 - 60) / mad)
    assert st.robust_z(5.0, np.array([5.0, 5.0, 5.0]))[0] is None


def test_mean_interval_without_autocorrelation_is_the_t_interval() -> None:
    x = RNG.normal(3, 2, 30)
    f = st.mean_interval(x, autocorrelated=False)
    ci = stats.t.interval(0.95, 29, loc=x.mean(), scale=stats.sem(x))
    assert (f.interval.low, f.interval.high) == pytest.approx(ci)
    assert f.p_value == pytest.approx(stats.ttest_1samp(x, 0).pvalue)


def test_effective_n_of_an_ar1_series() -> None:
    phi, n = 0.6, 4000
    e = RNG.normal(size=n)
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    assert st.effective_n(x) == pytest.approx(n * (1 - phi) / (1 + phi), rel=0.15)
    assert st.effective_n(RNG.normal(size=200)) == pytest.approx(200, rel=0.2)


def test_lowess_matches_statsmodels() -> None:
    x, y = _pairs()
    ref = sm_lowess(y, x, frac=0.5)
    xs, ys = st.lowess(X, Y, frac=0.5)
    assert xs == pytest.approx(list(ref[:, 0]))
    assert ys == pytest.approx(list(ref[:, 1]))


def test_too_few_points_give_no_estimate() -> None:
    f = st.correlation([1, 2, 3], [3, 2, 1])
    assert f.effect is None and f.p_value is None and f.n == 3
    assert "too few" in association(f, "a", "b")


CAUSAL = re.compile(r"\b(causes?|caused|causing|leads? to|drives?|improves?|because of|results? in|due to)\b")


def _finding(r: float, p: float) -> Finding:
    return Finding("x vs y", "spearman", 100, r, "rho", Interval(r - 0.1, r + 0.1), p)


@pytest.mark.parametrize(("r", "p"), [(0.5, 1e-6), (-0.3, 0.01), (0.05, 0.6)])
def test_association_wording_is_never_causal(r: float, p: float) -> None:
    text = association(_finding(r, p), "sleep scores", "readiness")
    assert not CAUSAL.search(text.replace(NOT_CAUSAL, "")), text
    assert ("not evidence that one causes the other" in text) == (p < 0.05)
    assert ("higher" if r > 0 else "lower") in text or p >= 0.05
    assert "n = 100" in stats_text(_finding(r, p))


def _thin_frame(columns: set[str]) -> pd.DataFrame:
    days = pd.date_range("2026-01-01", periods=5)
    data: dict[str, object] = {"date_day": days, "in_range": True}
    for c in columns:
        data[c] = np.linspace(1, 5, 5)
    return pd.DataFrame(data)


COLUMNS = {
    "sleep_score",
    "sleep_hours",
    "readiness_score",
    "tss",
    "sleep_hrv_ms",
    "sleep_lowest_hr_bpm",
    "ctl",
    "atl",
    "tsb",
    "resting_hr_bpm",
    "output_kj",
    "workout_min",
    "temperature_deviation_c",
    "temperature_deviation_3d_c",
    "total_sleep_min",
    "deep_pct",
    "rem_pct",
    "efficiency_pct",
    "midpoint_sd_28d_min",
    "social_jetlag_28d_min",
    "regularity_score_28d",
    "energy_kcal",
    "energy_balance_kcal",
    "protein_g",
    "weight_kg",
    "protein_pct_energy",
    "carbs_pct_energy",
    "fat_pct_energy",
    "overnight_glucose_mgdl",
    "glucose_mean_mgdl",
    "tir_70_180_pct",
    "carbs_g",
    "rise_mgdl",
    "minutes_to_peak",
    "steps",
    "readiness_change",
    "hrv_change",
}


@pytest.mark.parametrize("name", [n for n in ANALYZERS if n != "anomalies"])
def test_thin_data_is_refused_plainly(name: str) -> None:
    frame = _thin_frame(COLUMNS).assign(
        activity_type="cycling",
        intensity_band="tempo",
        is_free_day_night=False,
        illness_alert=False,
        illness_signal=False,
        week_start=pd.date_range("2026-01-05", periods=5, freq="7D"),
    )
    analyzer = ANALYZERS[name]
    result = analyzer.analyze(frame)
    assert result.verdict == "insufficient_data", name
    text = analyzer.narrate(result)
    assert "not enough data" in text and "at least" in text, text
