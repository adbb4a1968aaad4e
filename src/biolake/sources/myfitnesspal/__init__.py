"""MyFitnessPal export: the zip of ``Nutrition-Summary-….csv``, ``Exercise-Summary-….csv`` and
``Measurement-Summary-….csv`` (each member is imported as its own input), or those CSVs on their own.

Which summary a file is comes from its header, never its name; see :mod:`.nutrition`, :mod:`.exercise`
and :mod:`.measurements` for each. MFP writes dates (``YYYY-MM-DD``) and times of day without an offset:
they are read in the configured zone with :mod:`biolake.sources.localtime`. Numbers are plain decimals
(thousands separators accepted); anything else is an error naming the line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, ClassVar

from biolake.sources._csv import csv_rows, fail, head_rows
from biolake.sources.base import BronzeSink, ParseContext, SilverMapping
from biolake.sources.myfitnesspal import exercise, measurements, nutrition
from biolake.sources.myfitnesspal.common import separator_problem

Reader = Callable[[list[str], Iterator[tuple[int, list[str]]], ParseContext, BronzeSink], None]


@dataclass(frozen=True)
class Kind:
    """One summary file: how to recognise its header, read it to bronze and map it to silver."""

    matches: Callable[[list[str]], bool]
    read: Reader
    mappings: tuple[SilverMapping, ...]


KINDS = (
    Kind(nutrition.matches, nutrition.read, nutrition.MAPPINGS),
    Kind(exercise.matches, exercise.read, exercise.MAPPINGS),
    Kind(measurements.matches, measurements.read, measurements.MAPPINGS),
)


def _kind(cells: list[str]) -> Kind | None:
    """The summary module whose header ``cells`` (lower-cased) are, if any."""
    return next((kind for kind in KINDS if kind.matches(cells)), None)


def _header_cells(head: bytes) -> list[str]:
    rows = head_rows(head, 3)
    cells = rows[0] if rows else []
    if len(cells) == 1 and ";" in cells[0]:
        cells = [c.strip() for c in cells[0].split(";")]
    return cells


class MyFitnessPal:
    """MyFitnessPal summary CSVs (nutrition, exercise, measurements)."""

    name: ClassVar[str] = "myfitnesspal"
    description: ClassVar[str] = "MyFitnessPal export zip / Nutrition, Exercise and Measurement summary CSVs"
    silver: ClassVar[tuple[SilverMapping, ...]] = tuple(m for kind in KINDS for m in kind.mappings)

    def sniff(self, head: bytes, name: str) -> bool:
        return _kind(_header_cells(head)) is not None

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        rows = csv_rows(stream, ctx, sink)
        header = next((row for _, row in rows), None)
        if header is None:
            raise fail(ctx, "file is empty")
        separator_problem(ctx, header)
        kind = _kind([c.strip().lower() for c in header])
        if kind is None:
            raise fail(
                ctx,
                "header is not a MyFitnessPal Nutrition, Exercise or Measurement summary's "
                f"(it starts with {','.join(header[:4])!r})",
            )
        kind.read(header, rows, ctx, sink)


SOURCE = MyFitnessPal()
