"""The readiness predictor's inputs: ``gold.feature_readiness_daily``, the targets and the leakage audit.

Timing (from the gold model's SQL and its ``.yml``): the row of day T holds what is known on the morning
of T — the night that ends on T's morning (``night_*``, Oura's scores of T) and days up to T − 1 (lags,
previous-7-day windows, the training load chart of T − 1). The forecast for day T is issued **the evening
before** (after day T − 1's training, before the night that ends on T): it may use the prior-days and
calendar columns of row T and the night of T − 1, never the night of T. That night is what the target is
computed from (Oura's readiness and sleep score of T, the night's HRV and resting heart rate), so its
columns are the same-day contributors of every target and are excluded; so are both labels.
``readiness_next_day`` of row T − 1 is ``readiness_today`` of row T: the target row is the target day.

Every column of the gold table is classified below. A column the audit does not know is refused (a new
gold column must be classified before a model may use it), so nothing reaches a model by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from biolake.errors import BiolakeError

if TYPE_CHECKING:
    import pandas as pd

    from biolake.lake.paths import LakePaths

TABLE = "gold.feature_readiness_daily"
KEYS = ("subject_id", "date_day")
# Labels: Oura's readiness of T (computed from the night ending on T) and of T + 1 (the future).
LABELS = ("readiness_today", "readiness_next_day")
CALENDAR = ("day_of_week", "is_weekend")
# Measured in the night that ends on the morning of T: known only once the target's night is over.
SAME_NIGHT = (
    "night_sleep_score",
    "night_sleep_hours",
    "night_efficiency_pct",
    "night_deep_min",
    "night_rem_min",
    "night_latency_min",
    "night_awake_min",
    "night_bedtime_clock_min",
    "night_midpoint_clock_min",
    "night_bedtime_sd_7d_min",
    "night_midpoint_sd_7d_min",
    "night_hrv_ms",
    "night_lowest_hr_bpm",
    "night_avg_hr_bpm",
    "night_breath_rpm",
    "night_temperature_deviation_c",
    "night_hrv_vs_prev7d_ms",
    "night_hrv_vs_prev28d_ms",
    "night_hrv_z_prev28d",
    "night_lowest_hr_vs_prev7d_bpm",
    "night_lowest_hr_vs_prev28d_bpm",
    "night_sleep_hours_vs_prev7d",
)
# Days up to T − 1 only (lag1 = T − 1, *_prev7d = T − 7 … T − 1, the PMC at the end of T − 1).
PRIOR_DAYS = (
    "readiness_lag1",
    "readiness_lag2",
    "readiness_prev7d",
    "sleep_score_lag1",
    "sleep_score_prev7d",
    "sleep_hours_prev7d",
    "steps_lag1",
    "steps_prev7d",
    "active_energy_kcal_lag1",
    "workout_min_lag1",
    "output_kj_lag1",
    "output_kj_lag2",
    "output_kj_prev7d",
    "late_workout_lag1",
    "resting_hr_lag1",
    "hrv_sdnn_lag1",
    "intake_kcal_lag1",
    "glucose_mean_lag1",
    "weight_kg_last_known",
    "tss_lag1",
    "ctl_lag1",
    "atl_lag1",
    "tsb_morning",
)
# The night of T − 1, shifted one calendar day onto row T (night_sleep_score of T − 1 is sleep_score_lag1).
PREV_NIGHT_PREFIX = "prev_"
PREV_NIGHT_SOURCES = tuple(c for c in SAME_NIGHT if c != "night_sleep_score")
PREV_NIGHT = tuple(PREV_NIGHT_PREFIX + c for c in PREV_NIGHT_SOURCES)


@dataclass(frozen=True)
class Target:
    """A daily metric of day T to forecast the evening before."""

    name: str
    column: str  # the column of row T holding the metric of T
    unit: str
    description: str
    # Same-day contributors: the columns of row T the metric is computed from or measured with.
    contributors: tuple[str, ...]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            "readiness",
            "readiness_today",
            "score",
            "Oura readiness of day T (0-100)",
            # Oura's readiness contributors of T: the previous night's sleep, HRV balance, resting heart
            # rate and body temperature (ouraring.com, "Readiness contributors").
            (
                "readiness_today",
                "night_sleep_score",
                "night_hrv_ms",
                "night_hrv_vs_prev7d_ms",
                "night_hrv_vs_prev28d_ms",
                "night_hrv_z_prev28d",
                "night_lowest_hr_bpm",
                "night_lowest_hr_vs_prev7d_bpm",
                "night_lowest_hr_vs_prev28d_bpm",
                "night_temperature_deviation_c",
            ),
        ),
        Target(
            "hrv",
            "night_hrv_ms",
            "ms",
            "average HRV (RMSSD) of the night ending on T",
            ("night_hrv_ms", "night_hrv_vs_prev7d_ms", "night_hrv_vs_prev28d_ms", "night_hrv_z_prev28d"),
        ),
        Target(
            "resting_hr",
            "night_lowest_hr_bpm",
            "bpm",
            "resting heart rate (Oura: lowest heart rate) of the night ending on T",
            (
                "night_lowest_hr_bpm",
                "night_lowest_hr_vs_prev7d_bpm",
                "night_lowest_hr_vs_prev28d_bpm",
                "night_avg_hr_bpm",
            ),
        ),
        Target(
            "sleep_score",
            "night_sleep_score",
            "score",
            "Oura sleep score of the night ending on T (0-100)",
            # Oura's sleep contributors: total sleep, efficiency, restfulness, REM, deep sleep, latency and
            # timing (ouraring.com, "Sleep score").
            (
                "night_sleep_score",
                "night_sleep_hours",
                "night_sleep_hours_vs_prev7d",
                "night_efficiency_pct",
                "night_deep_min",
                "night_rem_min",
                "night_latency_min",
                "night_awake_min",
                "night_bedtime_clock_min",
                "night_midpoint_clock_min",
                "night_bedtime_sd_7d_min",
                "night_midpoint_sd_7d_min",
            ),
        ),
    )
}


class LeakageError(BiolakeError):
    """A feature the leakage audit cannot vouch for."""


class FeatureError(BiolakeError):
    """The feature table is missing or has too little data."""


@dataclass(frozen=True)
class LeakageAudit:
    """Which columns a target's model may use, and why every other column is excluded."""

    target: str
    features: tuple[str, ...]
    excluded: dict[str, str] = field(default_factory=dict)


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise FeatureError(f"unknown target '{name}': choose one of {', '.join(TARGETS)}") from None


