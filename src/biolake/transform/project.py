"""Where dbt runs for a lake: the shipped project, a generated profile, and writable folders in the lake.

Users never edit a ``profiles.yml``: biolake writes one into ``<lake>/.dbt/`` from its settings on every
build. dbt's target and log folders live there too, so an installed (read-only) package works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from biolake.config import Settings
from biolake.lake.paths import LakePaths
from biolake.resources import resource_dir

PROFILE = """\
# Written by biolake on every build; edit biolake.toml instead.
biolake:
  target: lake
  outputs:
    lake:
      type: duckdb
      path: {catalog}
      schema: main
      threads: {threads}
      settings:
        TimeZone: UTC
"""
TRAINING_VARS = ("ftp_w", "max_hr_bpm", "resting_hr_bpm", "lthr_bpm")


@dataclass(frozen=True)
class DbtPlace:
    """The folders and variables of one dbt invocation."""

    project_dir: Path
    profiles_dir: Path
    target_path: Path
    log_path: Path
    variables: dict[str, Any]

    def args(self) -> list[str]:
        """Arguments every dbt command gets."""
        return [
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.profiles_dir),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.log_path),
            "--vars",
            json.dumps(self.variables),
        ]


def training_vars(settings: Settings) -> dict[str, Any]:
    """The ``[training]`` section of biolake.toml as dbt variables (unknown keys are ignored)."""
    section = settings.sections.get("training", {})
    if not isinstance(section, dict):
        return {}
    return {k: float(section[k]) for k in TRAINING_VARS if section.get(k) is not None}


def prepare(paths: LakePaths, settings: Settings, threads: int = 4) -> DbtPlace:
    """Write the profile for ``paths`` and return where dbt runs."""
    home = paths.root / ".dbt"
    home.mkdir(parents=True, exist_ok=True)
    catalog = json.dumps(str(paths.catalog))  # a YAML-safe quoted string
    (home / "profiles.yml").write_text(PROFILE.format(catalog=catalog, threads=threads), encoding="utf-8")
    return DbtPlace(
        project_dir=resource_dir("dbt"),
        profiles_dir=home,
        target_path=home / "target",
        log_path=home / "logs",
        variables=training_vars(settings),
    )
