"""Regenerate the entity sections of docs/silver.md from the contract in src/biolake/lake/schema.py.

Run ``python scripts/silver_docs.py`` after changing schema.py; everything above ``## Entities`` is prose
kept by hand.
"""

from __future__ import annotations

from pathlib import Path

from biolake.lake.schema import ENTITIES, Entity

DOC = Path(__file__).parents[1] / "docs" / "silver.md"
MARK = "## Entities\n"


def section(ent: Entity) -> str:
    """The Markdown section documenting one entity."""
    keep = "oldest copy wins" if ent.keep == "first" else "newest export wins"
    where = f"partitioned by `year = {ent.partition}`" if ent.partition else "not partitioned"
    rows = "\n".join(f"| `{name}` | {sql_type} |" for name, sql_type in ent.all_columns)
    checks = "; ".join(reason for _, reason in ent.checks)
    return (
        f"### `{ent.name}`\n\n{ent.description}\n\n"
        f"Key: `{', '.join(ent.key)}` ({keep}); {where}.\n\n"
        f"| column | type |\n|---|---|\n{rows}\n\nQuarantined when: {checks}.\n"
    )


def main() -> None:
    head = DOC.read_text(encoding="utf-8").split(MARK, 1)[0]
    body = "\n".join(section(e) for e in ENTITIES.values())
    DOC.write_text(f"{head}{MARK}\n{body}", encoding="utf-8")


if __name__ == "__main__":
    main()
