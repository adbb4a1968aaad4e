"""FHIR Bulk Data NDJSON (https://hl7.org/fhir/uv/bulkdata/export.html#file-format): one file per resource
type (``Patient.ndjson``, ``Observation.ndjson``), one resource per line, written as resources arrive."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TextIO

from biolake.fhir.bundle import dumps


class NdjsonWriter:
    """Writes resources into ``<directory>/<ResourceType>.ndjson``; files appear (atomically, replacing an
    older export's) on :meth:`commit`, and :meth:`abort` leaves nothing behind."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, TextIO] = {}
        self.counts: dict[str, int] = {}

    def _partial(self, resource_type: str) -> Path:
        return self.directory / f".{resource_type}.ndjson.partial-{os.getpid()}"

    def add(self, resource: dict[str, Any]) -> None:
        rtype = resource["resourceType"]
        fh = self.files.get(rtype)
        if fh is None:
            fh = self.files[rtype] = self._partial(rtype).open("w", encoding="utf-8", newline="\n")
            self.counts[rtype] = 0
        fh.write(dumps(resource) + "\n")
        self.counts[rtype] += 1

    def commit(self) -> list[Path]:
        """Close the files and move them into place; returns the paths written."""
        written = []
        for rtype, fh in sorted(self.files.items()):
            fh.close()
            target = self.directory / f"{rtype}.ndjson"
            self._partial(rtype).replace(target)
            written.append(target)
        self.files.clear()
        return written

    def abort(self) -> None:
        for rtype, fh in self.files.items():
            fh.close()
            self._partial(rtype).unlink(missing_ok=True)
        self.files.clear()
