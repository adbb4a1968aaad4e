"""``biolake alerts``: evaluate the alert rules; each condition episode alerts once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from biolake.cli.delivering import deliver_and_report
from biolake.cli.render import emit, err
from biolake.cli.state import DAY_FORMATS, OutputFormat, state


def alerts(
    ctx: typer.Context,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=DAY_FORMATS,
            help="Also look back to this day, and list every alert since (default: the last days of data).",
        ),
    ] = None,
    send: Annotated[
        bool, typer.Option("--deliver", help="Send new alerts through the [delivery] channels.")
    ] = False,
) -> None:
    """Check resting HR, HRV, overtraining risk, readiness trend, temperature, glucose episodes and stale
    sources; show new alerts (with --since, all alerts since that day). History: the alerts_log view."""
    from biolake.alerts.engine import alerts_message, evaluate, history

    st = state(ctx)
    settings = st.settings()
    run = evaluate(settings, since.date() if since else None)
    new_keys = {a.alert_key for a in run.fired}
    shown = history(settings, run.since) if since else run.fired
    rows = [
        {
            "new": a.alert_key in new_keys,
            "rule": a.rule,
            "severity": a.severity,
            "start": a.episode_start,
            "end": a.episode_end,
            "message": a.message,
        }
        for a in shown
    ]
    if rows or st.format is not OutputFormat.table:
        emit(rows, st.format, title="alerts")
    elif not st.quiet:
        err.print(f"no new alerts ({len(run.ongoing)} ongoing, alerted before)", highlight=False)
    if send and (message := alerts_message(run.fired)) is not None and not deliver_and_report(st, [message]):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(alerts)
