"""``biolake export``: data leaving the lake in standard formats (``export fhir``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from biolake.cli.render import emit, out
from biolake.cli.state import OutputFormat, parse_day, state

export_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Export the lake's data in standard formats (FHIR R4).",
    no_args_is_help=True,
)


class GranularityOption(StrEnum):
    daily = "daily"
    raw = "raw"


class BundleOption(StrEnum):
    collection = "collection"
    transaction = "transaction"


@export_app.command("fhir")
def fhir(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", help="First local date (YYYY-MM-DD); default: the first day.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last local date (YYYY-MM-DD); default: the last day.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Subject id (default: the configured subject).")
    ] = None,
    granularity: Annotated[
        GranularityOption,
        typer.Option("--granularity", help="daily values, or every raw sample and CGM reading."),
    ] = GranularityOption.daily,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Bundle file, or directory with --ndjson (default: <lake>/exports/fhir/)."
        ),
    ] = None,
    ndjson: Annotated[
        bool, typer.Option("--ndjson", help="Bulk Data NDJSON, one file per resource type.")
    ] = False,
    bundle: Annotated[
        BundleOption, typer.Option("--bundle", help="Bundle type of the file.")
    ] = BundleOption.collection,
    post: Annotated[
        str | None,
        typer.Option(
            "--post",
            help="Send transaction bundles to this FHIR server base URL "
            "(bearer token from $BIOLAKE_FHIR_TOKEN).",
        ),
    ] = None,
) -> None:
    """Export a Patient and its Observations (LOINC, UCUM) as FHIR R4: a Bundle, NDJSON, or a POST."""
    from biolake.fhir.export import ExportOptions, export_fhir

    st = state(ctx)
    options = ExportOptions(
        start=parse_day(start, "--from"),
        end=parse_day(end, "--to"),
        subject=subject,
        granularity=granularity.value,
        out=out_path,
        ndjson=ndjson,
        bundle=bundle.value,
        post=post,
    )
    result = export_fhir(st.settings(), options)
    if st.quiet:
        return
    rows = [{"code": code, "resources": n} for code, n in sorted(result.counts.items())]
    if st.format is not OutputFormat.table:
        emit(rows, st.format)
        return
    emit(
        rows,
        st.format,
        title=f"FHIR export of '{result.subject}', {result.start} to {result.end} ({result.granularity})",
    )
    for path in result.files:
        out.print(f"wrote {path}", highlight=False)
    if result.posted is not None:
        p = result.posted
        out.print(
            f"posted {p.bundles} transaction bundle(s) to {p.url}: "
            f"{p.created} created, {p.existing} already there",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
