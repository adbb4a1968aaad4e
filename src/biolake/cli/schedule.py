"""``biolake schedule``: run ``biolake run`` daily from cron (Linux) or launchd (macOS)."""

from __future__ import annotations

from typing import Annotated

import typer

from biolake.cli.render import emit, out
from biolake.cli.state import OutputFormat, state

app = typer.Typer(
    rich_markup_mode="markdown", help="Run 'biolake run' every day (cron or launchd).", no_args_is_help=True
)

Launchd = Annotated[bool, typer.Option("--launchd", help="Use launchd (default on macOS).")]
Cron = Annotated[bool, typer.Option("--cron", help="Use cron (default elsewhere).")]


def _backend(launchd: bool, cron: bool) -> str | None:
    if launchd and cron:
        raise typer.BadParameter("choose one of --launchd and --cron")
    return "launchd" if launchd else "cron" if cron else None


def _show(ctx: typer.Context, status: object) -> None:
    st = state(ctx)
    row = dict(vars(status))
    if st.format is not OutputFormat.table:
        emit([row], st.format)
    elif not st.quiet:
        if row["installed"]:
            out.print(
                f"daily at {row['at']} via {row['backend']} ({row['location']}): {row['command']}",
                highlight=False,
            )
        else:
            out.print(f"not scheduled ({row['backend']})", highlight=False)


@app.command("install")
def install(
    ctx: typer.Context,
    at: Annotated[str, typer.Option("--at", help="Time of day, HH:MM (local).")] = "07:00",
    launchd: Launchd = False,
    cron: Cron = False,
) -> None:
    """Install (or replace) the daily run of this lake at --at."""
    from biolake.schedule import install as do_install

    _show(ctx, do_install(state(ctx).settings(), at, _backend(launchd, cron)))


@app.command("status")
def status(ctx: typer.Context, launchd: Launchd = False, cron: Cron = False) -> None:
    """Show whether, when and how this lake's daily run is scheduled."""
    from biolake.schedule import status as get_status

    _show(ctx, get_status(state(ctx).settings(), _backend(launchd, cron)))


@app.command("uninstall")
def uninstall(ctx: typer.Context, launchd: Launchd = False, cron: Cron = False) -> None:
    """Remove this lake's daily run (nothing to do when none is installed)."""
    from biolake.schedule import uninstall as do_uninstall

    st = state(ctx)
    removed = do_uninstall(st.settings(), _backend(launchd, cron))
    if st.format is not OutputFormat.table:
        emit([{"removed": removed}], st.format)
    elif not st.quiet:
        out.print("schedule removed" if removed else "no schedule was installed", highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="schedule")
