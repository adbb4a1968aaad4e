"""Evaluate the rules, fire each new episode once, keep the history.

State: ``<lake>/state/alerts.json`` holds the key of every episode already alerted (rule, subject and
the episode's first day), so an episode that lasts a week alerts on its first day only, and a new
episode of the same condition alerts again. History: every fired alert is appended to the lake's
``alerts`` log (the catalog view ``alerts_log``)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from biolake.alerts.config import AlertConfig
from biolake.alerts.rules import RULES, Episode, RuleInput
from biolake.config import Settings
from biolake.errors import ConfigError
from biolake.lake.catalog import open_catalog
from biolake.lake.paths import LakePaths

log = logging.getLogger(__name__)

STATE_FILE = "alerts.json"
LOG_NAME = "alerts"
KEEP_KEYS_DAYS = 400  # keys of episodes older than this are forgotten (they can never recur)


@dataclass(frozen=True)
class Alert:
    """A fired alert, as kept in the ``alerts`` log."""

    alert_key: str
    fired_at: datetime
    subject_id: str
    rule: str
    severity: str
    episode_start: datetime
    episode_end: datetime
    message: str
    value: float | None
    threshold: float | None

    @classmethod
    def of(cls, episode: Episode, fired_at: datetime) -> Alert:
        return cls(
            episode.key,
            fired_at,
            episode.subject_id,
            episode.rule,
            episode.severity,
            episode.start,
            episode.end,
            episode.message,
            episode.value,
            episode.threshold,
        )

    def row(self) -> dict[str, Any]:
        return dict(vars(self))


def log_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("alert_key", pa.string()),
            ("fired_at", pa.timestamp("us", tz="UTC")),
            ("subject_id", pa.string()),
            ("rule", pa.string()),
            ("severity", pa.string()),
            ("episode_start", pa.timestamp("us")),
            ("episode_end", pa.timestamp("us")),
            ("message", pa.string()),
            ("value", pa.float64()),
            ("threshold", pa.float64()),
        ]
    )


@dataclass(frozen=True)
class AlertRun:
    """What one evaluation found: alerts fired now, and episodes still going that fired before."""

    fired: list[Alert]
    ongoing: list[Episode]
    since: date


def user_today(settings: Settings, now: datetime | None = None) -> date:
    """Today in the user's time zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone)).date()


def _state_path(paths: LakePaths) -> Path:
    return paths.state / STATE_FILE


def load_fired(paths: LakePaths) -> dict[str, str]:
    """Episode key → when it fired."""
    path = _state_path(paths)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: alert state is unreadable ({exc}); delete it to start afresh") from None
    fired = data.get("fired", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in fired.items()}


def save_fired(paths: LakePaths, fired: dict[str, str], now: datetime) -> None:
    cutoff = (now - timedelta(days=KEEP_KEYS_DAYS)).isoformat()
    kept = {k: v for k, v in fired.items() if v >= cutoff}
    paths.state.mkdir(parents=True, exist_ok=True)
    path = _state_path(paths)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"fired": kept}, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _latest_day(con: Any, subject: str) -> date | None:
    found = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'gold' AND table_name = 'daily_summary'"
    ).fetchone()
    if found is None:
        return None
    row = con.execute(
        "SELECT max(date_day) FROM gold.daily_summary WHERE subject_id = ?", [subject]
    ).fetchone()
    return row[0] if row else None


def find_episodes(
    settings: Settings, since: date | None = None, now: datetime | None = None
) -> tuple[list[Episode], date]:
    """Every episode of every enabled rule ending on or after ``since`` (default: the last
    ``lookback_days`` days of data), and that day."""
    config = AlertConfig.from_settings(settings)
    unknown = set(config.disabled) - set(RULES)
    if unknown:
        raise ConfigError(f"[alerts] disabled names unknown rule(s): {', '.join(sorted(unknown))}")
    paths = LakePaths.at(settings.lake)
    today = user_today(settings, now)
    con = open_catalog(paths)
    try:
        latest = _latest_day(con, settings.subject) or today
        start = since or latest - timedelta(days=max(config.lookback_days, 1) - 1)
        inp = RuleInput(con, settings.subject, config, today, start)
        episodes = [
            e
            for name, rule in RULES.items()
            if name not in config.disabled
            for e in rule(inp)
            if e.end.date() >= start
        ]
    finally:
        con.close()
    return sorted(episodes, key=lambda e: (e.start, e.rule)), start


def evaluate(settings: Settings, since: date | None = None, now: datetime | None = None) -> AlertRun:
    """Find the episodes, fire the ones not alerted before (state + ``alerts`` log), return both."""
    from biolake.lake.logs import append_log

    paths = LakePaths.at(settings.lake)
    now = now or datetime.now(UTC)
    episodes, start = find_episodes(settings, since, now)
    fired_keys = load_fired(paths)
    new = [Alert.of(e, now) for e in episodes if e.key not in fired_keys]
    ongoing = [e for e in episodes if e.key in fired_keys]
    if new:
        append_log(paths, LOG_NAME, [a.row() for a in new], log_schema())
        fired_keys.update({a.alert_key: now.isoformat() for a in new})
        save_fired(paths, fired_keys, now)
        log.info("%d new alert(s)", len(new))
    return AlertRun(new, ongoing, start)


def history(settings: Settings, since: date | None = None) -> list[Alert]:
    """Alerts fired for ``settings.subject`` (episodes ending on or after ``since``), oldest first."""
    from biolake.lake.logs import read_log

    rows = read_log(LakePaths.at(settings.lake), LOG_NAME)
    alerts = [Alert(**r) for r in rows if r["subject_id"] == settings.subject]
    if since is not None:
        alerts = [a for a in alerts if a.episode_end.date() >= since]
    return sorted(alerts, key=lambda a: (a.episode_start, a.rule))


def alerts_message(alerts: list[Alert]) -> Any:
    """A delivery :class:`~biolake.delivery.message.Message` listing ``alerts`` (None when empty)."""
    from biolake.delivery.message import Message

    if not alerts:
        return None
    title = f"biolake: {len(alerts)} new alert{'s' * (len(alerts) > 1)}"
    lines = [f"# {title}", ""] + [f"- [{a.severity}] {a.message}" for a in alerts]
    data = {
        "alerts": [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in a.row().items()} for a in alerts
        ]
    }
    return Message("alerts", title, "\n".join(lines) + "\n", data=data)
