"""The what-if on the trained readiness model (``biolake ml``): the scenario mapped onto the model's features.

The model forecasts readiness of day T the evening before, from row T of gold.feature_readiness_daily
(docs/ml.md). For a scenario on day D that is row D + 1: its prior-days columns describe D, so the
scenario's training replaces D's logged training there (``tss_lag1``, ``workout_min_lag1``,
``output_kj_lag1`` and the 7-day sum, and the PMC: ``ctl_lag1``, ``atl_lag1``, ``tsb_morning`` rolled
with the constants of training_load_daily). Readiness, sleep and the night before D's morning are facts
already in the row. D's steps, active energy, late-workout flag, intake and glucose stay as logged
(``HELD``): a workout phrase does not say them.

The model cannot see the night between D and D + 1 — Oura computes readiness from it, so the leakage audit
excludes it. A given ``--sleep-score`` updates the forecast through the night: forecast + β·(S − Ŝ), with
Ŝ the median sleep score of the 28 days before the night (the open-night assumption of the regression) and
β the least-squares slope of the model's residuals (readiness − forecast, every labelled day) on the
night's deviation from that median. The interval stays the model's split-conformal interval (nominal
coverage ``[ml] coverage``, default 80 %), which does not condition on the night: for a linear-Gaussian
relation knowing the night can only narrow it, so it is conservative.

Cycling output (kJ) of a planned ride = FTP·IF·seconds/1000 with FTP estimated as the median of average
power / intensity factor over your logged rides (intermediate.int_workouts_stress); other activities log
no power output (0 kJ). Without rides with power, or with a TSS given instead of workouts, the duration and
output stay as logged and are listed as held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from biolake.insights.whatif import ATL_DECAY, CTL_DECAY, PlanDay, Today

if TYPE_CHECKING:
    import pandas as pd

    from biolake.insights.data import LakeData
    from biolake.ml.registry import Version

TARGET = "readiness"
HELD = ("steps_lag1", "active_energy_kcal_lag1", "late_workout_lag1", "intake_kcal_lag1", "glucose_mean_lag1")
SLEEP_WINDOW = 28
PLAN_NOTE = (
    "plans of several days use the regression: from the second day on, the trained model would need the "
    "previous night's HRV, heart rate, temperature and sleep stages, which a plan cannot project"
)


def latest(data: LakeData) -> Version | None:
    """The newest saved readiness model of the lake, if any."""
    from biolake.ml.registry import versions

    found = versions(data.paths, TARGET)
    return found[-1] if found else None


def choose(data: LakeData, today: Today, plan: list[PlanDay]) -> tuple[Version | None, str | None]:
    """The model to use, or None and why not."""
    version = latest(data)
    if version is None:
        return None, "no trained readiness model in the lake ('biolake ml train' makes one)"
    if len(plan) > 1:
        return None, PLAN_NOTE
    after = today.day + timedelta(days=1)
    rows = data.frame(
        "SELECT count(*) AS n FROM gold.feature_readiness_daily "
        f"WHERE subject_id = $subject AND date_day = DATE '{after.isoformat()}'"
    )
    if not int(rows["n"].iloc[0]):
        return None, (
            f"gold.feature_readiness_daily has no row for {after} (the morning after the scenario day): "
            "rebuild gold with 'biolake build'"
        )
    return version, None


@dataclass(frozen=True)
class SleepUpdate:
    """forecast + slope·(sleep − expected): how the night's sleep score moves the evening forecast."""

    slope: float
    expected: float
    n: int


