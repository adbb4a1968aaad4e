"""Self-experiments: an intervention period (start → stop) against the baseline period just before it.

Stored in the lake as ``state/experiments.json``. ``analyze`` gives

- a Bayesian estimate of the change in the metric's mean: prior change ~ Normal(0, SD_baseline²) (weakly
  informative: a change of a couple of baseline SDs is plausible, nothing is ruled out), a normal likelihood
  centred on the observed difference with variance s²_B/n_eff,B + s²_I/n_eff,I, where n_eff = n(1−ρ₁)/(1+ρ₁)
  corrects for day-to-day autocorrelation (AR(1)); conjugate normal-normal posterior, 95 % credible
  interval and P(change > 0);
- a moving-block bootstrap 95 % interval of the raw difference (Künsch 1989; blocks of 7 days keep the
  weekly rhythm and the autocorrelation);
- a difference-in-differences estimate: the change in the metric minus the change in a control metric over
  the same days (both in baseline-SD units, so different units compare), or, without a control metric,
  minus the change between the two equally long periods just before (a control period); bootstrap interval.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from biolake.insights.data import InsightError, LakeData
from biolake.insights.discover import FAMILY_OF

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from biolake.lake.paths import LakePaths

BLOCK_DAYS = 7
BOOT = 2000
MIN_DAYS = 7
BASELINE_DAYS = 28


@dataclass
class Experiment:
    name: str
    metric: str
    start: str
    stop: str | None = None
    hypothesis: str | None = None
    control_metric: str | None = None
    baseline_days: int = BASELINE_DAYS
    created_at: str = ""


def _file(paths: LakePaths) -> Any:
    return paths.state / "experiments.json"


def load_experiments(paths: LakePaths) -> list[Experiment]:
    f = _file(paths)
    if not f.is_file():
        return []
    try:
        raw = json.loads(f.read_text())
        return [Experiment(**e) for e in raw["experiments"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InsightError(f"{f}: not a valid experiments file ({exc})") from None


def _save(paths: LakePaths, experiments: list[Experiment]) -> None:
    f = _file(paths)
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_name(f".{f.name}.tmp")
    tmp.write_text(json.dumps({"experiments": [asdict(e) for e in experiments]}, indent=2) + "\n")
    tmp.replace(f)


def _check_metric(metric: str, option: str) -> None:
    if metric not in FAMILY_OF:
        raise InsightError(
            f"{option}: unknown daily metric {metric!r} (one of: {', '.join(sorted(FAMILY_OF))})"
        )


def find(paths: LakePaths, name: str) -> Experiment:
    for e in load_experiments(paths):
        if e.name == name:
            return e
    raise InsightError(f"no experiment named {name!r} (see 'biolake experiment list')")


def start_experiment(
    paths: LakePaths,
    name: str,
    metric: str,
    start: date | None = None,
    hypothesis: str | None = None,
    control_metric: str | None = None,
    baseline_days: int = BASELINE_DAYS,
) -> Experiment:
    """Record a new experiment starting on ``start`` (default today)."""
    _check_metric(metric, "--metric")
    if control_metric is not None:
        _check_metric(control_metric, "--control")
        if control_metric == metric:
            raise InsightError("--control: the control metric must differ from --metric")
    if baseline_days < MIN_DAYS:
        raise InsightError(f"--baseline-days: at least {MIN_DAYS} days are needed (got {baseline_days})")
    if not name.strip():
        raise InsightError("NAME: an experiment needs a name")
    experiments = load_experiments(paths)
    if any(e.name == name for e in experiments):
        raise InsightError(f"an experiment named {name!r} already exists")
    exp = Experiment(
        name,
        metric,
        (start or date.today()).isoformat(),
        None,
        hypothesis,
        control_metric,
        baseline_days,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _save(paths, [*experiments, exp])
    return exp


def stop_experiment(paths: LakePaths, name: str, stop: date | None = None) -> Experiment:
    """End a running experiment on ``stop`` (default today; the last day of the intervention)."""
    experiments = load_experiments(paths)
    exp = find(paths, name)
    if exp.stop is not None:
        raise InsightError(f"experiment {name!r} already stopped on {exp.stop}")
    end = stop or date.today()
    if end < date.fromisoformat(exp.start):
        raise InsightError(f"--on: {end} is before the experiment's start {exp.start}")
    exp.stop = end.isoformat()
    _save(paths, [exp if e.name == name else e for e in experiments])
    return exp


# --- estimation -------------------------------------------------------------------------------------


def block_bootstrap_means(
    x: npt.NDArray[np.float64], block: int, boot: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Means of ``boot`` moving-block bootstrap resamples of the series ``x`` (NaN dropped)."""
    import numpy as np

    a = x[np.isfinite(x)]
    n = len(a)
    block = max(1, min(block, n))
    k = math.ceil(n / block)
    starts = rng.integers(0, n - block + 1, size=(boot, k))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(boot, -1)[:, :n]
    return np.asarray(a[idx].mean(axis=1), dtype=float)