def excluded_columns(target: Target) -> dict[str, str]:
    """Column → reason, for every column of the gold table a model of ``target`` must not see."""
    reasons = dict.fromkeys(SAME_NIGHT, "measured in the night ending on T (the target's own night)")
    reasons["readiness_today"] = "label of T (Oura computes it from the night ending on T)"
    reasons["readiness_next_day"] = "label of T + 1 (the future)"
    for c in target.contributors:
        reasons[c] = f"same-day contributor of {target.name}" + (
            " (the target)" if c == target.column else ""
        )
    return reasons


def audit(columns: list[str] | tuple[str, ...], target: Target) -> LeakageAudit:
    """Classify every column: features are calendar, prior-days and previous-night columns only.

    Raises LeakageError for a column the audit does not know (never silently used)."""
    known = set(KEYS) | set(LABELS) | set(CALENDAR) | set(SAME_NIGHT) | set(PRIOR_DAYS) | set(PREV_NIGHT)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise LeakageError(
            f"{TABLE} has columns the leakage audit does not classify: {', '.join(unknown)} "
            "(add them to biolake.ml.features before a model may use them)"
        )
    reasons = excluded_columns(target)
    allowed = set(CALENDAR) | set(PRIOR_DAYS) | set(PREV_NIGHT)
    features = tuple(c for c in columns if c in allowed and c not in reasons)
    excluded = {c: reasons[c] for c in columns if c in reasons}
    return LeakageAudit(target.name, features, excluded)


def load_table(paths: LakePaths, subject: str) -> pd.DataFrame:
    """The subject's rows of the gold feature table on a contiguous calendar (index: date)."""
    import duckdb

    from biolake.lake.catalog import open_catalog, sql_string

    if not paths.catalog.is_file():
        raise FeatureError(f"no lake catalog at {paths.catalog}: import data and run 'biolake build'")
    con = open_catalog(paths)
    try:
        frame = con.sql(
            f"SELECT * FROM {TABLE} WHERE subject_id = {sql_string(subject)} ORDER BY date_day"
        ).df()
    except duckdb.CatalogException:
        raise FeatureError(f"{TABLE} does not exist: run 'biolake build' first") from None
    finally:
        con.close()
    if frame.empty:
        raise FeatureError(f"{TABLE} has no rows for subject '{subject}'")
    return to_calendar(frame)


def to_calendar(frame: pd.DataFrame) -> pd.DataFrame:
    """Index by date on a contiguous daily calendar (missing days become empty rows), numbers as floats,
    plus the previous night's columns (``prev_night_*``: the night of T − 1 on row T)."""
    import pandas as pd

    frame = frame.copy()
    frame["date_day"] = pd.to_datetime(frame["date_day"]).dt.normalize()
    frame = frame.set_index("date_day").sort_index()
    calendar = pd.date_range(frame.index.min(), frame.index.max(), freq="D", name="date_day")
    frame = frame.reindex(calendar)
    for column in frame.columns:
        if column != "subject_id":
            frame[column] = pd.to_numeric(frame[column].astype("Float64"), errors="coerce").astype(float)
    present = [c for c in PREV_NIGHT_SOURCES if c in frame.columns]
    shifted = frame[present].shift(1, freq="D").reindex(frame.index)
    shifted.columns = [PREV_NIGHT_PREFIX + c for c in present]
    return pd.concat([frame, shifted], axis=1)


@dataclass(frozen=True)
class Design:
    """A target's design matrix on the calendar: ``y`` (NaN where unknown) and the audited features."""

    target: Target
    frame: pd.DataFrame  # calendar-indexed: the features and the column "y"
    audit: LeakageAudit

    @property
    def features(self) -> list[str]:
        return list(self.audit.features)

    @property
    def y(self) -> pd.Series:
        return self.frame["y"]

    @property
    def labelled(self) -> pd.DataFrame:
        return self.frame[self.frame["y"].notna()]

    @property
    def first_day(self) -> date:
        return self.labelled.index.min().date()  # type: ignore[no-any-return]

    @property
    def last_day(self) -> date:
        return self.labelled.index.max().date()  # type: ignore[no-any-return]


def design(table: pd.DataFrame, target: Target) -> Design:
    """The audited features of ``table`` (as :func:`to_calendar` returns it) and the target column as y."""
    columns = [c for c in table.columns if c not in KEYS]
    checked = audit(columns, target)
    if target.column not in table.columns:
        raise FeatureError(f"{TABLE} has no column {target.column} for target {target.name}")
    frame = table[list(checked.features)].copy()
    frame["y"] = table[target.column]
    return Design(target, frame, checked)
