"""FHIR R4 export: a pseudonymous Patient and Observations with LOINC codes and UCUM units.

``codes`` is the one table of what is exported and how it is coded; ``observations`` turns lake rows into
Observation resources; ``bundle``, ``ndjson`` and ``post`` write or send them; ``export`` puts it together.
"""

from __future__ import annotations

from biolake.errors import BiolakeError


class FhirError(BiolakeError):
    """A FHIR export that cannot be made or delivered (bad window, unknown subject, server refused it)."""
