"""Differentially private aggregate exports: the Laplace mechanism over cohort means, and a privacy
budget per export.

The unit of privacy is one subject (all of their days). For each period (week or month) and metric the
export releases a noisy count of subjects and a noisy mean:

1. each subject's daily values are clipped to the metric's bounds [L, U] and averaged over the period,
   so one subject contributes one value in [L, U] to each (period, metric);
2. per (period, metric): the count N of contributing subjects (sensitivity 1) and the sum S of their
   values (sensitivity max(|L|, |U|) when one subject is added or removed);
3. Laplace noise with scale sensitivity / ε_q is added to each, and mean = clip(S~ / max(N~, 1), L, U).

A subject appears in every period and metric, so the 2·periods·metrics releases compose sequentially:
each gets ε_q = ε / (2·periods·metrics) and the export as a whole is ε-differentially private
(Dwork & Roth, *The Algorithmic Foundations of Differential Privacy*, 2014: Laplace mechanism, Thm 3.6;
sequential composition, Thm 3.14). The date span of the data (which periods exist) is treated as public.
Noise comes from numpy's PCG64 seeded by the operating system's CSPRNG; floating-point Laplace sampling
has known subtle weaknesses (Mironov, CCS 2012), so treat ε as nominal for adversaries who can exploit
the low bits of results.

Every export draws from a named budget kept in the lake's state (``state/privacy_budget.json``): an
export that would take the spent ε past the budget is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from biolake.errors import BiolakeError
from biolake.lake.paths import LakePaths
from biolake.sync.plan import Item, TableSpec, write_partitioned

BUDGET_FILE = "privacy_budget.json"
PERIODS = ("week", "month")


class PrivacyBudgetExceeded(BiolakeError):
    """An export would spend more ε than its budget has left."""


@dataclass(frozen=True)
class Bounds:
    """Clipping bounds of one metric: values are clipped to [lower, upper] before aggregation."""

    lower: float
    upper: float

    @property
    def sensitivity(self) -> float:
        """L1 sensitivity of a sum of one value per subject, under adding or removing a subject."""
        return max(abs(self.lower), abs(self.upper))


# Per-metric bounds for gold.daily_summary: physiological ranges wide enough for almost everyone.
DAILY_SUMMARY_BOUNDS = {
    "readiness_score": Bounds(0, 100),
    "sleep_score": Bounds(0, 100),
    "sleep_hours": Bounds(0, 14),
    "sleep_efficiency_pct": Bounds(0, 100),
    "sleep_hrv_ms": Bounds(0, 200),
    "resting_hr_bpm": Bounds(30, 110),
    "steps": Bounds(0, 40_000),
    "active_energy_kcal": Bounds(0, 3_000),
    "workout_min": Bounds(0, 300),
    "weight_kg": Bounds(30, 200),
    "intake_kcal": Bounds(0, 6_000),
    "glucose_mean_mgdl": Bounds(40, 400),
    "tir_70_180_pct": Bounds(0, 100),
}


def laplace_noise(scale: float, size: int, rng: Any) -> list[float]:
    """``size`` draws from Laplace(0, scale)."""
    return [float(v) for v in rng.laplace(0.0, scale, size)]


def new_rng() -> Any:
    """A numpy Generator seeded from the operating system's CSPRNG."""
    import secrets

    import numpy as np

    return np.random.Generator(np.random.PCG64(secrets.randbits(128)))