@dataclass
class Estimate:
    """A change between two periods: Bayesian posterior, raw difference and its bootstrap interval."""

    baseline_n: int
    intervention_n: int
    baseline_mean: float
    intervention_mean: float
    difference: float
    bootstrap_low: float
    bootstrap_high: float
    prior_sd: float
    posterior_mean: float
    posterior_sd: float
    credible_low: float
    credible_high: float
    prob_increase: float
    baseline_n_eff: float
    intervention_n_eff: float


def estimate_change(
    baseline: npt.ArrayLike,
    intervention: npt.ArrayLike,
    prior_sd: float | None = None,
    block: int = BLOCK_DAYS,
    boot: int = BOOT,
    seed: int = 0,
) -> Estimate:
    """Bayesian and block-bootstrap estimates of mean(intervention) − mean(baseline) (module docstring)."""
    import numpy as np
    from scipy.stats import norm

    from biolake.insights.stats import effective_n

    b = np.asarray(baseline, dtype=float)
    i = np.asarray(intervention, dtype=float)
    b, i = b[np.isfinite(b)], i[np.isfinite(i)]
    if len(b) < MIN_DAYS or len(i) < MIN_DAYS:
        raise InsightError(
            f"too little data: {len(b)} baseline and {len(i)} intervention days (need {MIN_DAYS} each)"
        )
    nb, ni = effective_n(b), effective_n(i)
    diff = float(i.mean() - b.mean())
    se2 = float(b.var(ddof=1) / nb + i.var(ddof=1) / ni)
    tau = prior_sd if prior_sd is not None else float(b.std(ddof=1)) or 1.0
    post_var = 1 / (1 / tau**2 + 1 / se2) if se2 > 0 else 0.0
    post_mean = post_var * diff / se2 if se2 > 0 else diff
    post_sd = math.sqrt(post_var)
    rng = np.random.default_rng(seed)
    draws = block_bootstrap_means(i, block, boot, rng) - block_bootstrap_means(b, block, boot, rng)
    low, high = np.percentile(draws, [2.5, 97.5])
    return Estimate(
        len(b),
        len(i),
        float(b.mean()),
        float(i.mean()),
        diff,
        float(low),
        float(high),
        tau,
        post_mean,
        post_sd,
        post_mean - 1.959963984540054 * post_sd,
        post_mean + 1.959963984540054 * post_sd,
        float(norm.sf(0, loc=post_mean, scale=post_sd)) if post_sd > 0 else float(post_mean > 0),
        nb,
        ni,
    )


@dataclass
class DiD:
    """Difference-in-differences: (treated change) − (control change), with a bootstrap interval."""

    control: str
    estimate: float
    low: float
    high: float
    unit: str


def did_control_metric(
    y_base: npt.ArrayLike,
    y_int: npt.ArrayLike,
    c_base: npt.ArrayLike,
    c_int: npt.ArrayLike,
    control: str,
    block: int = BLOCK_DAYS,
    boot: int = BOOT,
    seed: int = 0,
) -> DiD:
    """DiD against a control metric, in baseline-SD units of each metric: days with both values only,
    resampled jointly (moving blocks) so the metrics' day-to-day correlation is kept."""
    import numpy as np

    def z(base: npt.NDArray[np.float64], other: npt.NDArray[np.float64]) -> tuple[Any, Any]:
        m, s = float(np.nanmean(base)), float(np.nanstd(base, ddof=1)) or 1.0
        return (base - m) / s, (other - m) / s

    yb, yi = z(np.asarray(y_base, float), np.asarray(y_int, float))
    cb, ci = z(np.asarray(c_base, float), np.asarray(c_int, float))
    gap_b, gap_i = yb - cb, yi - ci
    if np.isfinite(gap_b).sum() < MIN_DAYS or np.isfinite(gap_i).sum() < MIN_DAYS:
        raise InsightError(f"too few days with both the metric and the control {control!r}")
    est = float(np.nanmean(gap_i) - np.nanmean(gap_b))
    rng = np.random.default_rng(seed)
    draws = block_bootstrap_means(gap_i, block, boot, rng) - block_bootstrap_means(gap_b, block, boot, rng)
    low, high = np.percentile(draws, [2.5, 97.5])
    return DiD(f"metric {control}", est, float(low), float(high), "baseline SD")


