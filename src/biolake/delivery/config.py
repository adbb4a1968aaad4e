"""``[delivery]`` in biolake.toml: which channels, and how to reach each. Secrets (SMTP password,
webhook URL or token) are named by environment variable, never written in the file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biolake.config import Settings
from biolake.errors import ConfigError

CHANNELS = ("terminal", "file", "email", "webhook", "desktop")
SECRET_KEYS = ("password", "token", "secret", "api_key")


@dataclass(frozen=True)
class DeliveryConfig:
    channels: tuple[str, ...]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # channel → its table
    lake: Path = Path("lake")
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def option(self, channel: str, name: str, default: Any = None) -> Any:
        return self.options.get(channel, {}).get(name, default)

    def required(self, channel: str, name: str) -> Any:
        value = self.option(channel, name)
        if value in (None, "", []):
            raise ConfigError(f"[delivery.{channel}] in biolake.toml needs '{name}'")
        return value

    def secret(self, channel: str, name: str, default_env: str) -> str | None:
        """The value of the environment variable named by ``<name>_env`` (default ``default_env``)."""
        env_name = str(self.option(channel, f"{name}_env", default_env))
        value = self.environ.get(env_name, "")
        return value or None


def delivery_config(settings: Settings, environ: Mapping[str, str] | None = None) -> DeliveryConfig:
    """Read and check ``[delivery]``; no section means no channel (reports are still saved in the lake)."""
    section: dict[str, Any] = dict(settings.sections.get("delivery", {}))
    raw = section.pop("channels", [])
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise ConfigError('[delivery] channels in biolake.toml must be a list of names, e.g. ["terminal"]')
    unknown = [c for c in raw if c not in CHANNELS]
    if unknown:
        raise ConfigError(
            f"[delivery] unknown channel(s) {', '.join(unknown)}; choose from {', '.join(CHANNELS)}"
        )
    options: dict[str, dict[str, Any]] = {}
    for name, value in section.items():
        if name not in CHANNELS or not isinstance(value, dict):
            raise ConfigError(f"[delivery] in biolake.toml: unknown setting '{name}'")
        leaked = [k for k in value if k.lower() in SECRET_KEYS]
        if leaked:
            raise ConfigError(
                f"[delivery.{name}] must not hold secrets ({', '.join(leaked)}): name an environment "
                f'variable instead, e.g. {leaked[0]}_env = "BIOLAKE_{name.upper()}_{leaked[0].upper()}"'
            )
        options[name] = value
    return DeliveryConfig(
        tuple(dict.fromkeys(raw)),
        options,
        Path(settings.lake),
        environ if environ is not None else dict(os.environ),
    )
