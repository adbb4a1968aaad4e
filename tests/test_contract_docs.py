"""docs/silver.md documents every silver entity and column declared in schema.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from biolake.lake.schema import ENTITIES

DOC = (Path(__file__).parents[1] / "docs" / "silver.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_every_entity_and_column_is_documented(name: str) -> None:
    section = DOC.split(f"### `{name}`", 1)
    assert len(section) == 2, f"docs/silver.md has no section for {name}"
    body = section[1].split("\n### ", 1)[0]
    for column, sql_type in ENTITIES[name].all_columns:
        assert f"| `{column}` | {sql_type} |" in body, f"{name}.{column} ({sql_type}) is not documented"
    assert ", ".join(ENTITIES[name].key) in body
