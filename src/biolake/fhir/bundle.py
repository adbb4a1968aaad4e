"""Bundles: ``collection`` (a document of resources) and ``transaction`` (what a FHIR server applies
atomically). Transaction entries are conditional creates (``ifNoneExist`` on the resource's identifier),
so posting the same export twice creates nothing the second time.

:class:`BundleWriter` streams a bundle to a file entry by entry (flat memory, one entry per line);
:func:`transaction_bundle` builds one in memory for a batch that is sent to a server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Literal, TextIO

from biolake.fhir.ids import identifier_query

BundleType = Literal["collection", "transaction"]


def dumps(resource: dict[str, Any]) -> str:
    """Compact JSON with the keys in the order built (deterministic for deterministic input)."""
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def entry(resource: dict[str, Any], bundle_type: BundleType) -> dict[str, Any]:
    """One Bundle.entry: ``fullUrl`` urn:uuid:<id>; in a transaction the resource goes without its id
    (a server assigns its own on create) and with a conditional-create request."""
    rid = resource["id"]
    if bundle_type == "collection":
        return {"fullUrl": f"urn:uuid:{rid}", "resource": resource}
    body = {k: v for k, v in resource.items() if k != "id"}
    request = {"method": "POST", "url": resource["resourceType"], "ifNoneExist": identifier_query(rid)}
    return {"fullUrl": f"urn:uuid:{rid}", "resource": body, "request": request}


def transaction_bundle(resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A transaction Bundle of conditional creates."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [entry(r, "transaction") for r in resources],
    }


class BundleWriter:
    """Writes a Bundle of ``bundle_type`` to ``fh`` as resources arrive; call :meth:`close` at the end."""

    def __init__(self, fh: TextIO, bundle_type: BundleType) -> None:
        self.fh = fh
        self.bundle_type = bundle_type
        self.count = 0
        fh.write(f'{{"resourceType":"Bundle","type":"{bundle_type}","entry":[')

    def add(self, resource: dict[str, Any]) -> None:
        self.fh.write(("\n" if self.count == 0 else ",\n") + dumps(entry(resource, self.bundle_type)))
        self.count += 1

    def close(self) -> None:
        self.fh.write("\n]}\n")
