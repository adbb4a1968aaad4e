"""``biolake ask``: a question in plain words, answered with safe SQL over the lake (Claude or offline)."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from biolake.cli.render import emit, err, out, plain
from biolake.cli.state import OutputFormat, State, state

if TYPE_CHECKING:
    from biolake.ask.answer import Answer, Asker

HISTORY_FILE = "ask_history"
QUIT = {"quit", "exit", r"\q"}


def ask(
    ctx: typer.Context,
    question: Annotated[
        str | None, typer.Argument(help="The question; leave it out for an interactive prompt.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use the offline engine even when ANTHROPIC_API_KEY is set.")
    ] = False,
    show_sql: Annotated[bool, typer.Option("--show-sql", help="Print the SQL that answered.")] = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="The day 'last week', 'this month' … count from: YYYY-MM-DD or 'latest' (newest day in "
            "the lake). Default: the real today.",
            envvar="BIOLAKE_TODAY",
        ),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="List the relations and columns questions may read, then exit.")
    ] = False,
) -> None:
    """Answer a question about your data with SQL that can only read gold (Claude or offline engine)."""
    from biolake.ask.answer import Asker, check_question

    st = state(ctx)
    if question is not None:
        check_question(question)  # bad input fails before the lake is opened
    with Asker(st.settings(), offline=offline, today=today) as asker:
        if schema:
            _show_schema(asker, st.format)
            return
        if question is not None:
            answer = asker.ask(question)
            _show(answer, st, show_sql)
            if answer.declined:
                sys.exit(1)
            return
        _interactive(asker, st, show_sql)


def _show(answer: Answer, st: State, show_sql: bool) -> None:
    if st.format is OutputFormat.json:
        doc = {k: plain(v) for k, v in answer.as_dict().items()}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    if answer.declined:
        if st.format is OutputFormat.csv:
            err.print(answer.answer, highlight=False)
        else:
            out.print(answer.answer, highlight=False)
        return
    records = [dict(zip(answer.columns, row, strict=True)) for row in answer.rows]
    if st.format is OutputFormat.csv:
        emit(records, st.format, columns=answer.columns)
        return
    out.print(answer.answer, highlight=False)
    if len(answer.rows) > 1 or len(answer.columns) > 2:
        emit(records, st.format, columns=answer.columns)
    if answer.truncated:
        err.print(f"(only the first {len(answer.rows)} rows are shown)")
    if not st.quiet:
        for a in answer.assumptions:
            err.print(f"assumed: {a}", highlight=False)
    if show_sql and answer.sql:
        out.print(f"\n-- {answer.engine} engine\n{answer.sql}", highlight=False, markup=False)


def _show_schema(asker: Asker, fmt: OutputFormat) -> None:
    from biolake.ask.schema import live_schema

    rows = [
        {"relation": r.qualified, "column": c.name, "type": c.type, "description": c.description}
        for r in live_schema(asker.sandbox.connection, asker.sandbox.relations)
        for c in r.columns
    ]
    emit(rows, fmt, title="relations questions may read")


def _interactive(asker: Asker, st: State, show_sql: bool) -> None:
    from biolake.errors import BiolakeError

    history = _History(asker.paths.state / HISTORY_FILE)
    if sys.stdin.isatty():
        err.print(f"biolake ask ({asker.engine} engine): one question per line; 'quit' or Ctrl-D ends.")
    try:
        while True:
            try:
                line = input("ask> " if sys.stdin.isatty() else "")
            except EOFError:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT:
                break
            history.add(text)
            try:
                _show(asker.ask(text), st, show_sql)
            except BiolakeError as exc:
                err.print(f"[bold red]error:[/] {exc}", highlight=False)
    finally:
        history.save()


class _History:
    """The prompt's readline history, kept in the lake's state folder between sessions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            import readline
        except ImportError:  # pragma: no cover - Python built without readline
            self.readline = None
            return
        self.readline = readline
        if path.is_file():
            with contextlib.suppress(OSError):
                readline.read_history_file(str(path))
        readline.set_history_length(1000)

    def add(self, line: str) -> None:
        """Remember ``line`` (input() adds it itself only when reading from a terminal)."""
        rl = self.readline
        if rl is not None and not sys.stdin.isatty():
            rl.add_history(line)

    def save(self) -> None:
        if self.readline is None:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.readline.write_history_file(str(self.path))


def register(app: typer.Typer) -> None:
    app.command()(ask)
