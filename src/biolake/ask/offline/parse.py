"""A question in words -> a :class:`Plan` (what to compute), or a :class:`Declined` saying why not.

The parser is strict on purpose: every word of the question must be understood (a metric, a time
expression, a comparison, a grouping, a known question word or filler); anything else makes it decline
rather than guess. That is also what stops injected SQL or instructions: they are words it does not know."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from biolake.ask.offline.catalog import Catalog, Dimension, Metric, Topic
from biolake.ask.offline.timeexpr import Period, find_periods

MAX_QUESTION_CHARS = 1000

FILLER_WORDS = """
    a about above across actually after ago all along am amount an and any are as at average avg be
    been being below between by came can come compare compared daily data day days did dip dipped
    display do does doing done dropped drops each ever falls feel fell felt fewer find for from
    generally get gets give gives go goes going got greater had has have higher hit how i i'm im in
    into is it its just keep kept kind least less level levels like list log logged look looked
    looks lower made make many me mean median more most much my myself night nights number of on or
    over overall per please points reach reached record recorded rise rose score see should show
    shows statistics stats stay stayed stays summarise summarize summary take tell than that the
    them there these this those time times to took total typical typically under usually value
    values versus vs was went were what what's whats when where which while who with you your yours
"""
FILLER = frozenset(FILLER_WORDS.split())
AGG_WORDS = {
    "avg": r"average|avg|mean|typical|typically|on average|per day|a day|daily average",
    "sum": r"total|sum|in total|altogether|combined|overall total",
    "max": r"max|maximum|highest|peak|most|best|top",
    "min": r"min|minimum|lowest|least|worst|bottom",
}
COUNT_RE = r"\bhow many\b|\bnumber of\b|\bhow often\b|\bcount\b"
LIST_RE = r"\bshow\b|\blist\b|\bdisplay\b|\bwhich days\b|\bwhat days\b|\bwhich nights\b|\bwhen did\b|\bwhen was\b|\bwhen were\b"  # noqa: E501
TREND_RE = (
    r"\btrends?\b|\btrending\b|\bover time\b|\bchanged?\b|\bchanging\b|\bevolved?\b|\bprogress(?:ed|ion)?\b"
    r"|\bimprov(?:ed|ing)\b|\bgetting (?:better|worse)\b|\bgoing (?:up|down)\b"
)
CORR_RE = (
    r"\bcorrelat(?:e|es|ed|ion|ions)\b|\brelationship\b|\brelated\b|\brelate\b|\bconnection\b"
    r"|\blink(?:ed)?\b|\baffect(?:s|ed)?\b|\bimpact(?:s|ed)?\b|\binfluence(?:s|d)?\b|\bpredict(?:s)?\b"
)
NEXT_RE = r"\bnext day(?: s)?\b|\bthe following day(?: s)?\b|\bfollowing day(?: s)?\b|\bthe day after\b|\bday after\b|\bnext morning(?: s)?\b|\bnext\b"  # noqa: E501
PREV_RE = r"\bprevious day(?: s)?\b|\bprevious night(?: s)?\b|\bday before\b|\bthe night before\b|\bprior day(?: s)?\b|\bprevious\b"  # noqa: E501
RANK_RE = r"\b(?P<w>best|worst|highest|lowest|most|least|top|bottom|max|maximum|min|minimum|peak)\b(?: (?P<n>\d{1,2}))?"  # noqa: E501
OPS = [
    (r"at least|no less than|>=", ">="),
    (r"at most|no more than|<=", "<="),
    (r"below|under|less than|lower than|fewer than|beneath|<", "<"),
    (r"above|over|more than|greater than|higher than|exceeding|exceeded|>", ">"),
    (r"exactly|equal to|=", "="),
]
UNIT = r"(?:(?P<unit>%|percent|hours?|hrs?|hr|h|minutes?|mins?|min|kg|kilos?|kilograms|lbs?|pounds|steps?|bpm|ms|kcal|calories|cal|mg/dl|mgdl|mmol/l|mmol|mg|grams?|g|kj|kilojoules|watts?|w|c|degrees)\b)?"  # noqa: E501
NUMBER = r"(?P<num>-?\d+(?:\.\d+)?)"
DAY_FILTERS = [
    (r"\b(?:on |at |during |over )?(?:the )?weekends?\b", "weekends", "isodow({d}) IN (6, 7)"),
    (
        r"\b(?:on |during )?(?:the )?weekdays?\b|\b(?:on )?work ?days\b",
        "weekdays",
        "isodow({d}) BETWEEN 1 AND 5",
    ),
    (r"\b(?:on )?(?:workout|training) days\b", "workout days", "{s}.workouts > 0"),
    (r"\b(?:on )?(?:rest days|days off)\b", "rest days", "{s}.workouts = 0"),
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass(frozen=True)
class Condition:
    metric: Metric
    op: str
    value: float
    text: str


@dataclass(frozen=True)
class DayFilter:
    label: str
    sql: str  # {d}: the date expression, {s}: the daily_summary alias


@dataclass
class Plan:
    """What a question asks for, in catalog terms."""

    kind: str  # aggregate | count | list | extreme | grouped | trend | correlation | topic
    targets: list[Metric] = field(default_factory=list)
    agg: str | None = None
    conditions: list[Condition] = field(default_factory=list)
    period: Period | None = None
    day_filters: list[DayFilter] = field(default_factory=list)
    workout_types: list[str] = field(default_factory=list)
    dimension: Dimension | None = None
    descending: bool = True
    limit: int | None = None
    lag: int = 0  # correlation: targets[1] is taken this many days after targets[0]
    topic: Topic | None = None
    assumptions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Declined:
    """Why the offline engine will not answer."""

    reason: str


def normalize(question: str) -> str:
    text = question.lower().replace("’", "'").replace("'s ", " ")
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    text = re.sub(r"[^a-z0-9.%<>=/:'\- ]+", " ", text)
    text = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class _Text:
    """The normalized question with the parts already understood blanked out."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.mask = list(text)

    def free(self, a: int, b: int) -> bool:
        return all(c != "\0" for c in self.mask[a:b])

    def take(self, pattern: str) -> list[re.Match[str]]:
        found = []
        for m in re.finditer(pattern, self.text):
            if m.end() > m.start() and self.free(*m.span()):
                self.consume(*m.span())
                found.append(m)
        return found

    def consume(self, a: int, b: int) -> None:
        self.mask[a:b] = ["\0"] * (b - a)

    def leftover(self) -> list[str]:
        rest = "".join(" " if c == "\0" else c for c in self.mask)
        return [w for w in re.findall(r"[a-z0-9'%<>=./:\-]+", rest) if w.strip(".-'")]


