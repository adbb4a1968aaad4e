"""The offline engine: a deterministic semantic parser over the metric catalog (``sql/ask/catalog.yaml``)."""

from __future__ import annotations

from datetime import date

from biolake.ask.offline.catalog import Catalog, load_catalog
from biolake.ask.offline.compile import Compiled, compile_plan
from biolake.ask.offline.parse import MAX_QUESTION_CHARS, Declined, Plan, parse

__all__ = ["MAX_QUESTION_CHARS", "Catalog", "Compiled", "Declined", "Plan", "load_catalog", "translate"]


def translate(
    question: str, today: date, subject: str, catalog: Catalog | None = None
) -> Compiled | Declined:
    """SQL (and how to say its result) for ``question``, or why the offline engine declines."""
    cat = catalog or load_catalog()
    plan = parse(question, cat, today)
    if isinstance(plan, Declined):
        return plan
    return compile_plan(plan, cat, subject, today)
