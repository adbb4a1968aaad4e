"""Correlation discovery: the pairs it tests, Benjamini-Hochberg against a hand computation, false
discoveries on simulated noise, and the planted relationships of docs/demo.md on the shared demo lake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biolake.insights.data import LakeData
from biolake.insights.discover import Settings, discover, load_metrics, pairs
from biolake.lake.paths import LakePaths


def test_pairs_skip_self_and_same_family_and_test_lag0_once() -> None:
    family = {"a": "f1", "b": "f1", "c": "f2"}
    got = pairs(["a", "b", "c"], family, max_lag=2)
    assert ("a", "b", 0) not in got and ("a", "b", 1) not in got  # same family
    assert ("a", "c", 0) in got and ("c", "a", 0) not in got  # lag 0 unordered
    assert {("a", "c", 1), ("c", "a", 1), ("a", "c", 2), ("c", "a", 2)} <= set(got)
    assert len(got) == 2 + 2 * 2 * 2  # (a,c),(b,c) at lag 0; both directions at lags 1, 2


def test_lean_spearman_matches_scipy_and_the_stats_module() -> None:
    from scipy import stats

    from biolake.insights.discover import spearman
    from biolake.insights.stats import correlation

    rng = np.random.default_rng(8)
    a = rng.normal(size=90).round(1)  # ties
    b = a + rng.normal(size=90)
    a[[1, 5]] = np.nan
    n, rho, p, low, high = spearman(a, b) or (0, 0, 0, 0, 0)
    keep = np.isfinite(a)
    ref = stats.spearmanr(a[keep], b[keep])
    assert (n, rho, p) == (88, pytest.approx(ref.statistic, abs=1e-12), pytest.approx(ref.pvalue, rel=1e-9))
    f = correlation(a, b, "spearman")
    assert (low, high) == pytest.approx((f.interval.low, f.interval.high), abs=1e-12)
    assert spearman(np.ones(10), np.arange(10.0)) is None


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini & Hochberg (1995) adjusted p-values, by hand."""
    m = len(p)
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    out = np.empty(m)
    out[order] = adjusted
    return out


def _noise(rng: np.random.Generator, metrics: int, days: int) -> pd.DataFrame:
    data = {f"m{i}": rng.normal(size=days) for i in range(metrics)}
    return pd.DataFrame({"date_day": pd.date_range("2026-01-01", periods=days), **data})


def test_q_values_are_benjamini_hochberg_and_ranking_puts_discoveries_first() -> None:
    rng = np.random.default_rng(3)
    frame = _noise(rng, 6, 150)
    frame["m1"] = frame["m0"] * 0.5 + rng.normal(size=150)
    out = discover(frame, {c: c for c in frame.columns}, Settings(max_lag=1))
    assert out["q_value"].to_numpy() == pytest.approx(_bh(out["p_value"].to_numpy()))
    top = out.iloc[0]
    assert {top["x"], top["y"]} == {"m0", "m1"} and top["lag_days"] == 0 and top["discovered"]
    assert out["discovered"].is_monotonic_decreasing


def test_pure_noise_gives_at_most_about_five_percent_false_discoveries() -> None:
    """Under the complete null, BH at q = 0.05 keeps P(any discovery) ≤ 0.05 (FDR = FWER here)."""
    rng = np.random.default_rng(2026)
    runs, with_discovery, tests, found = 30, 0, 0, 0
    for _ in range(runs):
        frame = _noise(rng, 8, 120)
        out = discover(frame, {c: c for c in frame.columns})
        tests += len(out)
        found += int(out["discovered"].sum())
        with_discovery += bool(out["discovered"].any())
    assert tests == runs * (28 + 56 * 3)
    assert with_discovery / runs <= 0.1  # ≈ 5 %, with room for 30 runs' sampling error
    assert found / tests <= 0.05


def test_false_discovery_proportion_with_real_effects_mixed_in() -> None:
    rng = np.random.default_rng(11)
    fdp = []
    for _ in range(10):
        frame = _noise(rng, 10, 200)
        frame["m1"] = 0.6 * frame["m0"] + rng.normal(size=200)  # true pairs: (m0,m1), (m2,m3 next day)
        frame["m3"] = 0.6 * frame["m2"].shift(1).fillna(0) + rng.normal(size=200)
        out = discover(frame, {c: c for c in frame.columns}, Settings(max_lag=1))
        hits = out[out["discovered"]]
        true = {("m0", "m1", 0), ("m2", "m3", 1)}
        real = [(r.x, r.y, r.lag_days) in true or (r.y, r.x, r.lag_days) in true for r in hits.itertuples()]
        assert sum(real) == 2  # both planted pairs found
        fdp.append(1 - sum(real) / len(hits))
    assert np.mean(fdp) <= 0.1


def test_minimum_n_and_effect_floor() -> None:
    rng = np.random.default_rng(5)
    frame = _noise(rng, 3, 25)
    assert discover(frame, {c: c for c in frame.columns}).empty  # 25 paired days < 30
    frame = _noise(rng, 2, 5000)
    frame["m1"] = frame["m1"] + 0.08 * frame["m0"]  # significant at n = 5000, but |rho| < 0.1
    out = discover(frame, {c: c for c in frame.columns}, Settings(max_lag=0))
    assert out.iloc[0]["q_value"] < 0.05 and not out.iloc[0]["discovered"]


PLANTED = [  # docs/demo.md: (x on day d, y on day d + lag, sign)
    ("sleep_score", "readiness_score", 0, +1),  # 1: sleep → readiness
    ("tss", "sleep_hrv_ms", 1, -1),  # 2: load → next-night HRV
    ("tss", "sleep_lowest_hr_bpm", 1, +1),  # 2: load → next-night lowest HR
    ("tss", "readiness_score", 1, -1),  # 2: load → next-day readiness
    ("carbs_g", "glucose_mean_mgdl", 0, +1),  # 4: meals → glucose
]


@pytest.fixture(scope="module")
def demo_discovery(demo_lake: Path) -> pd.DataFrame:
    return discover(load_metrics(LakeData(LakePaths.at(demo_lake))))


@pytest.mark.parametrize(("x", "y", "lag", "sign"), PLANTED)
def test_demo_planted_relationships_are_discovered_with_the_right_sign(
    demo_discovery: pd.DataFrame, x: str, y: str, lag: int, sign: int
) -> None:
    out = demo_discovery
    hit = out[(out["x"] == x) & (out["y"] == y) & (out["lag_days"] == lag)]
    if lag == 0 and hit.empty:
        hit = out[(out["x"] == y) & (out["y"] == x) & (out["lag_days"] == 0)]
    assert len(hit) == 1, (x, y, lag)
    row = hit.iloc[0]
    assert row["discovered"], row.to_dict()
    assert np.sign(row["rho"]) == sign, row.to_dict()


def test_demo_discovery_skips_trivial_pairs(demo_discovery: pd.DataFrame) -> None:
    same = demo_discovery[demo_discovery["x_family"] == demo_discovery["y_family"]]
    assert same.empty
    assert not ((demo_discovery["x"] == "ctl") & (demo_discovery["y"] == "tss")).any()
