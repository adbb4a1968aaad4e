"""What-if: predicted next-day readiness for a scenario (a workout and a night's sleep), and for a
multi-day plan rolling the Performance Management Chart forward with widening intervals.

The scenario day is the lake's last day (today when the lake is up to date): its morning readiness is
known; the scenario's workout replaces what that day logged. A single-day scenario uses the lake's trained
readiness model when there is one (``whatif_ml``); plans, and lakes without one, use the regression model.
That is a seam: anything with ``predict(features) -> Prediction`` (a mean and a standard deviation of the
next readiness) fits. The default is an OLS regression on gold.feature_readiness_daily of readiness on the
night's sleep score, the previous night's, the previous day's TSS, the previous readiness and the morning's
TSB; its 95 % prediction interval covers parameter and residual uncertainty (statsmodels ``get_prediction``).

PMC constants as dbt/models/marts/training/training_load_daily: CTL_d = CTL_(d-1)·e^(-1/42) +
TSS_d·(1 − e^(-1/42)), ATL with 7 days, TSB of a morning = yesterday's CTL − ATL. Over a plan, the
variance of each day's prediction adds the previous day's variance carried through the model's slope on the
previous readiness (delta method), and the spread of sleep scores for nights the plan leaves open, so
intervals widen day by day."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from biolake.insights.data import InsightError, LakeData
from biolake.insights.workouts import PlannedWorkout, parse_workout

if TYPE_CHECKING:
    import pandas as pd

FEATURES = ("night_sleep_score", "sleep_score_lag1", "tss_lag1", "readiness_lag1", "tsb_morning")
TARGET = "readiness_today"
CTL_DECAY = math.exp(-1 / 42)
ATL_DECAY = math.exp(-1 / 7)
Z95 = 1.959963984540054
LEVEL = 0.95  # the regression's prediction interval
MIN_ROWS = 30


@dataclass(frozen=True)
class Prediction:
    mean: float
    sd: float

    @property
    def low(self) -> float:
        return self.mean - Z95 * self.sd

    @property
    def high(self) -> float:
        return self.mean + Z95 * self.sd


class ReadinessModel(Protocol):
    """The seam for a readiness model: features by name (``FEATURES``) → next readiness."""

    def predict(self, features: Mapping[str, float]) -> Prediction: ...


class RegressionModel:
    """OLS of readiness on ``FEATURES`` (statsmodels); the prediction's SD is that of a new observation."""

    def __init__(self, frame: pd.DataFrame) -> None:
        import statsmodels.api as sm

        rows = frame[[TARGET, *FEATURES]].apply(lambda c: c.astype(float)).dropna()
        if len(rows) < MIN_ROWS:
            raise InsightError(f"only {len(rows)} complete days to fit the readiness model (need {MIN_ROWS})")
        self.n = len(rows)
        self.fit = sm.OLS(rows[TARGET], sm.add_constant(rows[list(FEATURES)])).fit()

    @property
    def coefficients(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.fit.params.items()}

    def predict(self, features: Mapping[str, float]) -> Prediction:
        import numpy as np
        from scipy.stats import t

        x = np.array([[1.0, *(float(features[f]) for f in FEATURES)]])
        frame = self.fit.get_prediction(x).summary_frame(alpha=0.05)
        mean = float(frame["mean"].iloc[0])
        # the t-based half-width of the new-observation interval, back to an SD
        sd = (float(frame["obs_ci_upper"].iloc[0]) - mean) / float(t.ppf(0.975, self.fit.df_resid))
        return Prediction(mean, sd)


@dataclass(frozen=True)
class PlanDay:
    """One day of a plan: its workouts (or a TSS given directly) and optionally the sleep score after it."""

    workouts: tuple[PlannedWorkout, ...] = ()
    tss: float | None = None
    sleep_score: float | None = None

    @property
    def total_tss(self) -> float:
        return self.tss if self.tss is not None else sum(w.tss for w in self.workouts)


@dataclass(frozen=True)
class Today:
    """The state on the scenario day's morning, from the lake."""

    day: date
    readiness: float
    sleep_score: float
    ctl_yesterday: float
    atl_yesterday: float
    sleep_median: float
    sleep_sd: float


