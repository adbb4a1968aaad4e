"""The metric catalog (``sql/ask/catalog.yaml``) as typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from biolake.errors import ConfigError
from biolake.resources import resource_dir

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there


@dataclass(frozen=True)
class Relation:
    key: str
    table: str
    date: str
    grain: str  # "day", or one row per "workout", "episode" or "meal"
    type_column: str | None = None
    where: str | None = None  # which rows count ({t}: the table's alias)

    @property
    def noun(self) -> str:
        """What one row is, in the plural: days, workouts, episodes, meals."""
        return f"{self.grain}s"


@dataclass(frozen=True, eq=False)
class Metric:
    key: str
    label: str
    synonyms: tuple[str, ...]
    relation: Relation
    column: str
    aggregation: str
    aggregates: dict[str, str] = field(default_factory=dict)
    better: str | None = None
    unit: str = ""
    units: dict[str, float] = field(default_factory=dict)
    decimals: int = 1
    family: str | None = None

    def value_sql(self, alias: str) -> str:
        return "*" if self.column == "*" else f"{alias}.{self.column}"

    def aggregate_sql(self, agg: str, alias: str) -> str:
        """SQL summarizing this metric over rows with ``agg`` (avg, sum, min, max, count)."""
        if agg in self.aggregates:
            return self.aggregates[agg].format(t=alias)
        if self.column == "*":
            return "count(*)"
        return f"{agg}({alias}.{self.column})"


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    phrases: tuple[str, ...]
    expression: str
    order: str | None = None
    grain: str | None = None


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    phrases: tuple[str, ...]
    relation: str
    columns: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Catalog:
    relations: dict[str, Relation]
    metrics: dict[str, Metric]
    dimensions: dict[str, Dimension]
    topics: dict[str, Topic]
    workout_types: dict[str, tuple[str, ...]]
    not_in_lake: dict[str, str]

    def synonyms(self) -> list[tuple[str, Metric]]:
        """(phrase, metric) pairs, longest phrase first."""
        pairs = [(s.lower(), m) for m in self.metrics.values() for s in m.synonyms]
        return sorted(pairs, key=lambda p: -len(p[0]))


def _relation(key: str, spec: dict[str, Any]) -> Relation:
    return Relation(
        key, spec["table"], spec["date"], spec.get("grain", "day"), spec.get("type_column"), spec.get("where")
    )


@cache
def load_catalog(path: Path | None = None) -> Catalog:
    """Read and check the catalog (default: ``sql/ask/catalog.yaml``)."""
    path = path or resource_dir("sql") / "ask" / "catalog.yaml"
    try:
        doc: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        relations = {k: _relation(k, v) for k, v in doc["relations"].items()}
        metrics = {
            key: Metric(
                key=key,
                label=spec.get("label", key),
                synonyms=tuple(spec["synonyms"]),
                relation=relations[spec["relation"]],
                column=spec["column"],
                aggregation=spec.get("aggregation", "avg"),
                aggregates=dict(spec.get("aggregates", {})),
                better=spec.get("better"),
                unit=spec.get("unit", ""),
                units={str(k).lower(): float(v) for k, v in spec.get("units", {}).items()},
                decimals=int(spec.get("decimals", 1)),
                family=spec.get("family"),
            )
            for key, spec in doc["metrics"].items()
        }
        dimensions = {
            key: Dimension(
                key, spec["label"], tuple(spec["phrases"]), spec["expression"], spec.get("order"),
                spec.get("grain"),
            )
            for key, spec in doc["dimensions"].items()
        }  # fmt: skip
        topics = {
            key: Topic(
                key,
                spec["label"],
                tuple(spec["phrases"]),
                spec["relation"],
                tuple(spec["columns"]),
                spec["answer"],
            )
            for key, spec in doc["topics"].items()
        }
        types = {k: tuple(v) for k, v in doc["workout_types"].items()}
        missing = {str(k).lower(): str(v) for k, v in doc.get("not_in_lake", {}).items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a valid ask catalog ({exc!r})") from None
    return Catalog(relations, metrics, dimensions, topics, types, missing)