def did_control_period(
    pre_base: npt.ArrayLike,
    pre_int: npt.ArrayLike,
    base: npt.ArrayLike,
    intervention: npt.ArrayLike,
    block: int = BLOCK_DAYS,
    boot: int = BOOT,
    seed: int = 0,
) -> DiD:
    """DiD against a control period: (intervention − baseline) − (the same change between the two equally
    long periods just before), in the metric's units."""
    import numpy as np

    arrays = [np.asarray(a, float) for a in (pre_base, pre_int, base, intervention)]
    if min(np.isfinite(a).sum() for a in arrays) < MIN_DAYS:
        raise InsightError("too little data before the baseline for a control period")
    pb, pi, b, i = arrays
    est = float((np.nanmean(i) - np.nanmean(b)) - (np.nanmean(pi) - np.nanmean(pb)))
    rng = np.random.default_rng(seed)
    m = [block_bootstrap_means(a, block, boot, rng) for a in arrays]
    draws = (m[3] - m[2]) - (m[1] - m[0])
    low, high = np.percentile(draws, [2.5, 97.5])
    return DiD("the preceding period", est, float(low), float(high), "metric units")


def windows(exp: Experiment, last_day: date) -> dict[str, tuple[date, date]]:
    """Baseline, intervention and the control period's two windows (each as first, last day)."""
    start = date.fromisoformat(exp.start)
    stop = date.fromisoformat(exp.stop) if exp.stop else last_day
    length = (stop - start).days + 1
    b0 = start - timedelta(days=exp.baseline_days)
    shift = timedelta(days=exp.baseline_days + length)
    return {
        "baseline": (b0, start - timedelta(days=1)),
        "intervention": (start, stop),
        "control_baseline": (b0 - shift, start - timedelta(days=1) - shift),
        "control_intervention": (start - shift, stop - shift),
    }


def analyze_experiment(data: LakeData, name: str) -> dict[str, Any]:
    """The experiment's estimates as a JSON-ready dict (``docs/insights.md``)."""
    import pandas as pd

    exp = find(data.paths, name)
    cols = [exp.metric] + ([exp.control_metric] if exp.control_metric else [])
    frame = LakeData(data.paths, data.subject).daily("gold.daily_summary", cols)
    if frame.empty:
        raise InsightError("the lake has no daily data yet")
    days = pd.to_datetime(frame["date_day"]).dt.date
    spans = windows(exp, max(days))

    def values(window: str, col: str) -> Any:
        lo, hi = spans[window]
        return pd.to_numeric(frame.loc[(days >= lo) & (days <= hi), col], errors="coerce").to_numpy(
            dtype=float
        )

    est = estimate_change(values("baseline", exp.metric), values("intervention", exp.metric))
    notes: list[str] = []
    did: DiD | None = None
    try:
        if exp.control_metric:
            did = did_control_metric(
                values("baseline", exp.metric),
                values("intervention", exp.metric),
                values("baseline", exp.control_metric),
                values("intervention", exp.control_metric),
                exp.control_metric,
            )
        else:
            did = did_control_period(
                *(
                    values(w, exp.metric)
                    for w in ("control_baseline", "control_intervention", "baseline", "intervention")
                )
            )
    except InsightError as exc:
        notes.append(f"no difference-in-differences estimate: {exc}")
    excludes_zero = est.credible_low > 0 or est.credible_high < 0
    verdict = "signal" if excludes_zero else "no_clear_signal"
    return {
        "experiment": asdict(exp),
        "windows": {k: [v[0].isoformat(), v[1].isoformat()] for k, v in spans.items()},
        "running": exp.stop is None,
        "verdict": verdict,
        "estimate": asdict(est),
        "prior": f"change in mean ~ Normal(0, {est.prior_sd:.3g}²) (one baseline SD)",
        "difference_in_differences": None if did is None else asdict(did),
        "notes": notes,
        "narrative": narrate_experiment(exp, est, did, verdict),
    }


def narrate_experiment(exp: Experiment, est: Estimate, did: DiD | None, verdict: str) -> str:
    text = (
        f"{exp.metric} averaged {est.intervention_mean:.2f} during '{exp.name}' "
        f"({est.intervention_n} days) against {est.baseline_mean:.2f} in the {est.baseline_n} baseline days. "
        f"Estimated change {est.posterior_mean:+.2f} (95 % credible interval {est.credible_low:+.2f} to "
        f"{est.credible_high:+.2f}; P(increase) = {est.prob_increase:.2f}; block-bootstrap interval of the "
        f"raw difference {est.bootstrap_low:+.2f} to {est.bootstrap_high:+.2f})."
    )
    if verdict != "signal":
        text += " The interval includes no change, so the data do not show a clear change yet."
    if did is not None:
        text += (
            f" Against {did.control}, the difference-in-differences is {did.estimate:+.2f} {did.unit} "
            f"(95 % interval {did.low:+.2f} to {did.high:+.2f})."
        )
    return text + " A before/after comparison in one person cannot rule out other changes over the same days."