def load_today(data: LakeData) -> tuple[pd.DataFrame, Today]:
    """The feature table (for the regression) and the latest day's state."""
    feat = data.frame(
        f"SELECT date_day, {TARGET}, {', '.join(FEATURES)} FROM gold.feature_readiness_daily "
        f"WHERE {data.where()} ORDER BY date_day"
    )
    daily = data.frame(
        "SELECT date_day, readiness_score, sleep_score, ctl, atl FROM gold.daily_summary "
        f"WHERE {data.where()} ORDER BY date_day"
    )
    ready = daily.dropna(subset=["readiness_score", "sleep_score"])
    if ready.empty or len(daily) < 2:
        raise InsightError("no day with both readiness and sleep score in the lake yet")
    last = ready.iloc[-1]
    prev = daily[daily["date_day"] < last["date_day"]].iloc[-1]
    recent = daily["sleep_score"].astype(float).dropna().tail(28)
    return feat, Today(
        last["date_day"].date() if hasattr(last["date_day"], "date") else last["date_day"],
        float(last["readiness_score"]),
        float(last["sleep_score"]),
        float(prev["ctl"]),
        float(prev["atl"]),
        float(recent.median()),
        float(recent.std(ddof=1)),
    )


def simulate(model: ReadinessModel, today: Today, plan: list[PlanDay]) -> list[dict[str, Any]]:
    """Roll the PMC and the readiness prediction forward over the plan (day 1 = the scenario day)."""
    rows = []
    ctl, atl = today.ctl_yesterday, today.atl_yesterday
    readiness, readiness_var, sleep_prev = today.readiness, 0.0, today.sleep_score
    for i, day in enumerate(plan):
        tss = day.total_tss
        ctl = ctl * CTL_DECAY + tss * (1 - CTL_DECAY)
        atl = atl * ATL_DECAY + tss * (1 - ATL_DECAY)
        sleep = day.sleep_score if day.sleep_score is not None else today.sleep_median
        feats = {
            "night_sleep_score": sleep,
            "sleep_score_lag1": sleep_prev,
            "tss_lag1": tss,
            "readiness_lag1": readiness,
            "tsb_morning": ctl - atl,
        }
        pred = model.predict(feats)
        slope_r = (
            model.predict({**feats, "readiness_lag1": readiness + 1}).mean
            - model.predict({**feats, "readiness_lag1": readiness - 1}).mean
        ) / 2
        var = pred.sd**2 + slope_r**2 * readiness_var
        if day.sleep_score is None:
            slope_s = (
                model.predict({**feats, "night_sleep_score": sleep + 1}).mean
                - model.predict({**feats, "night_sleep_score": sleep - 1}).mean
            ) / 2
            var += slope_s**2 * today.sleep_sd**2
        out = Prediction(pred.mean, math.sqrt(var))
        rows.append(
            {
                "day": (today.day + timedelta(days=i)).isoformat(),
                "predicted_for": (today.day + timedelta(days=i + 1)).isoformat(),
                "workouts": [w.text for w in day.workouts],
                "tss": round(tss, 1),
                "ctl": round(ctl, 1),
                "atl": round(atl, 1),
                "tsb_next_morning": round(ctl - atl, 1),
                "sleep_score": sleep,
                "sleep_assumed": day.sleep_score is None,
                "readiness": round(out.mean, 1),
                "readiness_low": round(out.low, 1),
                "readiness_high": round(out.high, 1),
            }
        )
        readiness, readiness_var, sleep_prev = out.mean, var, sleep
    return rows


