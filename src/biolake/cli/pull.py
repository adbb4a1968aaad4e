"""``biolake pull``: download from a service's API and import the download like any export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.markup import escape

from biolake.cli.ingest import _summary_rows
from biolake.cli.render import emit, err
from biolake.cli.state import DAY_FORMATS, OutputFormat, state

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Download data from a service's API into the lake.",
    no_args_is_help=True,
)


@app.command("oura")
def oura(
    ctx: typer.Context,
    since: Annotated[datetime, typer.Option("--since", formats=DAY_FORMATS, help="First day to fetch.")],
    until: Annotated[
        datetime | None,
        typer.Option("--until", formats=DAY_FORMATS, help="Last day to fetch (default today)."),
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Subject id for the rows.")] = None,
    heartrate: Annotated[
        bool, typer.Option("--heartrate/--no-heartrate", help="Also fetch 5-minute heart rate samples.")
    ] = True,
) -> None:
    """Fetch Oura API v2 data (token in OURA_TOKEN) for a range of days and import it."""
    from biolake.sources.oura.pull import ENDPOINTS, client_from_env, pull

    st = state(ctx)
    settings = st.settings(subject=subject)
    endpoints = ENDPOINTS if heartrate else tuple(e for e in ENDPOINTS if e != "heartrate")
    last = until.date() if until else date.today()
    results = pull(settings, since.date(), last, client_from_env(), endpoints)
    for result in results:
        if result.error:
            err.print(f"[bold red]error:[/] {escape(result.error)}", highlight=False)
    if not results and not st.quiet:
        err.print(f"Oura has no records from {since.date()} to {last}")
    if st.format is OutputFormat.json:
        emit([r.to_dict() for r in results], st.format)
    elif not st.quiet and (rows := _summary_rows(results)):
        emit(rows, st.format, title="pull summary")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="pull")
