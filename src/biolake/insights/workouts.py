"""Parsing a planned workout written in words ("cycling 45min hard", "run 1h easy", "strength 30'") into a
training stress estimate: TSS = 100 × hours × IF² (Coggan), with the intensity factor IF taken from the
intensity word, else from the activity type.

Intensity words → IF (the middle of Allen & Coggan's IF bands, as the gold models' Oura-label fallback for
easy/moderate/hard): recovery, very easy 0.55; easy, light, endurance, zone 2 0.65; moderate, steady,
tempo 0.80; hard 0.90; threshold, sweet spot 0.95 (sweet spot 0.90); intervals, vo2, max, race, all-out
1.05. Activity defaults without a word (as int_workouts_stress): yoga/stretching/pilates 0.55, walking/hiking
0.60, strength 0.65, HIIT 0.85, anything else 0.70. "IF 0.8" or "TSS 85" in the text override the estimate."""

from __future__ import annotations

import re
from dataclasses import dataclass

from biolake.insights.data import InsightError

TYPES = {
    "cycling": ("cycling", "cycle", "ride", "riding", "bike", "biking", "spin", "peloton"),
    "running": ("running", "run", "jog", "jogging"),
    "walking": ("walking", "walk"),
    "hiking": ("hiking", "hike"),
    "swimming": ("swimming", "swim"),
    "rowing": ("rowing", "row", "erg"),
    "strength_training": ("strength", "weights", "lifting", "gym", "resistance"),
    "flexibility": ("yoga", "stretch", "stretching", "pilates", "mobility", "flexibility"),
    "high_intensity_interval_training": ("hiit", "bootcamp", "crossfit"),
}
TYPE_IF = {
    "flexibility": 0.55,
    "walking": 0.60,
    "hiking": 0.60,
    "strength_training": 0.65,
    "high_intensity_interval_training": 0.85,
}
DEFAULT_IF = 0.70
INTENSITY_IF = [  # longest phrases first
    ("very easy", 0.55),
    ("sweet spot", 0.90),
    ("zone 2", 0.65),
    ("all out", 1.05),
    ("all-out", 1.05),
    ("recovery", 0.55),
    ("easy", 0.65),
    ("light", 0.65),
    ("endurance", 0.65),
    ("moderate", 0.80),
    ("steady", 0.80),
    ("tempo", 0.80),
    ("threshold", 0.95),
    ("hard", 0.90),
    ("intervals", 1.05),
    ("interval", 1.05),
    ("vo2", 1.05),
    ("max", 1.05),
    ("race", 1.05),
]
REST_WORDS = ("rest", "off", "none", "rest day")
DURATION = re.compile(
    r"(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours)(?![a-z])\s*(?:(?P<hm>\d+)\s*(?:m|min|mins|minutes?)?(?![a-z]))?"
    r"|(?P<clock>\d+):(?P<cm>\d{2})\b"
    r"|(?P<m>\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?|')(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PlannedWorkout:
    text: str
    activity_type: str
    minutes: float
    intensity_factor: float
    tss: float


def _minutes(text: str) -> float | None:
    m = DURATION.search(text)
    if m is None:
        return None
    if m.group("h"):
        return float(m.group("h")) * 60 + float(m.group("hm") or 0)
    if m.group("clock"):
        return int(m.group("clock")) * 60 + int(m.group("cm"))
    return float(m.group("m"))


def parse_workout(text: str, option: str = "--workout") -> PlannedWorkout:
    """The workout a phrase describes; InsightError naming ``option`` when it cannot be understood."""
    low = " ".join(text.lower().split())
    if low in REST_WORDS:
        return PlannedWorkout(text, "rest", 0.0, 0.0, 0.0)
    words = set(re.findall(r"[a-z0-9]+", low))
    kind = next((t for t, names in TYPES.items() if words & set(names)), "other")
    tss_given = re.search(r"\btss\s*(\d+(?:\.\d+)?)", low)
    if_given = re.search(r"\bif\s*(\d(?:\.\d+)?)", low)
    minutes = _minutes(re.sub(r"\b(tss|if)\s*\d+(?:\.\d+)?", " ", low))
    if minutes is None or minutes <= 0:
        raise InsightError(
            f"{option}: no duration in {text!r} (write e.g. 'cycling 45min hard' or 'run 1h easy')"
        )
    if minutes > 24 * 60:
        raise InsightError(f"{option}: {minutes:.0f} minutes in {text!r} is more than a day")
    if if_given:
        factor = float(if_given.group(1))
    else:
        factor = next(
            (v for word, v in INTENSITY_IF if re.search(rf"\b{re.escape(word)}\b", low)), None
        ) or TYPE_IF.get(kind, DEFAULT_IF)
    if not 0 < factor <= 1.5:
        raise InsightError(f"{option}: intensity factor {factor} in {text!r} is outside 0–1.5")
    tss = float(tss_given.group(1)) if tss_given else 100 * (minutes / 60) * factor**2
    return PlannedWorkout(text, kind, minutes, factor, round(tss, 1))