def read_plan(path: Path) -> list[PlanDay]:
    """A plan file: a YAML list of days (or ``days:`` holding one), each with ``workout`` (text, a list of
    texts, or 'rest'), or ``tss``, and optionally ``sleep_score``."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InsightError(f"{path}: cannot read the plan ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InsightError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    days = raw.get("days") if isinstance(raw, dict) else raw
    if not isinstance(days, list) or not days:
        raise InsightError(f"{path}: expected a list of days (or 'days:' with one)")
    plan = []
    for i, item in enumerate(days, 1):
        where = f"{path}: day {i}"
        if isinstance(item, str):
            item = {"workout": item}
        if not isinstance(item, dict) or not set(item) <= {"workout", "tss", "sleep_score"}:
            raise InsightError(f"{where}: give 'workout', 'tss' and/or 'sleep_score'")
        texts = item.get("workout") or []
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise InsightError(f"{where}: 'workout' must be text or a list of texts")
        workouts = tuple(parse_workout(t, where) for t in texts)
        tss, sleep = item.get("tss"), item.get("sleep_score")
        for name, value, hi in (("tss", tss, 1000), ("sleep_score", sleep, 100)):
            if value is not None and (not isinstance(value, int | float) or not 0 <= value <= hi):
                raise InsightError(f"{where}: '{name}' must be a number from 0 to {hi}")
        plan.append(
            PlanDay(workouts, None if tss is None else float(tss), None if sleep is None else float(sleep))
        )
    return plan


MODEL_CHOICES = ("auto", "ml", "regression")


def whatif(
    data: LakeData, plan: list[PlanDay], model: ReadinessModel | None = None, prefer: str = "auto"
) -> dict[str, Any]:
    """Predict readiness over ``plan`` (one day for a single scenario); JSON-ready (``docs/insights.md``).

    ``prefer``: ``auto`` uses the lake's trained readiness model (``biolake ml``) when it exists and the
    scenario is one day, else the regression; ``ml`` insists on the trained model; ``regression`` never
    uses it. A ``model`` given through the seam is always used."""
    feat, today = load_today(data)
    note = None
    if model is None and prefer != "regression":
        from biolake.insights import whatif_ml

        version, note = whatif_ml.choose(data, today, plan)
        if version is not None:
            row, ml_info = whatif_ml.forecast(data, version, today, plan[0])
            return _document(today, f"ml:{version.name}", ml_info, note, float(ml_info["coverage"]), [row])
        if prefer == "ml":
            raise InsightError(f"--model ml: {note}")
    used = model or RegressionModel(feat)
    info: dict[str, Any] = {"kind": type(used).__name__}
    if isinstance(used, RegressionModel):
        info.update(
            kind="regression",
            n=used.n,
            r_squared=round(float(used.fit.rsquared), 3),
            coefficients={k: round(v, 4) for k, v in used.coefficients.items()},
        )
    name = "regression" if isinstance(used, RegressionModel) else type(used).__name__
    return _document(today, name, info, note, LEVEL, simulate(used, today, plan))


def _document(
    today: Today, name: str, info: dict[str, Any], note: str | None, level: float, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    kind = "split-conformal prediction interval" if name.startswith("ml:") else "prediction interval"
    return {
        "scenario_day": today.day.isoformat(),
        "start": {
            "readiness": today.readiness,
            "ctl": round(today.ctl_yesterday, 1),
            "atl": round(today.atl_yesterday, 1),
        },
        "model": name,
        "model_info": info,
        "model_note": note,
        "interval": f"{level * 100:.0f} % {kind}",
        "interval_level": level,
        "days": rows,
        "narrative": narrate(rows, name, level),
    }


def narrate(rows: list[dict[str, Any]], model: str = "regression", level: float = LEVEL) -> str:
    first, last = rows[0], rows[-1]
    pct = f"{level * 100:.0f} %"
    text = (
        f"With {first['tss']:.0f} TSS on {first['day']} and a sleep score of "
        f"{first['sleep_score']:.0f}, readiness on "
        f"{first['predicted_for']} is predicted at {first['readiness']:.0f} ({pct} prediction interval "
        f"{first['readiness_low']:.0f}–{first['readiness_high']:.0f})."
    )
    if len(rows) > 1:
        text += (
            f" After the {len(rows)}-day plan: {last['readiness']:.0f} ({last['readiness_low']:.0f}–"
            f"{last['readiness_high']:.0f}) on {last['predicted_for']}, "
            f"form (TSB) {last['tsb_next_morning']:+.0f}."
        )
    source = (
        f"the trained readiness model {model.removeprefix('ml:')}"
        if model.startswith("ml:")
        else "a regression on your past days"
    )
    return text + f" Predicted by {source}; estimates, not guarantees."
