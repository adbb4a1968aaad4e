"""``biolake briefing``: this morning's summary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from biolake.cli.delivering import deliver_and_report
from biolake.cli.render import emit, out
from biolake.cli.state import DAY_FORMATS, OutputFormat, state


def briefing(
    ctx: typer.Context,
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=DAY_FORMATS, help="The morning to brief on (default today)."),
    ] = None,
    send: Annotated[bool, typer.Option("--deliver", help="Send it through the [delivery] channels.")] = False,
) -> None:
    """Last night's sleep, readiness, today's training recommendation, glucose overnight and alerts —
    or a notice that today's data has not arrived yet (never a briefing on stale data)."""
    from biolake.briefing import build_briefing

    st = state(ctx)
    settings = st.settings()
    brief = build_briefing(settings, day.date() if day else None)
    brief.save(settings)
    if st.format is not OutputFormat.table:
        emit(
            [
                {
                    "day": brief.day,
                    "fresh": brief.fresh,
                    "latest_day": brief.latest_day,
                    "text": brief.markdown(),
                }
            ],
            st.format,
        )
    elif not send:
        out.print(brief.markdown(), markup=False, highlight=False)
    if send and not deliver_and_report(st, [brief.message()]):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(briefing)
