"""Statistical building blocks of the insights, each returning a :class:`Finding` (n, effect size,
interval, p-value). scipy and statsmodels do the computing; the sources of each interval are named.

Missing values (NaN) are dropped pairwise. Functions return a finding with ``effect=None`` when there are
too few observations to compute anything."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from biolake.insights.base import Finding, Interval

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float64]

Z95 = 1.959963984540054
MAD_TO_SD = 1.482602218505602  # 1 / Φ⁻¹(3/4): MAD of a normal sample × this = its SD


def _arrays(x: Sequence[float] | Array, y: Sequence[float] | Array) -> tuple[Array, Array]:
    import numpy as np

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def _empty(label: str, method: str, n: int, effect_name: str, unit: str | None = None) -> Finding:
    return Finding(label, method, n, None, effect_name, Interval(None, None), None, unit)


def fisher_interval(r: float, se_z: float, level: float = 0.95) -> Interval:
    """``tanh(atanh(r) ± z·se)`` (Fisher 1921)."""
    from scipy.stats import norm

    if abs(r) >= 1:
        return Interval(r, r, level)
    z = math.atanh(r)
    q = float(norm.ppf(0.5 + level / 2))
    return Interval(math.tanh(z - q * se_z), math.tanh(z + q * se_z), level)


def correlation(
    x: Sequence[float] | Array, y: Sequence[float] | Array, method: str = "spearman", label: str = ""
) -> Finding:
    """Pearson's r or Spearman's ρ with scipy's p-value and a 95 % interval on Fisher's z scale: standard
    error 1/√(n−3) for Pearson (Fisher 1921), √((1 + ρ²/2)/(n−3)) for Spearman (Bonett & Wright 2000,
    Psychometrika 65:23)."""
    from scipy import stats

    a, b = _arrays(x, y)
    n = len(a)
    name = "rho" if method == "spearman" else "r"
    if n < 4 or a.std() == 0 or b.std() == 0:
        return _empty(label, method, n, name)
    if method == "spearman":
        res = stats.spearmanr(a, b)
        r, p = float(res.statistic), float(res.pvalue)
        se = math.sqrt((1 + r * r / 2) / (n - 3))
    else:
        res = stats.pearsonr(a, b)
        r, p = float(res.statistic), float(res.pvalue)
        se = 1 / math.sqrt(n - 3)
    return Finding(label, method, n, r, name, fisher_interval(r, se), p)


def ols_slope(
    x: Sequence[float] | Array, y: Sequence[float] | Array, label: str = "", unit: str | None = None
) -> Finding:
    """Slope of the ordinary least-squares line y = a + b·x with its t-based 95 % confidence interval and
    p-value (statsmodels OLS)."""
    import numpy as np
    import statsmodels.api as sm

    a, b = _arrays(x, y)
    n = len(a)
    if n < 3 or a.std() == 0:
        return _empty(label, "ols", n, "slope", unit)
    fit = sm.OLS(b, sm.add_constant(a)).fit()
    low, high = np.asarray(fit.conf_int())[1]
    return Finding(
        label,
        "ols",
        n,
        float(fit.params[1]),
        "slope",
        Interval(float(low), float(high)),
        float(fit.pvalues[1]),
        unit,
    )


def theil_sen(
    y: Sequence[float] | Array,
    x: Sequence[float] | Array | None = None,
    label: str = "",
    unit: str | None = None,
) -> Finding:
    """Theil-Sen slope (median of pairwise slopes) with Sen's 95 % interval (scipy ``theilslopes``) and the
    p-value of Kendall's τ between x and y (the Mann-Kendall trend test when x is time)."""
    import numpy as np
    from scipy import stats

    yy = np.asarray(y, dtype=float)
    xx = np.arange(len(yy), dtype=float) if x is None else np.asarray(x, dtype=float)
    a, b = _arrays(xx, yy)
    n = len(a)
    if n < 4 or a.std() == 0:
        return _empty(label, "theil_sen", n, "slope", unit)
    res = stats.theilslopes(b, a, alpha=0.95)
    p = float(stats.kendalltau(a, b).pvalue)
    return Finding(
        label,
        "theil_sen",
        n,
        float(res.slope),
        "slope",
        Interval(float(res.low_slope), float(res.high_slope)),
        p,
        unit,
    )


def mann_whitney(
    a: Sequence[float] | Array, b: Sequence[float] | Array, label: str = "", min_n: int = 3
) -> Finding:
    """Two-sided Mann-Whitney U test (scipy) with the rank-biserial correlation r = 2·U_a/(n_a·n_b) − 1
    (Kerby 2014; positive when ``a`` tends to be larger) and its 95 % interval on Fisher's z scale with
    SE √((n_a+n_b+1)/(3·n_a·n_b)) (as R's ``effectsize::rank_biserial``)."""
    import numpy as np
    from scipy import stats

    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    xa, xb = xa[np.isfinite(xa)], xb[np.isfinite(xb)]
    na, nb = len(xa), len(xb)
    if na < min_n or nb < min_n:
        return _empty(label, "mann_whitney", na + nb, "rank_biserial")
    res = stats.mannwhitneyu(xa, xb, alternative="two-sided")
    r = 2 * float(res.statistic) / (na * nb) - 1
    se = math.sqrt((na + nb + 1) / (3 * na * nb))
    return Finding(
        label, "mann_whitney", na + nb, r, "rank_biserial", fisher_interval(r, se), float(res.pvalue)
    )