def _phrase(words: str) -> str:
    return r"\b" + re.escape(words.lower()).replace(r"\ ", r"\s+") + r"\b"


def parse(question: str, catalog: Catalog, today: date) -> Plan | Declined:
    """Understand ``question`` fully, or decline."""
    text = _Text(normalize(question))
    if not text.text:
        return Declined("the question has no words I can read")
    for phrase, what in sorted(catalog.not_in_lake.items(), key=lambda p: -len(p[0])):
        if re.search(_phrase(phrase), text.text):
            return Declined(f"the lake holds no {what} data")
    plan = Plan(kind="aggregate")
    for topic in catalog.topics.values():
        for phrase in sorted(topic.phrases, key=len, reverse=True):
            if text.take(_phrase(phrase)):
                plan.kind, plan.topic = "topic", topic
                break
        if plan.topic:
            break
    periods = find_periods(text.text, today)
    if len(periods) > 1:
        return Declined("ask about one time period at a time")
    if periods:
        plan.period = periods[0].period
        text.consume(*periods[0].span)
    for dim in catalog.dimensions.values():
        for phrase in sorted(dim.phrases, key=len, reverse=True):
            if text.take(_phrase(phrase)):
                if plan.dimension and plan.dimension is not dim:
                    return Declined("group by one thing at a time")
                plan.dimension = dim
    for pattern, label, sql in DAY_FILTERS:
        if text.take(pattern):
            plan.day_filters.append(DayFilter(label, sql))
    for i, day in enumerate(WEEKDAYS, start=1):
        if text.take(rf"\b(?:on )?{day}s?\b"):
            plan.day_filters.append(DayFilter(day.capitalize() + "s", f"isodow({{d}}) = {i}"))
    raw_conditions = _comparisons(text)
    for kind, words in catalog.workout_types.items():
        for w in sorted(words, key=len, reverse=True):
            if text.take(_phrase(w)) and kind not in plan.workout_types:
                plan.workout_types.append(kind)
    mentions: list[tuple[int, Metric]] = []
    for phrase, metric in catalog.synonyms():
        for m in text.take(_phrase(phrase)):
            mentions.append((m.start(), metric))
    mentions.sort(key=lambda p: p[0])
    nexts = [m.start() for m in text.take(NEXT_RE)]
    prevs = [m.start() for m in text.take(PREV_RE)]
    is_corr = bool(text.take(CORR_RE))
    is_trend = bool(text.take(TREND_RE))
    is_count = bool(text.take(COUNT_RE))
    is_list = bool(text.take(LIST_RE))
    rank = text.take(RANK_RE)
    aggs = [
        agg
        for agg, pattern in AGG_WORDS.items()
        if agg in ("avg", "sum") and text.take(rf"\b(?:{pattern})\b")
    ]
    unknown = [w for w in text.leftover() if w not in FILLER]
    if unknown:
        shown = " ".join(dict.fromkeys(unknown))[:80]
        return Declined(f"I don't understand {shown!r}")
    if plan.topic is not None:
        if mentions or raw_conditions or plan.dimension:
            return Declined(f"ask about {plan.topic.label} on its own")
        return plan

    if plan.workout_types and not any(m.relation.grain == "workout" for _, m in mentions):
        mentions.append((len(text.text), catalog.metrics["workouts"]))

    if not mentions and not any(u for _, _, _, u, _ in raw_conditions):
        return Declined("I found no metric I know in the question")
    # bind each comparison to its metric: the unit names it, else the nearest metric before it, else after
    bound: set[int] = set()
    for pos, _op, _value, unit, _said in raw_conditions:
        named = next((m for s, m in catalog.synonyms() if s == unit), None)
        if named is not None and not any(m is named for _, m in mentions):
            mentions.append((pos + 1, named))  # "more than 12000 steps": the unit is the metric
    mentions.sort(key=lambda p: p[0])
    for pos, op, value, unit, phrase in raw_conditions:
        idx = _bind(pos, unit, mentions, bound, catalog)
        if idx is None:
            return Declined(f"I can't tell which metric {phrase!r} is about")
        metric = mentions[idx][1]
        metric = _family_member(metric, unit, catalog)
        mentions[idx] = (mentions[idx][0], metric)
        if unit:
            if unit not in metric.units:
                return Declined(f"{metric.label} is not measured in {unit!r}")
            value *= metric.units[unit]
        plan.conditions.append(Condition(metric, op, value, phrase))
        bound.add(idx)
    if not mentions:
        return Declined("I found no metric I know in the question")
    unbound = [m for i, (_, m) in enumerate(mentions) if i not in bound]
    targets = list(dict.fromkeys(unbound)) or [plan.conditions[0].metric]
    plan.targets = targets

    if plan.workout_types and targets[0].relation.grain != "workout":
        return Declined("workout types go with workout metrics (output, power, duration, workouts)")
    if plan.dimension and plan.dimension.grain and targets[0].relation.grain != plan.dimension.grain:
        return Declined(
            f"{targets[0].label} is not measured per {plan.dimension.grain}; group by "
            f"{plan.dimension.label} works on {plan.dimension.grain} metrics"
        )
    grains = {m.relation.grain for m in targets}
    if len(grains) > 1:
        return Declined("ask about daily metrics and per-workout, per-episode or per-meal metrics separately")
    if targets[0].relation.grain == "day" and any(c.metric.relation.grain != "day" for c in plan.conditions):
        return Declined("conditions on single workouts, episodes or meals go with their own metrics")

    if is_corr:
        metrics = [m for _, m in mentions]
        if len(dict.fromkeys(metrics)) != 2 or plan.conditions or plan.dimension:
            return Declined(
                "a correlation needs exactly two metrics (e.g. 'sleep score and next-day readiness')"
            )
        if any(m.relation.grain != "day" for m in metrics):
            return Declined("correlations are computed between daily metrics")
        plan.kind = "correlation"
        plan.targets = list(dict.fromkeys(metrics))
        plan.lag = _lag(nexts, prevs, mentions)
        return plan
    if nexts or prevs:
        return Declined("next-day and previous-day only work in correlations")
    if is_trend:
        if len(targets) != 1:
            return Declined("ask for the trend of one metric at a time")
        plan.kind = "trend"
        return plan
    explicit = aggs[0] if aggs else None
    if plan.dimension is not None:
        plan.kind = "grouped"
        plan.agg = explicit or ("count" if targets[0].aggregation == "count" else targets[0].aggregation)
        if rank:
            word = rank[0]["w"]
            plan.descending = _descending(word, targets[0])
            if word in ("best", "worst") and targets[0].better is None:
                return Declined(f"'{word}' {targets[0].label} is ambiguous: say highest or lowest")
        else:
            plan.descending = False
            plan.limit = None
        return plan
    if len(targets) > 1 and (rank or is_list):
        return Declined("ask for one metric at a time")
    if rank and not explicit:
        word, n = rank[0]["w"], rank[0]["n"]
        if word in ("best", "worst") and targets[0].better is None:
            return Declined(f"'{word}' {targets[0].label} is ambiguous: say highest or lowest")
        plan.kind, plan.descending, plan.limit = "extreme", _descending(word, targets[0]), int(n or 1)
        return plan
    if is_count:
        if targets[0].aggregation == "count":
            plan.kind, plan.agg = "aggregate", "count"
        elif plan.conditions or plan.day_filters:
            plan.kind = "count"
        else:
            plan.kind, plan.agg = "aggregate", explicit or "sum"
        return plan
    if is_list or (plan.conditions and not explicit):
        if targets[0].aggregation == "count" and not plan.conditions:
            plan.kind, plan.agg = "aggregate", "count"
            return plan
        plan.kind = "list"
        return plan
    plan.kind, plan.agg = "aggregate", explicit or targets[0].aggregation
    return plan


