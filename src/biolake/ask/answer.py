"""The one entry point both engines share: check the question, pick the engine, run in the sandbox,
log, and return an :class:`Answer`.

"Today" (what "last week" or "this month" mean) is the real date in the configured time zone: a user
whose newest export is a week old still means the calendar's last week, and the answer says which days
had data. ``--today YYYY-MM-DD`` or ``BIOLAKE_TODAY`` pins it (tests, benchmarks, the demo, which ends
2026-11-14); ``--today latest`` uses the newest day in the lake."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from biolake.ask.log import log_question
from biolake.ask.offline import MAX_QUESTION_CHARS, Declined, translate
from biolake.ask.sandbox import Sandbox
from biolake.config import Settings
from biolake.errors import BiolakeError, QueryError
from biolake.lake.paths import LakePaths
from biolake.llm import ClaudeConfig, claude_config

TODAY_ENV = "BIOLAKE_TODAY"


class AskError(BiolakeError):
    """A question that cannot be asked (empty, too long) or a --today that is not a date."""


@dataclass
class Answer:
    """An answer (or a reasoned refusal) to one question."""

    question: str
    engine: str
    status: str  # answered | declined
    answer: str
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    confidence: float = 0.0
    explanation: str = ""
    assumptions: list[str] = field(default_factory=list)
    truncated: bool = False
    today: date | None = None
    latency_s: float = 0.0

    @property
    def declined(self) -> bool:
        return self.status == "declined"

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "engine": self.engine,
            "status": self.status,
            "sql": self.sql,
            "columns": self.columns,
            "rows": [list(r) for r in self.rows],
            "answer": self.answer,
            "confidence": self.confidence,
            "explanation": self.explanation,
            "assumptions": self.assumptions,
            "truncated": self.truncated,
            "today": self.today,
        }


def check_question(question: str) -> str:
    text = question.strip()
    if not text:
        raise AskError("the question is empty: ask something like 'What was my average readiness last week?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise AskError(f"the question is too long ({len(text):,} characters; at most {MAX_QUESTION_CHARS:,})")
    return text


class Asker:
    """Answers questions about one lake; keeps the sandbox open between questions (interactive mode,
    benchmarks). ``offline=True`` or no ``ANTHROPIC_API_KEY`` selects the offline engine."""

    def __init__(
        self, settings: Settings, offline: bool = False, today: str | None = None, log: bool = True
    ) -> None:
        self.settings = settings
        self.paths = LakePaths.at(settings.lake)
        self.claude: ClaudeConfig | None = None if offline else claude_config(settings)
        self.engine = "offline" if self.claude is None else "claude"
        self.sandbox = Sandbox(self.paths)
        self.sandbox.open()
        self.latest = self._latest_day()
        self.today = self._resolve_today(today if today is not None else os.environ.get(TODAY_ENV))
        self.log = log

    def close(self) -> None:
        self.sandbox.close()

    def __enter__(self) -> Asker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _latest_day(self) -> date | None:
        row = self.sandbox.connection.execute(
            "SELECT max(date_day) FROM gold.daily_summary WHERE subject_id = ?", [self.settings.subject]
        ).fetchone()
        return row[0] if row else None

    def _resolve_today(self, value: str | None) -> date:
        if value is None or not value.strip():
            return datetime.now(ZoneInfo(self.settings.timezone)).date()
        if value.strip().lower() == "latest":
            if self.latest is None:
                raise AskError(f"--today latest: the lake has no days for subject {self.settings.subject!r}")
            return self.latest
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise AskError(f"--today {value!r} is not a date (YYYY-MM-DD) or 'latest'") from None

    def ask(self, question: str) -> Answer:
        """Answer one question; every question is logged (status answered, declined or failed)."""
        text = check_question(question)
        start = time.perf_counter()
        try:
            answer = self._offline(text) if self.claude is None else self._claude(text, self.claude)
        except BiolakeError as exc:
            self._log(text, "failed", time.perf_counter() - start, error=str(exc))
            raise
        answer.latency_s = time.perf_counter() - start
        answer.today = self.today
        if self.latest is not None and self.today > self.latest and not answer.declined:
            answer.assumptions.append(
                f"today is taken as {self.today.isoformat()}; the newest day in the lake is "
                f"{self.latest.isoformat()} (pin another day with --today)"
            )
        self._log(text, answer.status, answer.latency_s, answer=answer)
        return answer

    def _offline(self, question: str) -> Answer:
        compiled = translate(question, self.today, self.settings.subject)
        if isinstance(compiled, Declined):
            return Answer(
                question, "offline", "declined", f"I can't answer that offline: {compiled.reason}."
                + ("" if self.claude else " (Set ANTHROPIC_API_KEY to ask Claude open questions.)"),
            )  # fmt: skip
        result = self.sandbox.run(compiled.sql)
        return Answer(
            question,
            "offline",
            "answered",
            compiled.explain(result.columns, result.rows),
            sql=compiled.sql,
            columns=result.columns,
            rows=result.rows,
            confidence=1.0,
            explanation="compiled from the metric catalog",
            assumptions=compiled.assumptions,
            truncated=result.truncated,
        )

    def _claude(self, question: str, config: ClaudeConfig) -> Answer:
        from biolake.ask.claude import answer_with_claude

        got = answer_with_claude(question, config, self.sandbox, self.today, self.settings.subject)
        if got.declined:
            return Answer(question, "claude", "declined", got.explanation)
        assert got.result is not None
        return Answer(
            question,
            "claude",
            "answered",
            got.summary,
            sql=got.sql,
            columns=got.result.columns,
            rows=got.result.rows,
            confidence=got.confidence,
            explanation=got.explanation,
            assumptions=got.assumptions,
            truncated=got.result.truncated,
        )

    def _log(
        self,
        question: str,
        status: str,
        seconds: float,
        answer: Answer | None = None,
        error: str | None = None,
    ) -> None:
        if not self.log:
            return
        log_question(
            self.paths,
            question,
            self.engine,
            status,
            seconds,
            sql=answer.sql if answer else None,
            row_count=len(answer.rows) if answer and answer.sql else None,
            confidence=answer.confidence if answer else None,
            today=self.today,
            model=self.claude.model if self.claude else None,
            error=error,
        )


def ask(settings: Settings, question: str, offline: bool = False, today: str | None = None) -> Answer:
    """Answer one question about the lake of ``settings``."""
    check_question(question)
    with Asker(settings, offline=offline, today=today) as asker:
        return asker.ask(question)


__all__ = ["Answer", "AskError", "Asker", "QueryError", "ask", "check_question"]
