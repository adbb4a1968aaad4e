"""Global options shared by every command (stored on the Typer context)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

import typer

from biolake.config import Settings, load_settings
from biolake.errors import ConfigError

# The one date format of every day option (Typer's ``formats=`` or :func:`parse_day`).
DAY_FORMATS = ["%Y-%m-%d"]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass
class State:
    """What the root callback parsed; settings are resolved on first use."""

    lake: Path | None = None
    config: Path | None = None
    format: OutputFormat = OutputFormat.table
    quiet: bool = False
    verbose: bool = False
    _settings: Settings | None = None

    def settings(self, **overrides: object) -> Settings:
        if self._settings is None:
            self._settings = load_settings(lake=self.lake, config=self.config)
        return self._settings.with_overrides(**overrides) if overrides else self._settings


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def parse_day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option value as a date (None stays None); a ConfigError naming the option."""
    if value is None:
        return None
    try:
        return datetime.strptime(value, DAY_FORMATS[0]).date()
    except ValueError:
        raise ConfigError(f"{option} must be a date like 2026-11-14, not '{value}'") from None