def noisy_aggregates(
    paths: LakePaths,
    epsilon: float,
    period: str = "month",
    bounds: dict[str, Bounds] | None = None,
    table: str = "daily_summary",
    rng: Any = None,
) -> pa.Table:
    """Per period and metric of ``gold.<table>``: noisy subject count and noisy clipped mean, ε-DP as a
    whole (see the module docstring). Columns: period_start, metric, subjects, mean, epsilon, and the
    noise scales used, so the recipient knows the uncertainty."""
    from biolake.lake.catalog import open_catalog

    if not epsilon > 0 or not math.isfinite(epsilon):
        raise BiolakeError(f"--epsilon {epsilon}: must be a positive number")
    if period not in PERIODS:
        raise BiolakeError(f"--period {period}: choose week or month")
    bounds = bounds if bounds is not None else DAILY_SUMMARY_BOUNDS
    con = open_catalog(paths)
    try:
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'gold' AND table_name = ?",
                [table],
            ).fetchall()
        }
        metrics = {m: b for m, b in bounds.items() if m in have}
        if not metrics or "date_day" not in have:
            raise BiolakeError(f"gold.{table}: no metrics to aggregate (build gold first)")
        per_subject = " UNION ALL ".join(
            f"SELECT date_trunc('{period}', date_day)::DATE AS period_start, subject_id, '{m}' AS metric, "
            f'avg(least(greatest("{m}", {b.lower}), {b.upper})) AS value '
            f'FROM gold."{table}" WHERE "{m}" IS NOT NULL GROUP BY 1, 2'
            for m, b in metrics.items()
        )
        periods = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT date_trunc('{period}', date_day)::DATE FROM gold.\"{table}\" ORDER BY 1"
            ).fetchall()
        ]
        sums = {
            (p, m): (float(s), int(n))
            for p, m, s, n in con.execute(
                f"SELECT period_start, metric, sum(value), count(*) FROM ({per_subject}) GROUP BY 1, 2"
            ).fetchall()
        }
    finally:
        con.close()
    rng = rng if rng is not None else new_rng()
    releases = 2 * len(periods) * len(metrics)
    eps_each = epsilon / releases
    rows: list[dict[str, Any]] = []
    for p in periods:
        for m, b in metrics.items():
            total, n = sums.get((p, m), (0.0, 0))
            noisy_n, noisy_sum = (
                n + laplace_noise(1 / eps_each, 1, rng)[0],
                total + laplace_noise(b.sensitivity / eps_each, 1, rng)[0],
            )
            mean = min(max(noisy_sum / max(noisy_n, 1.0), b.lower), b.upper)
            rows.append(
                {
                    "period_start": p,
                    "metric": m,
                    "subjects": max(round(noisy_n), 0),
                    "mean": mean,
                    "lower": b.lower,
                    "upper": b.upper,
                    "count_noise_scale": 1 / eps_each,
                    "sum_noise_scale": b.sensitivity / eps_each,
                    "epsilon": epsilon,
                }
            )
    return pa.Table.from_pylist(rows)


def _budget_path(paths: LakePaths) -> Path:
    return paths.state / BUDGET_FILE


def budget_state(paths: LakePaths) -> dict[str, Any]:
    """Every export's budget, spent ε and releases."""
    path = _budget_path(paths)
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def spend(paths: LakePaths, export: str, epsilon: float, budget: float, what: str) -> float:
    """Charge ``epsilon`` to the export's budget (set to ``budget`` on first use); the ε left afterwards.
    PrivacyBudgetExceeded, with nothing charged, when it would go over."""
    state = budget_state(paths)
    entry = state.setdefault(export, {"budget": budget, "spent": 0.0, "releases": []})
    left = float(entry["budget"]) - float(entry["spent"])
    if epsilon > left + 1e-12:
        raise PrivacyBudgetExceeded(
            f"privacy budget of export {export!r} exhausted: {left:.4g} of {entry['budget']:.4g} left, "
            f"--epsilon {epsilon:g} asked"
        )
    entry["spent"] = float(entry["spent"]) + epsilon
    entry["releases"].append({"at": datetime.now(UTC).isoformat(), "epsilon": epsilon, "what": what})
    path = _budget_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    tmp.replace(path)
    return float(entry["budget"]) - float(entry["spent"])


@dataclass(frozen=True)
class AggregateExport:
    """The plan maker of ``--share --epsilon``: only the noisy aggregates of gold.daily_summary leave the
    lake (row-level data beside them would make the noise pointless), charged to the export's budget."""

    epsilon: float
    export: str
    budget: float
    period: str = "month"
    dry_run: bool = False

    def __call__(self, paths: LakePaths, staging: Path) -> tuple[list[Item], list[TableSpec]]:
        table = noisy_aggregates(paths, self.epsilon, self.period)
        if not self.dry_run:
            spend(paths, self.export, self.epsilon, self.budget, f"daily_summary by {self.period}")
        folder = f"aggregates/daily_summary_{self.period}"
        items, spec = write_partitioned(table, staging, folder, "gold")
        spec.name = f"dp_daily_summary_{self.period}"
        return items, [spec]
