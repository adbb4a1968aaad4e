"""One ``Settings`` object: command-line flag > ``BIOLAKE_*`` environment > ``biolake.toml`` > defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from biolake.errors import ConfigError

CONFIG_NAME = "biolake.toml"
UNIT_SYSTEMS = ("metric", "imperial")

# setting name -> environment variable
ENV = {
    "lake": "BIOLAKE_HOME",
    "subject": "BIOLAKE_SUBJECT",
    "timezone": "BIOLAKE_TZ",
    "units": "BIOLAKE_UNITS",
    "lock_timeout": "BIOLAKE_LOCK_TIMEOUT",
}

CONFIG_TEMPLATE = """\
# biolake settings. Precedence: command-line flag > BIOLAKE_* environment variable > this file > default.
# This file is read from ./biolake.toml, or from the lake folder, or from --config / BIOLAKE_CONFIG.

# Where the lake lives (BIOLAKE_HOME). Only honoured in ./biolake.toml or --config, not inside the lake.
# lake = "./lake"

# Subject id stamped on imported rows (BIOLAKE_SUBJECT); one lake can hold several subjects.
subject = "{subject}"

# IANA time zone for exports whose times carry no offset (Dexcom, Libre, id,time,gl CSVs) (BIOLAKE_TZ).
timezone = "{timezone}"

# Unit system of accounts whose exports do not state units (e.g. MyFitnessPal): metric | imperial.
units = "{units}"

# Seconds a run waits for another biolake run to release the lake before giving up.
lock_timeout = {lock_timeout}
"""


def system_timezone() -> str:
    """The machine's IANA zone name (``TZ``, then ``/etc/localtime``), falling back to UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and _valid_zone(tz):
        return tz
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    if marker in target:
        name = target.split(marker, 1)[1]
        if _valid_zone(name):
            return name
    return "UTC"


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Settings:
    """Every setting biolake reads; build it with :func:`load_settings`."""

    lake: Path = Path("lake")
    subject: str = "me"
    timezone: str = field(default_factory=system_timezone)
    units: str = "metric"
    lock_timeout: float = 10.0
    config_file: Path | None = None
    sections: dict[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given non-None values applied and validated."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return _validated(replace(self, **given), "command line")


def _coerce(name: str, value: Any, origin: str) -> Any:
    try:
        if name == "lake":
            return Path(str(value)).expanduser()
        if name == "lock_timeout":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting '{name}' from {origin} is not valid: {value!r}") from exc


def _validated(settings: Settings, origin: str) -> Settings:
    if not _valid_zone(settings.timezone):
        raise ConfigError(f"unknown time zone '{settings.timezone}' (from {origin}); use an IANA name")
    if settings.units not in UNIT_SYSTEMS:
        raise ConfigError(
            f"units must be one of {', '.join(UNIT_SYSTEMS)}, not '{settings.units}' ({origin})"
        )
    if not settings.subject.strip():
        raise ConfigError(f"subject id must not be empty ({origin})")
    if settings.lock_timeout < 0:
        raise ConfigError(f"lock_timeout must be >= 0 ({origin})")
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def load_settings(
    lake: Path | None = None,
    config: Path | None = None,
    environ: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings from defaults, the config file, the environment and the ``lake`` flag."""
    env = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    known = {f.name for f in fields(Settings)} - {"config_file", "sections"}
    values: dict[str, Any] = {}

    config_path = config or (Path(env["BIOLAKE_CONFIG"]) if env.get("BIOLAKE_CONFIG") else None)
    if config_path is not None and not config_path.is_file():
        raise ConfigError(f"{config_path}: config file not found")
    if config_path is None and (cwd / CONFIG_NAME).is_file():
        config_path = cwd / CONFIG_NAME
    file_values = _read_toml(config_path) if config_path else {}

    lake_path = lake or (Path(env["BIOLAKE_HOME"]) if env.get("BIOLAKE_HOME") else None)
    lake_path = lake_path or (Path(str(file_values["lake"])) if "lake" in file_values else None)
    lake_path = (lake_path or Path("lake")).expanduser()
    if not lake_path.is_absolute():
        base = config_path.parent if (config_path and not lake and "lake" in file_values) else cwd
        lake_path = base / lake_path
    if config_path is None and (lake_path / CONFIG_NAME).is_file():
        config_path = lake_path / CONFIG_NAME
        file_values = {k: v for k, v in _read_toml(config_path).items() if k != "lake"}

    sections = {k: v for k, v in file_values.items() if isinstance(v, dict)}
    unknown = set(file_values) - known - set(sections)
    if unknown:
        raise ConfigError(f"{config_path}: unknown setting(s): {', '.join(sorted(unknown))}")
    for name in known - {"lake"}:
        if name in file_values:
            values[name] = _coerce(name, file_values[name], str(config_path))
        if env.get(ENV[name]):
            values[name] = _coerce(name, env[ENV[name]], f"${ENV[name]}")
    settings = Settings(lake=lake_path, config_file=config_path, sections=sections, **values)
    return _validated(settings, str(config_path) if config_path else "environment")


def render_config(settings: Settings) -> str:
    """The commented ``biolake.toml`` that ``biolake init`` writes."""
    return CONFIG_TEMPLATE.format(
        subject=settings.subject,
        timezone=settings.timezone,
        units=settings.units,
        lock_timeout=settings.lock_timeout,
    )
