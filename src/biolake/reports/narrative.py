"""The report's narrative: written by Claude from the sections' numbers when a key is configured, else
composed from templates out of the same numbers. Either way it only states numbers the report shows."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from biolake.config import Settings
from biolake.reports.model import Metric, Section

log = logging.getLogger(__name__)

SYSTEM = """You write the short narrative at the top of a personal weekly health report.
Use only the numbers given in the JSON (the week, the previous week and notes); never invent a number,
a diagnosis or medical advice. Write 3 short paragraphs of plain prose (no headings, no lists, no
Markdown), 120-180 words in total, in the second person: what stood out, how recovery and training
balanced, and one practical focus for next week drawn from the numbers. Round as the report does."""


@dataclass(frozen=True)
class Narrative:
    paragraphs: list[str]
    author: str  # "claude" | "template"


def narrative(settings: Settings, sections: list[Section], week: str) -> Narrative:
    """Claude's narrative when ``ANTHROPIC_API_KEY`` is set and it answers, else the template's."""
    from biolake.llm import LLMError, cached_system, claude_config, complete

    config = claude_config(settings)
    if config is not None:
        facts = {"week": week, "sections": {s.title: s.facts for s in sections}}
        try:
            reply = complete(
                config,
                [{"role": "user", "content": json.dumps(facts, default=str, ensure_ascii=False)}],
                system=cached_system(SYSTEM),
                max_tokens=600,
            )
        except LLMError as exc:
            log.warning("narrative written from templates: %s", exc)
        else:
            paragraphs = [p.strip() for p in reply.text.split("\n\n") if p.strip()]
            if paragraphs and not reply.refused:
                return Narrative(paragraphs, "claude")
    return Narrative(template_narrative(sections), "template")


def _find(sections: list[Section], key: str, label: str) -> Metric | None:
    for s in sections:
        if s.key == key:
            return next((m for m in s.metrics if m.label == label), None)
    return None


def _phrase(m: Metric, noun: str | None = None) -> str:
    text = f"{noun or m.label.lower()} averaged {m.formatted()}{_unit(m)}"
    change = m.change
    if change is None:
        return text
    if round(change, m.decimals) == 0:
        return text + ", the same as last week"
    direction = "up" if change > 0 else "down"
    return text + f", {direction} {abs(change):,.{m.decimals}f}{_unit(m)} on last week"


def _unit(m: Metric) -> str:
    if not m.unit or m.unit.startswith("/"):
        return m.unit
    return m.unit if m.unit == "%" else f" {m.unit}"


def template_narrative(sections: list[Section]) -> list[str]:
    """Two to three paragraphs composed from the sections' metrics and notes."""
    paragraphs: list[str] = []
    first: list[str] = []
    readiness, sleep = _find(sections, "overview", "Readiness"), _find(sections, "overview", "Sleep")
    hrv, rhr = _find(sections, "overview", "HRV (night)"), _find(sections, "overview", "Resting HR")
    if readiness is not None:
        first.append(_phrase(readiness, "Readiness").capitalize() + ".")
    if sleep is not None:
        first.append(f"You slept {sleep.formatted()} h a night on average" + _vs(sleep) + ".")
    if hrv is not None and rhr is not None:
        first.append(
            f"Night-time HRV averaged {hrv.formatted()} ms{_vs(hrv)} and resting heart rate "
            f"{rhr.formatted()} bpm{_vs(rhr)}."
        )
    if first:
        paragraphs.append(" ".join(first))
    second: list[str] = []
    load = _find(sections, "training", "Weekly load")
    form = _find(sections, "training", "Form (TSB)")
    fitness = _find(sections, "training", "Fitness (CTL)")
    if load is not None:
        second.append(f"Training load came to {load.formatted()} TSS{_vs(load)}.")
    if fitness is not None and form is not None:
        state = (
            "fresh"
            if (form.value or 0) > 5
            else "carrying fatigue"
            if (form.value or 0) < -10
            else "balanced"
        )
        second.append(
            f"Fitness (CTL) ended the week at {fitness.formatted()} and form (TSB) at {form.formatted()}: "
            f"you are {state}."
        )
    for s in sections:
        if s.key == "training":
            second.extend(s.notes)
    if second:
        paragraphs.append(" ".join(second))
    third: list[str] = []
    tir = _find(sections, "glucose", "Time in range")
    if tir is not None:
        third.append(f"Glucose was in range (70–180 mg/dL) {tir.formatted()}% of the time{_vs(tir)}.")
    intake = _find(sections, "nutrition", "Intake")
    if intake is not None:
        third.append(f"Logged intake averaged {intake.formatted()} kcal a day{_vs(intake)}.")
    for s in sections:
        if s.key in ("recovery", "glucose"):
            third.extend(s.notes[1:] if s.key == "recovery" else s.notes)
    if third:
        paragraphs.append(" ".join(third))
    return paragraphs or ["Not enough data this week for a summary."]


def _vs(m: Metric) -> str:
    change = m.change
    if change is None:
        return ""
    if round(change, m.decimals) == 0:
        return " (unchanged)"
    return f" ({change:+,.{m.decimals}f} on last week)"
