"""Files shipped beside the code: the dbt project, SQL and templates (top-level folders in a checkout,
``biolake/_resources/<name>`` inside an installed wheel)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from biolake.errors import BiolakeError

RESOURCES = ("dbt", "sql", "templates")


def resource_dir(name: str) -> Path:
    """The folder holding resource ``name`` (one of :data:`RESOURCES`)."""
    if name not in RESOURCES:
        raise ValueError(f"unknown resource {name!r}")
    packaged = Path(str(files("biolake") / "_resources" / name))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise BiolakeError(f"biolake's {name} folder is missing from this installation; reinstall biolake")
