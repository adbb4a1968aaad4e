"""Correlation discovery: every pair of daily metrics at lags 0–3 days, Spearman's ρ with a Fisher-z
interval, Benjamini-Hochberg false-discovery-rate control (statsmodels ``multipletests``), a minimum number
of paired days and an effect-size floor; results cached in the lake (``state/insights/discoveries.parquet``)
and ranked.

Pairs inside one *family* are skipped: their metrics are measured together or computed from each other
(e.g. CTL and ATL are exponential averages of TSS, intake kcal is the sum of the macros, time in bed
contains sleep hours), so their correlation is true by construction and says nothing new. A pair is
tested once at lag 0 (x and y the same day) and in both directions at lags 1–3 (x on day d, y on day d+lag).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from biolake.insights.data import LakeData
from biolake.insights.stats import Z95

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

FAMILIES: dict[str, tuple[str, ...]] = {
    "readiness": ("readiness_score",),
    "sleep": (
        "sleep_score",
        "sleep_hours",
        "time_in_bed_hours",
        "sleep_efficiency_pct",
        "deep_sleep_min",
        "rem_sleep_min",
    ),
    "hrv": ("sleep_hrv_ms", "hrv_sdnn_ms"),
    "heart_rate": ("sleep_lowest_hr_bpm", "resting_hr_bpm"),
    "spo2": ("spo2_pct",),
    "temperature": ("temperature_deviation_c",),
    # workouts are part of the day's activity totals, and the PMC is computed from TSS
    "activity": (
        "activity_score",
        "steps",
        "active_energy_kcal",
        "total_energy_kcal",
        "exercise_time_min",
        "workouts",
        "workout_min",
        "workout_energy_kcal",
        "workout_output_kj",
        "workout_distance_km",
        "tss",
        "ctl",
        "atl",
        "tsb",
    ),
    "body": ("weight_kg",),
    "nutrition": ("intake_kcal", "carbs_g", "protein_g", "fat_g"),
    "glucose": ("glucose_mean_mgdl", "glucose_cv_pct", "tir_70_180_pct", "tbr_70_pct"),
}
FAMILY_OF = {metric: family for family, metrics in FAMILIES.items() for metric in metrics}

MAX_LAG = 3
MIN_N = 30
EFFECT_FLOOR = 0.1
Q = 0.05
COLUMNS = (
    "x",
    "y",
    "lag_days",
    "x_family",
    "y_family",
    "n",
    "rho",
    "ci_low",
    "ci_high",
    "p_value",
    "q_value",
    "discovered",
)


@dataclass(frozen=True)
class Settings:
    """The knobs of one discovery run."""

    max_lag: int = MAX_LAG
    min_n: int = MIN_N
    effect_floor: float = EFFECT_FLOOR
    q: float = Q


def pairs(metrics: list[str], family: dict[str, str], max_lag: int) -> list[tuple[str, str, int]]:
    """(x, y, lag) to test: unordered at lag 0, ordered at lags ≥ 1, never within one family."""
    out: list[tuple[str, str, int]] = []
    for i, x in enumerate(metrics):
        for j, y in enumerate(metrics):
            if x == y or family.get(x, x) == family.get(y, y):
                continue
            if j > i:
                out.append((x, y, 0))
            out.extend((x, y, lag) for lag in range(1, max_lag + 1))
    return out


def spearman(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> tuple[int, float, float, float, float] | None:
    """(n, ρ, p, low, high) over the pairwise-complete days: ρ is Pearson's r of the ranks (average ranks for
    ties), p from t = ρ·√((n−2)/(1−ρ²)) with n − 2 degrees of freedom (as scipy's ``spearmanr``), the
    interval on Fisher's z scale with Bonett & Wright's SE (as ``stats.correlation``). A lean version of
    ``stats.correlation`` for thousands of tests; None when undefined."""
    import numpy as np
    from scipy.special import stdtr
    from scipy.stats import rankdata

    keep = np.isfinite(a) & np.isfinite(b)
    n = int(keep.sum())
    if n < 4:
        return None
    ra, rb = rankdata(a[keep]), rankdata(b[keep])
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(ra @ ra) * float(rb @ rb))
    if den == 0:
        return None
    r = max(-1.0, min(1.0, float(ra @ rb) / den))
    if abs(r) == 1:
        return n, r, 0.0, r, r
    t = r * math.sqrt((n - 2) / (1 - r * r))
    p = float(2 * stdtr(n - 2, -abs(t)))
    se = math.sqrt((1 + r * r / 2) / (n - 3))
    z = math.atanh(r)
    return n, r, p, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se)


def discover(
    frame: pd.DataFrame, family: dict[str, str] | None = None, settings: Settings = Settings()
) -> pd.DataFrame:
    """Test every pair of the frame's metric columns (one row per consecutive day, oldest first); one row
    per test, ranked: discoveries first, then by q-value and |ρ|."""
    import numpy as np
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    family = FAMILY_OF if family is None else family
    metrics = [c for c in frame.columns if c != "date_day" and frame[c].notna().sum() >= settings.min_n]
    values = {m: pd.to_numeric(frame[m], errors="coerce").to_numpy(dtype=float) for m in metrics}
    rows = []
    for x, y, lag in pairs(metrics, family, settings.max_lag):
        xs = values[x][: len(values[x]) - lag] if lag else values[x]
        ys = values[y][lag:]
        test = spearman(xs, ys)
        if test is None or test[0] < settings.min_n or math.isnan(test[2]):
            continue
        n, rho, p, low, high = test
        x_family, y_family = family.get(x, x), family.get(y, y)
        rows.append(
            {
                "x": x,
                "y": y,
                "lag_days": lag,
                "x_family": x_family,
                "y_family": y_family,
                "n": n,
                "rho": rho,
                "ci_low": low,
                "ci_high": high,
                "p_value": p,
            }
        )
    out = pd.DataFrame(rows, columns=list(COLUMNS[:-2]))
    if out.empty:
        return out.assign(q_value=pd.Series(dtype=float), discovered=pd.Series(dtype=bool))
    out["q_value"] = multipletests(out["p_value"].to_numpy(), alpha=settings.q, method="fdr_bh")[1]
    out["discovered"] = (out["q_value"] <= settings.q) & (out["rho"].abs() >= settings.effect_floor)
    out["_abs"] = -out["rho"].abs()
    out = out.sort_values(["discovered", "q_value", "_abs"], ascending=[False, True, True]).drop(
        columns="_abs"
    )
    return out.reset_index(drop=True).astype({"discovered": bool, "n": np.int64, "lag_days": np.int64})


def load_metrics(data: LakeData) -> pd.DataFrame:
    """The daily metrics of gold.daily_summary that belong to a family, one row per calendar day."""
    cols = [m for metrics in FAMILIES.values() for m in metrics]
    return data.daily("gold.daily_summary", cols).drop(columns="in_range")


def fingerprint(frame: pd.DataFrame, data: LakeData, settings: Settings) -> str:
    """A hash of the input data and settings: the cache is reused only for exactly the same inputs."""
    import pandas as pd

    h = hashlib.sha256()
    h.update(repr((data.subject, settings, sorted(FAMILY_OF.items()))).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass
class Discovery:
    """Ranked tests of one run, whether they came from the cache, and the run's identity."""

    results: pd.DataFrame
    cached: bool
    fingerprint: str
    run_at: str
    tests: int
    settings: Settings


def cache_path(data: LakeData) -> str:
    return str(data.paths.state / "insights" / f"discoveries-{data.subject}.parquet")


def run_discovery(data: LakeData, settings: Settings = Settings(), refresh: bool = False) -> Discovery:
    """Discover over the lake's daily metrics, reusing the cached run when its inputs are unchanged."""
    from pathlib import Path

    import pandas as pd

    frame = load_metrics(data)
    key = fingerprint(frame, data, settings)
    path = Path(cache_path(data))
    if not refresh and path.is_file():
        cached = pd.read_parquet(path)
        if not cached.empty and cached["fingerprint"].iloc[0] == key:
            run_at = str(cached["run_at"].iloc[0])
            results = cached.drop(columns=["fingerprint", "run_at"])
            return Discovery(results, True, key, run_at, len(results), settings)
    results = discover(frame, settings=settings)
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    results.assign(fingerprint=key, run_at=run_at).to_parquet(tmp, index=False)
    tmp.replace(path)
    return Discovery(results, False, key, run_at, len(results), settings)
