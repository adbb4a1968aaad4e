"""Helpers for the FHIR tests: the documented code table, R4B validation, walking exported resources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

DOC = Path(__file__).parents[1] / "docs" / "fhir.md"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"


@cache
def documented_codes() -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """From docs/fhir.md's code table: {(system, code, display)} and {(code, unit label, UCUM code)}."""
    table = DOC.read_text(encoding="utf-8").split("## Code table\n", 1)[1]
    codings, units = set(), set()
    for line in table.splitlines():
        if not line.startswith("| ") or line.startswith("| kind |"):
            continue
        _kind, code, system, display, unit, ucum, _cat, _src = (
            c.strip() for c in line.strip("|").split(" | ")
        )
        code, ucum = code.strip("`"), ucum.strip("`")
        codings.add((system, code, display))
        if ucum:
            units.add((code, unit, ucum))
    return codings, units


def validate(resource: dict[str, Any]) -> None:
    """Validate one resource with the fhir.resources R4B model of its type."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def bundle_resources(path: Path) -> list[dict[str, Any]]:
    return [e["resource"] for e in json.loads(path.read_text(encoding="utf-8"))["entry"]]


def ndjson_resources(directory: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(directory.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


def check_against_table(resource: dict[str, Any]) -> None:
    """Every coding of an Observation (code, components) and its units appear in the documented table."""
    if resource["resourceType"] != "Observation":
        return
    codings, units = documented_codes()
    parts = [resource, *resource.get("component", [])]
    for part in parts:
        for coding in part["code"]["coding"]:
            assert (coding["system"], coding["code"], coding["display"]) in codings, coding
        if "valueQuantity" in part:
            q = part["valueQuantity"]
            assert q["system"] == UCUM
            primary = part["code"]["coding"][0]["code"]
            assert (primary, q["unit"], q["code"]) in units, (primary, q)
    for cat in resource.get("category", []):
        assert cat["coding"][0]["system"] == CATEGORY_SYSTEM
