"""The schema questions are asked against: the relations the sandbox exposes, their live columns and
types (read from the catalog), and the descriptions written in the dbt ``.yml`` files beside the models."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from biolake.resources import resource_dir

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class Relation:
    """One relation a question may read: its qualified name, description and columns."""

    name: str
    qualified: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """A compact description for a prompt: ``name: description`` then one line per column."""
        lines = [f"{self.qualified}: {self.description}".rstrip(": ")]
        for c in self.columns:
            lines.append(f"  - {c.name} {c.type}" + (f": {c.description}" if c.description else ""))
        return "\n".join(lines)


def live_schema(con: duckdb.DuckDBPyConnection, relations: dict[str, str]) -> list[Relation]:
    """Every relation in ``relations`` (bare name -> schema.name) with its live columns and the dbt
    descriptions of the model and its columns."""
    docs = dbt_descriptions()
    rows = con.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_schema, table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, dtype in rows:
        columns.setdefault(f"{schema}.{table}".lower(), []).append((column, dtype))
    out = []
    for name, qualified in relations.items():
        model_doc, column_docs = docs.get(name, ("", {}))
        cols = tuple(Column(c, t, column_docs.get(c, "")) for c, t in columns.get(qualified, []))
        out.append(Relation(name, qualified, model_doc, cols))
    return out


def schema_text(relations: list[Relation]) -> str:
    """The whole schema as prompt text."""
    return "\n\n".join(r.text() for r in relations)


@cache
def dbt_descriptions(models_dir: Path | None = None) -> dict[str, tuple[str, dict[str, str]]]:
    """Model name -> (description, {column: description}) from every ``.yml`` under dbt/models."""
    root = models_dir or resource_dir("dbt") / "models"
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for path in sorted(root.rglob("*.yml")):
        doc: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER) or {}
        for model in doc.get("models", []) or []:
            cols = {
                str(c["name"]): _squash(c.get("description", ""))
                for c in model.get("columns", []) or []
                if c.get("description")
            }
            out[str(model["name"])] = (_squash(model.get("description", "")), cols)
    return out


def _squash(text: object) -> str:
    return " ".join(str(text or "").split())
