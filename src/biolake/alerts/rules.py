"""The alert rules. Each reads gold (or silver) and returns every *episode* of its condition: a run of
consecutive days (or readings) on which it holds. An episode's key names the rule, the subject and the
episode's start, so the same episode keeps its key from run to run and alerts only once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from biolake.alerts.config import AlertConfig
from biolake.lake.schema import ENTITIES


@dataclass(frozen=True)
class Episode:
    rule: str
    subject_id: str
    start: datetime
    end: datetime
    severity: str  # info | warning | urgent
    message: str
    value: float | None = None
    threshold: float | None = None
    scope: str = ""  # what the condition is about when a rule watches several things (a source)

    @property
    def key(self) -> str:
        scope = f"{self.scope}:" if self.scope else ""
        return f"{self.rule}:{self.subject_id}:{scope}{self.start.isoformat()}"


@dataclass(frozen=True)
class RuleInput:
    con: duckdb.DuckDBPyConnection
    subject: str
    config: AlertConfig
    today: date  # the user's calendar day (stale data is measured against it)
    since: date  # episodes ending before this day are of no interest


Rule = Callable[[RuleInput], list[Episode]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    rel = con.execute(sql, list(params))
    columns = [d[0] for d in rel.description or []]
    return [dict(zip(columns, r, strict=True)) for r in rel.fetchall()]


def _has_gold(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = 'gold' AND table_name = ?"
    return con.execute(sql, [name]).fetchone() is not None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _day_runs(days: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group rows (sorted by ``date_day``) into runs of consecutive calendar days."""
    runs: list[list[dict[str, Any]]] = []
    for row in days:
        if runs and row["date_day"] - runs[-1][-1]["date_day"] == timedelta(days=1):
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


BASELINE_SQL = """
SELECT date_day, v, mu, sd, n FROM (
  SELECT date_day, v,
         avg(v) OVER w AS mu, stddev_samp(v) OVER w AS sd, count(v) OVER w AS n
  FROM (SELECT date_day, {column} AS v FROM gold.daily_summary WHERE subject_id = ?)
  WINDOW w AS (ORDER BY date_day RANGE BETWEEN INTERVAL {days} DAYS PRECEDING AND INTERVAL 1 DAYS PRECEDING)
) WHERE v IS NOT NULL AND n >= ? AND sd > 0 AND v {op} mu {sign} ? * sd
ORDER BY date_day
"""


def _baseline_rule(inp: RuleInput, rule: str, column: str, high: bool, what: str, unit: str) -> list[Episode]:
    """Days on which ``column`` lies beyond the personal baseline (mean ± k·SD of the previous
    ``baseline_days`` days, needing ``min_baseline_days`` values)."""
    if not _has_gold(inp.con, "daily_summary"):
        return []
    cfg = inp.config
    sql = BASELINE_SQL.format(
        column=column, days=int(cfg.baseline_days), op=">" if high else "<", sign="+" if high else "-"
    )
    days = _rows(inp.con, sql, inp.subject, cfg.min_baseline_days, cfg.sd_multiplier)
    out = []
    for run in _day_runs(days):
        worst = max(run, key=lambda r: r["v"]) if high else min(run, key=lambda r: r["v"])
        limit = worst["mu"] + cfg.sd_multiplier * worst["sd"] * (1 if high else -1)
        word = "above" if high else "below"
        span = f" for {len(run)} days" if len(run) > 1 else ""
        out.append(
            Episode(
                rule,
                inp.subject,
                _midnight(run[0]["date_day"]),
                _midnight(run[-1]["date_day"]),
                "warning",
                f"{what} {worst['v']:.0f} {unit} on {worst['date_day']}{span}: {word} your "
                f"{cfg.baseline_days}-day baseline of {worst['mu']:.1f} {unit} by more than "
                f"{cfg.sd_multiplier:g} SD (limit {limit:.1f} {unit})",
                float(worst["v"]),
                float(limit),
            )
        )
    return out


def resting_hr_high(inp: RuleInput) -> list[Episode]:
    """Resting heart rate above the personal mean + k·SD (an early sign of strain or illness)."""
    return _baseline_rule(inp, "resting_hr_high", "resting_hr_bpm", True, "Resting heart rate", "bpm")


def hrv_low(inp: RuleInput) -> list[Episode]:
    """Night-time HRV below the personal mean − k·SD."""
    return _baseline_rule(inp, "hrv_low", "sleep_hrv_ms", False, "Night-time HRV", "ms")


def _flag_rule(
    inp: RuleInput, rule: str, table: str, flag: str, describe: Callable[[list[dict[str, Any]]], str]
) -> list[Episode]:
    if not _has_gold(inp.con, table):
        return []
    days = _rows(
        inp.con,
        f"SELECT * FROM gold.{table} WHERE subject_id = ? AND {flag} ORDER BY date_day",
        inp.subject,
    )
    return [
        Episode(
            rule,
            inp.subject,
            _midnight(run[0]["date_day"]),
            _midnight(run[-1]["date_day"]),
            "warning",
            describe(run),
        )
        for run in _day_runs(days)
    ]


def overtraining_high(inp: RuleInput) -> list[Episode]:
    """``gold.overtraining_risk`` says high: a load marker together with a physiological one."""

    def describe(run: list[dict[str, Any]]) -> str:
        last = run[-1]
        return (
            f"Overtraining risk high since {run[0]['date_day']}: {last['risk_reasons'] or 'several markers'}"
        )

    return _flag_rule(inp, "overtraining_high", "overtraining_risk", "risk_level = 'high'", describe)