def _comparisons(text: _Text) -> list[tuple[int, str, float, str, str]]:
    out = []
    for words, op in OPS:
        for m in text.take(
            rf"(?:\b|(?<=\s))(?:{words})\s*{NUMBER}\s*{UNIT}(?: or (?:more|less|fewer|higher|lower))?"
        ):
            unit = (m["unit"] or "").lower()
            out.append((m.start(), op, float(m["num"]), unit, m.group(0)))
    for m in text.take(rf"\b{NUMBER}\s*{UNIT}\s+or (?P<dir>more|higher|above|less|fewer|lower|below)\b"):
        op = ">=" if m["dir"] in ("more", "higher", "above") else "<="
        out.append((m.start(), op, float(m["num"]), (m["unit"] or "").lower(), m.group(0)))
    return sorted(out)


def _bind(
    pos: int, unit: str, mentions: list[tuple[int, Metric]], bound: set[int], catalog: Catalog
) -> int | None:
    if unit:  # "more than 10000 steps": the unit is itself a metric's name
        for i, (p, m) in enumerate(mentions):
            if p >= pos and i not in bound and unit in (s.lower() for s in m.synonyms):
                return i
    before = [i for i, (p, _) in enumerate(mentions) if p < pos and i not in bound]
    if before:
        return before[-1]
    after = [i for i, (p, _) in enumerate(mentions) if p > pos and i not in bound]
    return after[0] if after else None


def _family_member(metric: Metric, unit: str, catalog: Catalog) -> Metric:
    if not unit or not metric.family or unit in metric.units:
        return metric
    for other in catalog.metrics.values():
        if other.family == metric.family and unit in other.units:
            return other
    return metric


def _lag(nexts: list[int], prevs: list[int], mentions: list[tuple[int, Metric]]) -> int:
    """+1 when the second metric is the next day's, -1 when it is the previous day's (relative to the
    first); a marker on the first metric flips the sign."""
    first, second = mentions[0][0], next(p for p, m in mentions if m is not mentions[0][1])
    lag = 0
    for marker, sign in [(p, 1) for p in nexts] + [(p, -1) for p in prevs]:
        # "next-day readiness": the metric after the marker; "readiness the next day": the one before
        target = min((p for p, _ in mentions if p > marker), default=None)
        if target is None:
            target = max((p for p, _ in mentions if p < marker), default=None)
        if target == second:
            lag += sign
        elif target == first:
            lag -= sign
    return lag


def _descending(word: str, metric: Metric) -> bool:
    if word in ("best", "worst"):
        higher = metric.better != "lower"
        return higher if word == "best" else not higher
    return word in ("highest", "most", "top", "max", "maximum", "peak")
