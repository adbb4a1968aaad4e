"""Regenerate the entity sections of docs/silver.md from the contract in src/biolake/lake/schema.py.

Run ``python scripts/silver_docs.py`` after changing schema.py; everything above ``## Entities`` is prose
kept by hand.
"""

from __future__ import annotations

from pathlib import Path

from biolake.lake.crosssource import has_rule
from biolake.lake.schema import BY_SOURCE, ENTITIES, PROVENANCE, Entity

DOC = Path(__file__).parents[1] / "docs" / "silver.md"
MARK = "## Entities\n"


def section(ent: Entity) -> str:
    """The Markdown section documenting one entity."""
    keep = "oldest copy wins" if ent.keep == "first" else "newest export wins"
    where = f"partitioned by `year = {ent.partition}`" if ent.partition else "not partitioned"
    rows = "\n".join(f"| `{name}` | {sql_type} |" for name, sql_type in ent.all_columns)
    checks = "; ".join(reason for _, reason in ent.checks)
    cross = ""
    if has_rule(ent.name):
        extra = ", ".join(f"`{name}` {sql_type}" for name, sql_type in PROVENANCE)
        cross = (
            f"Cross-source deduplicated: every source's rows are in `{ent.name}{BY_SOURCE}` (same columns, "
            f"deduplicated on the key); `{ent.name}` holds one row per fact, with {extra} "
            "(see [Cross-source deduplication](#cross-source-deduplication)).\n\n"
        )
    return (
        f"### `{ent.name}`\n\n{ent.description}\n\n"
        f"Key: `{', '.join(ent.key)}` ({keep}); {where}.\n\n{cross}"
        f"| column | type |\n|---|---|\n{rows}\n\nQuarantined when: {checks}.\n"
    )


def main() -> None:
    head = DOC.read_text(encoding="utf-8").split(MARK, 1)[0]
    body = "\n".join(section(e) for e in ENTITIES.values())
    DOC.write_text(f"{head}{MARK}\n{body}", encoding="utf-8")


if __name__ == "__main__":
    main()
