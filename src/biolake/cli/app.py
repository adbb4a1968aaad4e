"""Root app: global options, logging, and turning a BiolakeError into one line and exit code 1."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from biolake import __version__
from biolake.cli import (
    alerts,
    ask,
    briefing,
    build,
    demo,
    export,
    glucose,
    ingest,
    insights,
    lake,
    ml,
    pipeline,
    pull,
    report,
    schedule,
    sync,
)
from biolake.cli.render import err
from biolake.cli.state import OutputFormat, State
from biolake.errors import BiolakeError

app = typer.Typer(
    rich_markup_mode="markdown",  # "[delivery]" stays visible, wrapped lines join (in every sub-app too)
    name="biolake",
    help="A local-first health-data lakehouse: Apple Health, Oura, Peloton, MyFitnessPal and CGM exports "
    "in DuckDB + Parquet on your own disk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"biolake {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    lake_path: Annotated[
        Path | None,
        typer.Option(
            "--lake", help="Lake directory (default ./lake).", envvar="BIOLAKE_HOME", show_envvar=True
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (default ./biolake.toml, then <lake>/biolake.toml).",
            envvar="BIOLAKE_CONFIG",
        ),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or summaries (for cron).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens, to stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Global options; every command reads them from here."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = State(lake=lake_path, config=config, format=fmt, quiet=quiet, verbose=verbose)


ingest.register(app)
lake.register(app)
pull.register(app)
demo.register(app)
build.register(app)
pipeline.register(app)
insights.register(app)
ml.register(app)
ask.register(app)
export.register(app)
sync.register(app)
glucose.register(app)
report.register(app)
alerts.register(app)
briefing.register(app)
schedule.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BiolakeError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