def illness_signal(inp: RuleInput) -> list[Episode]:
    """``gold.temperature_trends`` illness alert: two consecutive nights of raised skin temperature."""

    def describe(run: list[dict[str, Any]]) -> str:
        peak = max(run, key=lambda r: r["temperature_deviation_c"] or 0)
        return (
            f"Skin temperature raised {peak['temperature_deviation_c']:+.2f} °C on {peak['date_day']} "
            "after another raised night: a possible illness; take it easy"
        )

    return _flag_rule(inp, "illness_signal", "temperature_trends", "illness_alert", describe)


def readiness_declining(inp: RuleInput) -> list[Episode]:
    """Readiness lower than the day before on ``readiness_decline_days`` consecutive days."""
    if not _has_gold(inp.con, "daily_summary"):
        return []
    rows = _rows(
        inp.con,
        "SELECT date_day, readiness_score AS v FROM gold.daily_summary WHERE subject_id = ? "
        "AND readiness_score IS NOT NULL ORDER BY date_day",
        inp.subject,
    )
    need = max(1, inp.config.readiness_decline_days)
    streak: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []  # days ending a long enough decline, with the values so far
    for row in rows:
        if (
            streak
            and row["date_day"] - streak[-1]["date_day"] == timedelta(days=1)
            and row["v"] < streak[-1]["v"]
        ):
            streak.append(row)
        else:
            streak = [row]
        if len(streak) > need:
            flagged.append({"date_day": row["date_day"], "values": [r["v"] for r in streak]})
    out = []
    for run in _day_runs(flagged):
        values = run[-1]["values"]
        out.append(
            Episode(
                "readiness_declining",
                inp.subject,
                _midnight(run[0]["date_day"]),
                _midnight(run[-1]["date_day"]),
                "warning",
                f"Readiness has fallen {len(values) - 1} days running: "
                + " → ".join(f"{v:.0f}" for v in values),
                float(values[-1]),
            )
        )
    return out


def glucose_episodes(inp: RuleInput) -> list[Episode]:
    """Level 2 hypoglycaemia and prolonged level 2 hyperglycaemia: the consensus episodes of
    :mod:`biolake.glucose.episodes` (Battelino et al. 2019/2023: < 54 or > 250 mg/dL for ≥ 15 minutes,
    ending after ≥ 15 minutes back; on the regular grid, so a gap over 45 minutes ends an episode); a high
    alerts when it lasts ``high_minutes``. Readings from the day before ``since`` on."""
    from biolake.glucose.episodes import table
    from biolake.glucose.readings import from_connection

    readings = from_connection(inp.con, subject=inp.subject, start=inp.since - timedelta(days=1))
    out = []
    for ep in table(readings):
        if ep["level"] != "level_2":
            continue
        start, minutes, extreme = ep["start_local"], ep["duration_min"], ep["extreme_mgdl"]
        if ep["episode_type"] == "hypo":
            out.append(
                Episode(
                    "glucose_low",
                    inp.subject,
                    start,
                    ep["end_local"],
                    "urgent",
                    f"Glucose below 54 mg/dL for {minutes:.0f} min from {start:%Y-%m-%d %H:%M} "
                    f"(lowest {extreme:.0f} mg/dL): a level 2 low",
                    extreme,
                    54.0,
                )
            )
        elif minutes >= inp.config.high_minutes:
            out.append(
                Episode(
                    "glucose_high",
                    inp.subject,
                    start,
                    ep["end_local"],
                    "warning",
                    f"Glucose above 250 mg/dL for {minutes:.0f} min from {start:%Y-%m-%d %H:%M} "
                    f"(highest {extreme:.0f} mg/dL)",
                    extreme,
                    250.0,
                )
            )
    return out


def _date_column(entity: str) -> str | None:
    columns = {c for c, _ in ENTITIES[entity].all_columns}
    if "local_date" in columns:
        return "local_date"
    if "start_local" in columns:
        return "CAST(start_local AS DATE)"
    return None


def last_data_by_source(con: duckdb.DuckDBPyConnection, subject: str) -> dict[str, date]:
    """The last local day each source (``_source``) has data for in silver."""
    parts = []
    for entity in ENTITIES:
        column = _date_column(entity)
        if column:
            parts.append(
                f"SELECT _source, max({column}) AS last_day FROM {entity} WHERE subject_id = ? GROUP BY 1"
            )
    if not parts:
        return {}
    sql = f"SELECT _source, max(last_day) FROM ({' UNION ALL '.join(parts)}) GROUP BY 1 ORDER BY 1"
    rows = con.execute(sql, [subject] * len(parts)).fetchall()
    return {str(r[0]): r[1] for r in rows if r[0] is not None and r[1] is not None}


def stale_data(inp: RuleInput) -> list[Episode]:
    """A source with no new data for ``stale_days`` days (measured against the user's today)."""
    out = []
    for source, last in last_data_by_source(inp.con, inp.subject).items():
        silent = (inp.today - last).days
        if silent >= inp.config.stale_days:
            out.append(
                Episode(
                    "stale_data",
                    inp.subject,
                    _midnight(last + timedelta(days=1)),
                    _midnight(inp.today),
                    "info",
                    f"No new {source} data for {silent} days (last: {last}); "
                    "export it and drop it in the inbox",
                    float(silent),
                    float(inp.config.stale_days),
                    scope=source,
                )
            )
    return out


RULES: dict[str, Rule] = {
    "resting_hr_high": resting_hr_high,
    "hrv_low": hrv_low,
    "overtraining_high": overtraining_high,
    "readiness_declining": readiness_declining,
    "illness_signal": illness_signal,
    "glucose": glucose_episodes,
    "stale_data": stale_data,
}
