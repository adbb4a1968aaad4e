"""Alert thresholds: ``[alerts]`` in biolake.toml over these defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from biolake.config import Settings
from biolake.errors import ConfigError


@dataclass(frozen=True)
class AlertConfig:
    """Every threshold the rules use (names as in ``[alerts]``)."""

    sd_multiplier: float = 1.5  # resting HR above mean + k·SD, HRV below mean − k·SD
    baseline_days: int = 60  # the personal baseline: the N days before the day
    min_baseline_days: int = 14  # fewer days with a value: no verdict
    readiness_decline_days: int = 3  # readiness lower than the day before, N days running
    high_minutes: float = 120.0  # a level 2 high (> 250 mg/dL) held this long counts as prolonged
    stale_days: int = 3  # a source with no new data for N days
    lookback_days: int = 3  # a run alerts on episodes still going in the last N days of data
    disabled: tuple[str, ...] = ()  # rule names to skip

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertConfig:
        section: dict[str, Any] = dict(settings.sections.get("alerts", {}))
        unknown = set(section) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"[alerts] in biolake.toml: unknown setting(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in section.items():
            default = getattr(cls, name)
            expected = "a list of rule names" if isinstance(default, tuple) else "a number"
            try:
                if isinstance(default, tuple):
                    if not isinstance(value, list):
                        raise TypeError
                    values[name] = tuple(str(v) for v in value)
                elif isinstance(value, bool | str):
                    raise TypeError
                else:
                    values[name] = type(default)(value)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"[alerts] {name} in biolake.toml must be {expected}: got {value!r}"
                ) from None
            if not isinstance(values[name], tuple) and values[name] < 0:
                raise ConfigError(f"[alerts] {name} in biolake.toml must be >= 0: got {value!r}")
        return replace(cls(), **values)