def epsilon_squared(h: float, n: int) -> float:
    """Kruskal-Wallis effect size ε² = H / ((n² − 1)/(n + 1)) (Tomczak & Tomczak 2014)."""
    return h / ((n * n - 1) / (n + 1))


def kruskal(
    groups: Sequence[Sequence[float] | Array], label: str = "", boot: int = 1000, seed: int = 0
) -> Finding:
    """Kruskal-Wallis H test across groups (scipy) with ε² and a percentile bootstrap 95 % interval of ε²
    (groups resampled with replacement, ``boot`` times, fixed seed)."""
    import numpy as np
    from scipy import stats

    gs = [np.asarray(g, dtype=float) for g in groups]
    gs = [g[np.isfinite(g)] for g in gs]
    gs = [g for g in gs if len(g) > 0]
    n = sum(len(g) for g in gs)
    if len(gs) < 2 or n < 6 or np.concatenate(gs).std() == 0:
        return _empty(label, "kruskal_wallis", n, "epsilon_squared")
    res = stats.kruskal(*gs)
    eps = epsilon_squared(float(res.statistic), n)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(boot):
        sample = [rng.choice(g, size=len(g)) for g in gs]
        if np.concatenate(sample).std() > 0:
            draws.append(epsilon_squared(float(stats.kruskal(*sample).statistic), n))
    low, high = np.percentile(draws, [2.5, 97.5])
    return Finding(
        label,
        "kruskal_wallis",
        n,
        eps,
        "epsilon_squared",
        Interval(float(low), float(high)),
        float(res.pvalue),
    )


def mean_interval(
    x: Sequence[float] | Array, label: str = "", unit: str | None = None, autocorrelated: bool = True
) -> Finding:
    """Mean with a t-based 95 % interval and the p-value of H0: mean = 0; for a daily series the sample size
    is replaced by the AR(1) effective n = n·(1−ρ₁)/(1+ρ₁) (Bayley & Hammersley 1946), never above n."""
    import numpy as np
    from scipy import stats

    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    n = len(a)
    if n < 3:
        return _empty(label, "mean", n, "mean", unit)
    m, sd = float(a.mean()), float(a.std(ddof=1))
    n_eff = effective_n(a) if autocorrelated else float(n)
    if sd == 0:
        return Finding(label, "mean", n, m, "mean", Interval(m, m), None, unit)
    se = sd / math.sqrt(n_eff)
    q = float(stats.t.ppf(0.975, max(n_eff - 1, 1)))
    p = float(2 * stats.t.sf(abs(m / se), max(n_eff - 1, 1)))
    return Finding(label, "mean", n, m, "mean", Interval(m - q * se, m + q * se), p, unit)


def lag1_autocorrelation(x: Sequence[float] | Array) -> float:
    """Lag-1 autocorrelation of a series (consecutive finite pairs), 0 when undefined."""
    import numpy as np

    a = np.asarray(x, dtype=float)
    if len(a) < 3:
        return 0.0
    prev, nxt = a[:-1], a[1:]
    keep = np.isfinite(prev) & np.isfinite(nxt)
    if keep.sum() < 3:
        return 0.0
    m = np.nanmean(a)
    den = float(np.nansum((a - m) ** 2))
    return 0.0 if den == 0 else float(np.sum((prev[keep] - m) * (nxt[keep] - m)) / den)


def effective_n(x: Sequence[float] | Array) -> float:
    """AR(1) effective sample size n·(1−ρ₁)/(1+ρ₁), between 2 and n (ρ₁ < 0 does not inflate n)."""
    import numpy as np

    a = np.asarray(x, dtype=float)
    n = int(np.isfinite(a).sum())
    rho = max(0.0, min(lag1_autocorrelation(a), 0.99))
    return max(2.0, min(float(n), n * (1 - rho) / (1 + rho)))


def robust_z(value: float, baseline: Sequence[float] | Array) -> tuple[float | None, float, float]:
    """(z, median, scaled MAD) of ``value`` against a baseline: (x − median) / (1.4826·MAD) (Iglewicz &
    Hoaglin 1993); z is None when the baseline has no spread."""
    import numpy as np

    b = np.asarray(baseline, dtype=float)
    b = b[np.isfinite(b)]
    med = float(np.median(b))
    mad = float(np.median(np.abs(b - med))) * MAD_TO_SD
    return (None if mad == 0 else (value - med) / mad), med, mad


def lowess(
    x: Sequence[float] | Array, y: Sequence[float] | Array, frac: float = 2 / 3
) -> tuple[list[float], list[float]]:
    """The LOWESS curve (statsmodels, ``frac`` of the points per local fit): sorted x and fitted y."""
    from statsmodels.nonparametric.smoothers_lowess import lowess as sm_lowess

    a, b = _arrays(x, y)
    if len(a) < 5:
        return [], []
    fit = sm_lowess(b, a, frac=frac, return_sorted=True)
    return [float(v) for v in fit[:, 0]], [float(v) for v in fit[:, 1]]
