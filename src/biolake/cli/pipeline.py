"""``biolake run`` (the daily pipeline) and ``biolake docs`` (the gold layer's documentation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from biolake.cli.render import emit, err, out
from biolake.cli.state import OutputFormat, state

if TYPE_CHECKING:
    from biolake.pipeline.runlog import StepRecord


def run(ctx: typer.Context) -> None:
    """Run the daily pipeline: import the inbox, build gold through the gate, alerts, the morning
    briefing, the weekly report on its day, delivery (exit 1 if a step fails).

    Safe from cron or launchd: one run at a time (lake lock), --quiet prints only errors, every step's
    status and time go to the pipeline_runs view."""
    from biolake.pipeline.runner import run_pipeline

    st = state(ctx)

    def on_step(record: StepRecord) -> None:
        if record.status == "failed":
            err.print(f"error: step {record.step} failed: {record.detail}", highlight=False)
        elif not st.quiet and st.format is OutputFormat.table:
            err.print(
                f"{record.step}: {record.status} in {record.seconds:.1f} s — {record.detail}", highlight=False
            )

    records = run_pipeline(st.settings(), on_step=on_step)
    if st.format is not OutputFormat.table:
        emit([vars(r) for r in records], st.format)
    elif not st.quiet:
        emit(
            [{k: v for k, v in vars(r).items() if k not in ("run_id", "biolake_version")} for r in records],
            st.format,
            title=f"run {records[0].run_id}",
        )
    if any(r.status == "failed" for r in records):
        raise typer.Exit(1)


def docs(ctx: typer.Context) -> None:
    """Generate the gold layer's documentation (models, columns, tests, lineage) as one HTML file."""
    from biolake.transform.docs import generate_docs

    st = state(ctx)
    page = generate_docs(st.settings())
    if not st.quiet:
        out.print(f"docs written to {page}  (open it in a browser)", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(docs)
