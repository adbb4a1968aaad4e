"""Time expressions in a question, resolved against a reference day ("today").

Weeks are ISO weeks (Monday to Sunday): "this week" is Monday of today's week to today, "last week" the
whole previous Monday-Sunday. "past/last N days" is the N days ending today (today included), "this
month" the 1st to today, "in March" the most recent March that has begun (this year's when it is March
or later, else last year's)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS.pop("may", None)  # "may" the month is matched only where a month is expected (below)
MONTH_RE = "(?:" + "|".join(sorted([*MONTHS, "may"], key=len, reverse=True)) + ")"
NUMBER_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "thirty": 30, "ninety": 90,
}  # fmt: skip
NUM = r"(?P<n>\d{1,3}|" + "|".join(NUMBER_WORDS) + ")"
ISO = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class Period:
    """An inclusive range of days and how the question named it."""

    start: date
    end: date
    label: str

    def describe(self) -> str:
        if self.start.isoformat() in self.label:
            return self.label
        if self.start == self.end:
            return f"{self.label} ({self.start.isoformat()})"
        return f"{self.label} ({self.start.isoformat()} to {self.end.isoformat()})"


@dataclass(frozen=True)
class Found:
    period: Period
    span: tuple[int, int]


def _month(name: str) -> int:
    return 5 if name == "may" else MONTHS[name]


def _month_period(month: int, year: int | None, today: date, label: str) -> Period:
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), label)


def _n(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _shift_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def find_period(text: str, today: date) -> Found | None:
    """The first time expression in normalized ``text`` (lower case, single spaces), or None."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    fixed: list[tuple[str, Period]] = [
        (r"\b(?:the )?day before yesterday\b", _day(today - timedelta(days=2), "the day before yesterday")),
        (r"\byesterday\b|\blast night\b", _day(today - timedelta(days=1), "yesterday")),
        (r"\btoday\b|\btonight\b|\bthis morning\b", _day(today, "today")),
        (r"\bthis week\b", Period(monday, today, "this week")),
        (
            r"\blast week\b|\bprevious week\b",
            Period(monday - timedelta(7), monday - timedelta(1), "last week"),
        ),
        (r"\bthis month\b", Period(first, today, "this month")),
        (
            r"\blast month\b|\bprevious month\b",
            Period(_shift_months(first, 1), first - timedelta(1), "last month"),
        ),
        (r"\bthis year\b", Period(date(today.year, 1, 1), today, "this year")),
        (
            r"\blast year\b|\bprevious year\b",
            Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "last year"),
        ),
        (r"\b(?:recently|lately)\b", Period(today - timedelta(29), today, "the past 30 days")),
        (r"\b(?:the )?past week\b", Period(today - timedelta(6), today, "the past 7 days")),
        (r"\b(?:the )?past month\b", Period(_shift_months(today, 1) + timedelta(1), today, "the past month")),
        (r"\b(?:the )?past year\b", Period(_shift_months(today, 12) + timedelta(1), today, "the past year")),
    ]
    candidates: list[Found] = []
    for pattern, period in fixed:
        for m in re.finditer(pattern, text):
            candidates.append(Found(period, m.span()))
    for m in re.finditer(
        rf"\b(?:in |over |during |for )?(?:the )?(?:past|last|previous) {NUM} ?(?P<u>days?|weeks?|months?)\b",
        text,
    ):
        n, unit = _n(m["n"]), m["u"].rstrip("s")
        if unit == "day":
            start = today - timedelta(days=n - 1)
        elif unit == "week":
            start = today - timedelta(days=7 * n - 1)
        else:
            start = _shift_months(today, n) + timedelta(days=1)
        candidates.append(Found(Period(start, today, f"the past {n} {unit}{'s' if n > 1 else ''}"), m.span()))
    for m in re.finditer(r"\b(?:in |during |for |over )?(?:the )?(?:past|last) (?P<u>fortnight)\b", text):
        candidates.append(Found(Period(today - timedelta(13), today, "the past 2 weeks"), m.span()))
    for m in re.finditer(rf"\b(?:between|from) (?P<a>{ISO}) (?:and|to|until) (?P<b>{ISO})\b", text):
        a, b = date.fromisoformat(m["a"]), date.fromisoformat(m["b"])
        candidates.append(Found(Period(min(a, b), max(a, b), f"{m['a']} to {m['b']}"), m.span()))
    for m in re.finditer(rf"\bsince (?P<a>{ISO})\b", text):
        a = date.fromisoformat(m["a"])
        candidates.append(Found(Period(a, today, f"since {m['a']}"), m.span()))
    for m in re.finditer(rf"\b(?:on )?(?P<a>{ISO})\b", text):
        candidates.append(Found(_day(date.fromisoformat(m["a"]), m["a"]), m.span()))
    for m in re.finditer(
        rf"\b(?:on )?(?P<m>{MONTH_RE}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?: (?P<y>\d{{4}}))?\b", text
    ):
        candidates.append(Found(_day_in_month(_month(m["m"]), int(m["d"]), m["y"], today), m.span()))
    for m in re.finditer(
        rf"\b(?:on )?(?:the )?(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m>{MONTH_RE})(?: (?P<y>\d{{4}}))?\b",  # noqa: E501
        text,
    ):
        candidates.append(Found(_day_in_month(_month(m["m"]), int(m["d"]), m["y"], today), m.span()))
    for m in re.finditer(rf"\bsince (?P<m>{MONTH_RE})(?: (?P<y>\d{{4}}))?\b", text):
        p = _month_period(_month(m["m"]), int(m["y"]) if m["y"] else None, today, "")
        candidates.append(Found(Period(p.start, today, f"since {p.start:%B %Y}"), m.span()))
    for m in re.finditer(
        rf"\b(?:in|during|for|over|throughout) (?P<m>{MONTH_RE})(?: (?P<y>\d{{4}}))?\b", text
    ):
        year = int(m["y"]) if m["y"] else None
        p = _month_period(_month(m["m"]), year, today, "")
        candidates.append(Found(Period(p.start, p.end, f"in {p.start:%B %Y}"), m.span()))
    for m in re.finditer(r"\b(?:in|during) (?P<y>20\d\d)\b", text):
        y = int(m["y"])
        candidates.append(Found(Period(date(y, 1, 1), date(y, 12, 31), f"in {y}"), m.span()))
    if not candidates:
        return None
    # the longest match at the earliest position wins ("the day before yesterday" over "yesterday")
    return sorted(candidates, key=lambda f: (f.span[0], -(f.span[1] - f.span[0])))[0]


def find_periods(text: str, today: date) -> list[Found]:
    """Every non-overlapping time expression, left to right."""
    out: list[Found] = []
    rest = text
    while (found := find_period(rest, today)) is not None:
        out.append(found)
        a, b = found.span
        rest = rest[:a] + " " * (b - a) + rest[b:]
    return sorted(out, key=lambda f: f.span)


def _day(day: date, label: str) -> Period:
    return Period(day, day, label)


def _day_in_month(month: int, day: int, year: str | None, today: date) -> Period:
    y = int(year) if year else (today.year if (month, day) <= (today.month, today.day) else today.year - 1)
    try:
        d = date(y, month, day)
    except ValueError:
        d = date(y, month, calendar.monthrange(y, month)[1])
    return _day(d, d.strftime("%B %-d, %Y"))
