"""Deterministic resource ids: UUIDv5 (RFC 4122 §4.3, SHA-1 name-based) of what identifies a resource,
so re-exporting the same data gives the same ids, and a server's conditional create recognises it."""

from __future__ import annotations

import uuid

# A fixed namespace for biolake's FHIR names (uuid5 of the URL namespace and "biolake fhir").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:biolake:fhir")
URI_SYSTEM = "urn:ietf:rfc:3986"  # Identifier.system for an identifier that is itself a URI


def resource_id(*parts: str) -> str:
    """The UUIDv5 of ``parts`` joined by '|' (subject, code, effective time, [discriminator])."""
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def identifier(rid: str) -> dict[str, str]:
    """The business identifier carrying a resource's id as ``urn:uuid:<id>``."""
    return {"system": URI_SYSTEM, "value": f"urn:uuid:{rid}"}


def identifier_query(rid: str) -> str:
    """The search that finds a resource by that identifier (``Bundle.entry.request.ifNoneExist``)."""
    return f"identifier={URI_SYSTEM}|urn:uuid:{rid}"