def sleep_update(table: pd.DataFrame, forecasts: pd.Series, day: pd.Timestamp) -> SleepUpdate:
    """The residual slope on the night's sleep deviation (every labelled day) and ``day``'s expectation."""
    import numpy as np

    sleep = table["night_sleep_score"]
    expected = sleep.rolling(SLEEP_WINDOW, min_periods=SLEEP_WINDOW // 2).median().shift(1)
    residual = table["readiness_today"] - forecasts
    both = residual.notna() & sleep.notna() & expected.notna()
    slope = float(np.polyfit((sleep - expected)[both], residual[both], 1)[0])
    return SleepUpdate(slope, float(expected.loc[day]), int(both.sum()))


def ftp_estimate(data: LakeData) -> float | None:
    """Median average power / intensity factor over the logged rides with power (W), or None."""
    frame = data.frame(
        "SELECT median(avg_power_w / intensity_factor) AS ftp FROM intermediate.int_workouts_stress "
        f"WHERE {data.where('local_date')} AND activity_type = 'cycling' AND avg_power_w > 0 "
        "AND intensity_factor > 0"
    )
    value = frame["ftp"].iloc[0]
    return None if value is None or value != value else float(value)


def overrides_for(
    data: LakeData, row: pd.Series, today: Today, day: PlanDay
) -> tuple[dict[str, float], list[str]]:
    """Feature values of row D + 1 under the scenario, and the scenario-dependent features held as logged."""
    tss = day.total_tss
    ctl = today.ctl_yesterday * CTL_DECAY + tss * (1 - CTL_DECAY)
    atl = today.atl_yesterday * ATL_DECAY + tss * (1 - ATL_DECAY)
    values = {"tss_lag1": tss, "ctl_lag1": ctl, "atl_lag1": atl, "tsb_morning": ctl - atl}
    held = list(HELD)
    if day.tss is not None:
        held += ["workout_min_lag1", "output_kj_lag1", "output_kj_prev7d"]
        return values, held
    values["workout_min_lag1"] = sum(w.minutes for w in day.workouts)
    rides = [w for w in day.workouts if w.activity_type == "cycling"]
    ftp = ftp_estimate(data) if rides else None
    if rides and ftp is None:
        held += ["output_kj_lag1", "output_kj_prev7d"]
        return values, held
    output = sum((ftp or 0.0) * w.intensity_factor * w.minutes * 60 / 1000 for w in rides)
    values["output_kj_lag1"] = output
    logged = row.get("output_kj_lag1")
    week = row.get("output_kj_prev7d")
    if logged == logged and week == week and logged is not None and week is not None:
        values["output_kj_prev7d"] = float(week) - float(logged) + output
    return values, held


def forecast(
    data: LakeData, version: Version, today: Today, day: PlanDay
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario's row (as the regression's ``simulate`` rows) and the model's details."""
    import pandas as pd

    from biolake.config import Settings
    from biolake.ml.features import design, get_target, load_table
    from biolake.ml.predict import predict_day

    table = load_table(data.paths, data.subject)
    when = pd.Timestamp(today.day + timedelta(days=1))
    model = version.model()
    features = design(table, get_target(TARGET)).features
    fitted = pd.Series(model.predict(table[features]), index=table.index)
    update = sleep_update(table, fitted, when)
    overrides, held = overrides_for(data, table.loc[when], today, day)
    settings = Settings(lake=data.paths.root, subject=data.subject)
    pred = predict_day(settings, when.date(), {k: v for k, v in overrides.items() if k in features}, TARGET)
    sleep = day.sleep_score if day.sleep_score is not None else update.expected
    shift = update.slope * (sleep - update.expected)
    readiness = pred.value + shift
    half = (pred.upper - pred.lower) / 2
    row = {
        "day": today.day.isoformat(),
        "predicted_for": when.date().isoformat(),
        "workouts": [w.text for w in day.workouts],
        "tss": round(day.total_tss, 1),
        "ctl": round(overrides["ctl_lag1"], 1),
        "atl": round(overrides["atl_lag1"], 1),
        "tsb_next_morning": round(overrides["tsb_morning"], 1),
        "sleep_score": round(sleep, 1),
        "sleep_assumed": day.sleep_score is None,
        "readiness": round(readiness, 1),
        "readiness_low": round(readiness - half, 1),
        "readiness_high": round(readiness + half, 1),
    }
    card = version.card()
    info = {
        "kind": "ml",
        "version": version.name,
        "family": card.get("model", {}).get("family"),
        "trained_through": card.get("data", {}).get("last_day"),
        "coverage": pred.coverage,
        "forecast_before_night": round(pred.value, 2),
        "sleep_update": {
            "slope": round(update.slope, 4),
            "expected_sleep_score": round(update.expected, 1),
            "n": update.n,
            "shift": round(shift, 2),
        },
        "overrides": {k: round(v, 2) for k, v in overrides.items() if k in features},
        "held": [h for h in held if h in features],
        "top_features": pred.as_dict()["top_features"],
    }
    return row, info
