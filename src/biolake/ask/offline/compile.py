"""A :class:`Plan` -> SQL over the exposed relations, and the sentence that answers from its rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from biolake.ask.offline.catalog import Catalog, Metric, Relation
from biolake.ask.offline.parse import Plan

Rows = Sequence[tuple[Any, ...]]
FROM_MARK = "\0FROM"  # replaced once every join is known
AGG_WORDS = {"avg": "average", "sum": "total", "max": "highest", "min": "lowest", "count": "number of"}
OP_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "=": "equal to"}


@dataclass
class Compiled:
    sql: str
    explain: Callable[[list[str], Rows], str]
    assumptions: list[str] = field(default_factory=list)


def _lit(value: object) -> str:
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _num(value: float | None, decimals: int = 1, unit: str = "") -> str:
    if value is None:
        return "no value"
    text = f"{value:,.{decimals}f}" if decimals > 0 else f"{round(value):,}"
    return f"{text} {unit}".rstrip() if unit and unit != "%" else text + unit


def _name(metric: Metric, agg: str | None = None) -> str:
    if metric.column == "*":
        return metric.key
    return f"{agg}_{metric.column}" if agg else metric.column


class _From:
    """The FROM clause: the base relation and every other one joined on subject and day."""

    def __init__(self, base: Relation, catalog: Catalog) -> None:
        self.base, self.catalog = base, catalog
        self.joined: list[Relation] = []

    @property
    def date(self) -> str:
        return f"{self.base.key}.{self.base.date}"

    def alias(self, relation: Relation) -> str:
        if relation.key != self.base.key and relation not in self.joined:
            self.joined.append(relation)
        return relation.key

    def sql(self) -> str:
        parts = [f"{self.base.table} AS {self.base.key}"]
        for r in self.joined:
            parts.append(
                f"JOIN {r.table} AS {r.key} ON {r.key}.subject_id = {self.base.key}.subject_id "
                f"AND {r.key}.{r.date} = {self.date}" + (f" AND {r.where.format(t=r.key)}" if r.where else "")
            )
        return "\n".join(parts)


def _where(plan: Plan, src: _From, subject: str, today: date, extra: Sequence[str] = ()) -> list[str]:
    base = src.base.key
    out = [f"{base}.subject_id = {_lit(subject)}"]
    if src.base.where:
        out.append(src.base.where.format(t=base))
    if plan.period is not None:
        out.append(f"{src.date} BETWEEN {_lit(plan.period.start)} AND {_lit(plan.period.end)}")
    for c in plan.conditions:
        out.append(f"{c.metric.value_sql(src.alias(c.metric.relation))} {c.op} {c.value:g}")
    for f in plan.day_filters:
        summary = src.alias(src.catalog.relations["daily_summary"]) if "{s}" in f.sql else base
        out.append(f.sql.format(d=src.date, s=summary))
    if plan.workout_types and src.base.type_column:
        types = ", ".join(_lit(t) for t in plan.workout_types)
        out.append(f"{base}.{src.base.type_column} IN ({types})")
    out.extend(extra)
    return out


def _scope(plan: Plan) -> str:
    parts = []
    if plan.workout_types and plan.targets[0].column != "*":
        parts.append("for " + " and ".join(t.replace("_", " ") for t in plan.workout_types) + " workouts")
    for c in plan.conditions:
        parts.append(f"when {c.metric.label} was {OP_WORDS[c.op]} {c.value:g}{_unit(c.metric.unit)}")
    for f in plan.day_filters:
        parts.append(f"on {f.label}")
    parts.append(plan.period.describe() if plan.period else "over all your data")
    return " ".join(parts)


def compile_plan(plan: Plan, catalog: Catalog, subject: str, today: date) -> Compiled:
    """SQL for ``plan`` and how to say its result."""
    if plan.kind == "topic":
        return _topic(plan, catalog, subject, today)
    if plan.kind == "correlation":
        return _correlation(plan, subject)
    target = plan.targets[0]
    src = _From(target.relation, catalog)
    t = src.alias(target.relation)
    value = target.value_sql(t)
    scope = _scope(plan)
    lines: list[str]
    explain: Callable[[list[str], Rows], str]

    if plan.kind == "aggregate":
        agg = plan.agg or target.aggregation
        cols = []
        for m in plan.targets:
            a = src.alias(m.relation)
            cols.append(f"{m.aggregate_sql(agg if m.column != '*' else 'count', a)} AS {_name(m, agg)}")
        noun = target.relation.noun
        if target.column != "*":
            cols.append(f"count({value}) AS {noun}")
        lines = [f"SELECT {', '.join(cols)}", FROM_MARK]
        where = _where(plan, src, subject, today)

        def explain(columns: list[str], rows: Rows) -> str:
            n = rows[0][-1] if rows else 0
            if not n and target.column != "*":
                return f"There is no {target.label} data {scope}."
            said = []
            one_day = plan.period is not None and plan.period.start == plan.period.end
            word = AGG_WORDS[agg] if not (one_day and target.relation.grain == "day") else ""
            for i, m in enumerate(plan.targets):
                if m.column == "*":
                    kinds = " and ".join(k.replace("_", " ") for k in plan.workout_types)
                    verb = "did" if m.relation.grain == "workout" else "had"
                    said.append(f"you {verb} {rows[0][i]:,} {kinds + ' ' if kinds else ''}{m.label}")
                else:
                    value = _num(rows[0][i], m.decimals, m.unit)
                    said.append(f"your {word + ' ' if word else ''}{m.label} was {value}")
            per = (
                "" if target.column == "*" or one_day else f" ({n} {noun if n != 1 else noun[:-1]} with data)"
            )
            return _cap(f"{' and '.join(said)} {scope}{per}.")

    elif plan.kind == "count":
        lines = ["SELECT count(*) AS days", FROM_MARK]
        where = _where(
            plan, src, subject, today, extra=[f"{value} IS NOT NULL"] if target.column != "*" else []
        )

        def explain(columns: list[str], rows: Rows) -> str:
            n = rows[0][0] if rows else 0
            noun = target.relation.noun
            cond = _scope(plan)
            return _cap(f"{n} {noun if n != 1 else noun[:-1]} {cond}.")

    elif plan.kind == "list":
        shown = [f"{src.date} AS date"]
        if src.base.type_column:
            shown.append(f"{t}.{src.base.type_column} AS workout_type")
        for m in dict.fromkeys([*plan.targets, *(c.metric for c in plan.conditions)]):
            if m.column != "*":
                shown.append(f"{m.value_sql(src.alias(m.relation))} AS {m.column}")
        lines = [f"SELECT {', '.join(shown)}", FROM_MARK]
        nonnull = [f"{value} IS NOT NULL"] if target.column != "*" else []
        where = _where(plan, src, subject, today, extra=nonnull)
        order = f"ORDER BY {src.date}"

        def explain(columns: list[str], rows: Rows) -> str:
            noun = target.relation.noun
            if not rows:
                return f"No {noun} {scope}."
            return f"{len(rows)} {noun} {scope}, from {rows[0][0]} to {rows[-1][0]}."

    elif plan.kind == "extreme":
        n = plan.limit or 1
        shown = [f"{src.date} AS date"]
        if src.base.type_column:
            shown.append(f"{t}.{src.base.type_column} AS workout_type")
        shown.append(f"{value} AS {target.column}")
        lines = [f"SELECT {', '.join(shown)}", FROM_MARK]
        where = _where(plan, src, subject, today, extra=[f"{value} IS NOT NULL"])
        direction = "DESC" if plan.descending else "ASC"
        order = f"ORDER BY {value} {direction}, {src.date} DESC\nLIMIT {n}"

        def explain(columns: list[str], rows: Rows) -> str:
            if not rows:
                return f"There is no {target.label} data {scope}."
            word = "highest" if plan.descending else "lowest"
            top = rows[0]
            return _cap(
                f"your {word} {target.label} {scope} was {_num(top[-1], target.decimals, target.unit)} on {top[0]}"  # noqa: E501
                + (f" (and {len(rows) - 1} more shown)" if len(rows) > 1 else "")
                + "."
            )

    elif plan.kind == "grouped":
        assert plan.dimension is not None
        dim = plan.dimension
        agg = plan.agg or target.aggregation
        expr = dim.expression.format(d=src.date, t=t)
        aggsql = target.aggregate_sql(agg, t)
        counted = "count(*)" if target.column == "*" else f"count({value})"
        lines = [
            f"SELECT {expr} AS {dim.key}, {aggsql} AS {_name(target, agg)}, {counted} AS n",
            FROM_MARK,
        ]
        where = _where(plan, src, subject, today)
        group = f"GROUP BY {expr}" + (f", {dim.order.format(d=src.date)}" if dim.order else "")
        if plan.limit is None and not plan.descending and not _ranked(plan):
            order_by = dim.order.format(d=src.date) if dim.order else expr
        else:
            order_by = f"{aggsql} {'DESC' if plan.descending else 'ASC'}"
        order = f"{group}\nHAVING {counted} > 0\nORDER BY {order_by}"

        def explain(columns: list[str], rows: Rows) -> str:
            if not rows:
                return f"There is no {target.label} data {scope}."
            if _ranked(plan):
                best = rows[0]
                word = "best" if plan.descending == (target.better != "lower") else "worst"
                return _cap(
                    f"{best[0]} has the {word} {target.label} {scope}: "
                    f"{_num(best[1], target.decimals, target.unit)} over {best[2]} "
                    + target.relation.noun
                    + (f" (of {len(rows)} {dim.label}s)" if len(rows) > 1 else "")
                    + "."
                )
            parts = ", ".join(f"{r[0]}: {_num(r[1], target.decimals, target.unit)}" for r in rows[:12])
            return _cap(f"{target.label} by {dim.label} {scope}: {parts}.")

    elif plan.kind == "trend":
        span = (plan.period.end - plan.period.start).days + 1 if plan.period else 400
        bucket = "day" if span <= 31 else "week" if span <= 190 else "month"
        bexpr = src.date if bucket == "day" else f"CAST(date_trunc('{bucket}', {src.date}) AS DATE)"
        agg = target.aggregation if target.aggregation != "count" else "count"
        aggsql = target.aggregate_sql(agg, t)
        counted = "count(*)" if target.column == "*" else f"count({value})"
        lines = [f"SELECT {bexpr} AS {bucket}, {aggsql} AS {_name(target, agg)}, {counted} AS n", FROM_MARK]
        where = _where(plan, src, subject, today)
        order = f"GROUP BY {bexpr}\nHAVING {counted} > 0\nORDER BY {bexpr}"

        def explain(columns: list[str], rows: Rows) -> str:
            points = [(i, float(r[1])) for i, r in enumerate(rows) if r[1] is not None]
            if len(points) < 2:
                return f"Not enough {target.label} data {scope} to see a trend."
            slope = _slope(points)
            first, last = rows[0], rows[-1]
            spread = max(v for _, v in points) - min(v for _, v in points)
            way = (
                "flat"
                if abs(slope) * len(points) < 0.1 * (spread or 1)
                else ("rising" if slope > 0 else "falling")
            )
            return _cap(
                f"your {target.label} {scope} went from {_num(first[1], target.decimals, target.unit)} "
                f"({bucket} of {first[0]}) to {_num(last[1], target.decimals, target.unit)} ({bucket} of {last[0]}): "  # noqa: E501
                f"{way}, {slope:+.{max(target.decimals, 1)}f} per {bucket} on a straight-line fit."
            )

    else:  # pragma: no cover - parse() only makes the kinds above
        raise ValueError(plan.kind)

    lines = [f"FROM {src.sql()}" if line is FROM_MARK else line for line in lines]
    sql = "\n".join(lines) + "\nWHERE " + "\n  AND ".join(where)
    if plan.kind in ("list", "extreme", "grouped", "trend"):
        sql += "\n" + order
    return Compiled(sql, explain, list(plan.assumptions))


def _ranked(plan: Plan) -> bool:
    return plan.limit is not None or plan.descending


def _correlation(plan: Plan, subject: str) -> Compiled:
    x, y = plan.targets
    lag = plan.lag
    shift = f" + {lag}" if lag > 0 else (f" - {-lag}" if lag < 0 else "")
    where = [f"x.subject_id = {_lit(subject)}", f"x.{x.column} IS NOT NULL", f"y.{y.column} IS NOT NULL"]
    if plan.period is not None:
        where.append(f"x.{x.relation.date} BETWEEN {_lit(plan.period.start)} AND {_lit(plan.period.end)}")
    sql = (
        f"SELECT corr(x.{x.column}, y.{y.column}) AS r, count(*) AS n, "
        f"regr_slope(y.{y.column}, x.{x.column}) AS slope\n"
        f"FROM {x.relation.table} AS x\n"
        f"JOIN {y.relation.table} AS y ON y.subject_id = x.subject_id "
        f"AND y.{y.relation.date} = x.{x.relation.date}{shift}\n"
        "WHERE " + "\n  AND ".join(where)
    )
    when = {1: "the next day's ", -1: "the previous day's ", 0: "the same day's "}.get(
        lag, f"{lag:+d} days' "
    )
    scope = plan.period.describe() if plan.period else "over all your data"

    def explain(columns: list[str], rows: Rows) -> str:
        r, n, slope = rows[0] if rows else (None, 0, None)
        if r is None or n < 3:
            return f"Not enough days with both {x.label} and {y.label} {scope} to correlate them."
        size = abs(r)
        strength = (
            "no real"
            if size < 0.1
            else "a weak"
            if size < 0.3
            else "a moderate"
            if size < 0.5
            else "a strong"
        )
        sign = "" if size < 0.1 else (" positive" if r > 0 else " negative")
        return _cap(
            f"{strength}{sign} correlation between {x.label} and {when}{y.label} {scope}: "
            f"r = {r:+.2f} over {n} days (each extra unit of {x.label} goes with {slope:+.3g} {y.label})."
        )

    assumptions = [f"day pairs: {y.label} taken {lag:+d} day(s) after {x.label}"] if lag else []
    return Compiled(sql, explain, [*plan.assumptions, *assumptions])


def _topic(plan: Plan, catalog: Catalog, subject: str, today: date) -> Compiled:
    assert plan.topic is not None
    topic = plan.topic
    cols = ", ".join(topic.columns)
    if plan.period is not None and not (plan.period.start == plan.period.end == today):
        span = f"date_day BETWEEN {_lit(plan.period.start)} AND {_lit(plan.period.end)}"
        sql = f"SELECT {cols}\nFROM gold.{topic.relation}\nWHERE subject_id = {_lit(subject)} AND {span}\nORDER BY date_day DESC"  # noqa: E501
    else:
        sql = (
            f"SELECT {cols}\nFROM gold.{topic.relation}\nWHERE subject_id = {_lit(subject)} "
            f"AND date_day <= {_lit(today)}\nORDER BY date_day DESC\nLIMIT {1 if plan.period else 7}"
        )

    def explain(columns: list[str], rows: Rows) -> str:
        if not rows:
            return f"There is no {topic.label} data {plan.period.describe() if plan.period else 'yet'}."
        latest = {k: _fmt(v) for k, v in zip(columns, rows[0], strict=True)}
        return topic.answer.format(**latest)

    return Compiled(sql, explain, list(plan.assumptions))


def _unit(unit: str) -> str:
    return unit if unit == "%" else f" {unit}" if unit else ""


def _fmt(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _slope(points: list[tuple[int, float]]) -> float:
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else 0.0


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
