"""Where everything lives inside a lake directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATALOG_NAME = "biolake.duckdb"


@dataclass(frozen=True)
class LakePaths:
    """Paths of one lake; ``root`` is absolute."""

    root: Path

    @classmethod
    def at(cls, root: Path) -> LakePaths:
        return cls(root.expanduser().absolute())

    @property
    def catalog(self) -> Path:
        return self.root / CATALOG_NAME

    @property
    def files(self) -> Path:
        return self.root / "bronze" / "files"

    @property
    def bronze(self) -> Path:
        return self.root / "bronze"

    @property
    def silver(self) -> Path:
        return self.root / "silver"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def ingestion_log(self) -> Path:
        return self.root / "log" / "ingestion"

    @property
    def pipeline_log(self) -> Path:
        return self.root / "log" / "pipeline"

    @property
    def staging(self) -> Path:
        return self.root / ".staging"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def config(self) -> Path:
        return self.root / "biolake.toml"

    @property
    def models(self) -> Path:
        """Trained, versioned models (``biolake ml``)."""
        return self.root / "models"

    @property
    def reports(self) -> Path:
        """Rendered reports and briefings."""
        return self.root / "reports"

    @property
    def exports(self) -> Path:
        """Exports meant to leave the lake (FHIR, shared data)."""
        return self.root / "exports"

    @property
    def state(self) -> Path:
        """Small state files of the analytics commands (experiments, alert episodes, sync manifests)."""
        return self.root / "state"

    def log(self, name: str) -> Path:
        """``log/<name>``: an append-only Parquet log, shown in the catalog as the view ``<name>_log``."""
        return self.root / "log" / name

    def bronze_entity(self, source: str, entity: str) -> Path:
        return self.bronze / source / entity

    def silver_entity(self, entity: str) -> Path:
        return self.silver / entity

    def layout(self) -> list[Path]:
        """Directories ``biolake init`` creates."""
        return [
            self.files,
            self.silver,
            self.quarantine,
            self.ingestion_log,
            self.models,
            self.reports,
            self.exports,
            self.staging,
        ]

    def exists(self) -> bool:
        return self.files.is_dir() and self.ingestion_log.is_dir()
