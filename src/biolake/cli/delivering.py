"""Sending a command's result through the configured delivery channels and reporting how it went."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from biolake.cli.render import err
from biolake.cli.state import State


def deliver_and_report(st: State, messages: list[Any]) -> bool:
    """Deliver ``messages``; print one line per channel to stderr. False when something was queued."""
    from biolake.delivery.outbox import deliver

    report = deliver(st.settings(), messages)
    for r in report.results:
        if r.status == "queued":
            err.print(f"[bold red]delivery failed[/] ({r.channel}): {escape(r.detail)} — queued for retry")
        elif not st.quiet:
            note = " (retried)" if r.retry else ""
            err.print(f"{r.channel}: {r.status}{note} — {escape(r.detail)}", highlight=False)
    if report.pending and not st.quiet:
        err.print(f"{report.pending} message(s) wait in the delivery queue", highlight=False)
    return not report.failed
