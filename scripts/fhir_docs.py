"""Regenerate the code table of docs/fhir.md from src/biolake/fhir/codes.py.

Run ``python scripts/fhir_docs.py`` after changing codes.py; everything above ``## Code table`` is prose
kept by hand (tests/test_fhir_codes.py checks the table is current).
"""

from __future__ import annotations

from pathlib import Path

from biolake.fhir.codes import table_rows

DOC = Path(__file__).parents[1] / "docs" / "fhir.md"
MARK = "## Code table\n"
COLUMNS = ("kind", "code", "system", "display", "unit", "ucum", "category", "source")


def table() -> str:
    """The Markdown code table, one row per coding (components as `kind.component`)."""
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    body = "".join(
        "| "
        + " | ".join(f"`{row[c]}`" if c in ("code", "ucum") and row[c] else row[c] for c in COLUMNS)
        + " |\n"
        for row in table_rows()
    )
    return head + body


def main() -> None:
    head = DOC.read_text(encoding="utf-8").split(MARK, 1)[0]
    DOC.write_text(f"{head}{MARK}\n{table()}", encoding="utf-8")


if __name__ == "__main__":
    main()
