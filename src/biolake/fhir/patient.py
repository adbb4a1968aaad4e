"""The pseudonymous Patient: an id derived from the subject id (and an optional secret salt), no name unless
the user configures one in biolake.toml::

    [fhir]
    name = "Ada Lovelace"        # optional: Patient.name.text
    pseudonym_salt = "…"         # optional: makes the Patient id unguessable from the subject id
    token_env = "BIOLAKE_FHIR_TOKEN"  # environment variable holding the bearer token for --post
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from biolake.config import Settings
from biolake.errors import ConfigError
from biolake.fhir.ids import identifier, resource_id

DEFAULT_TOKEN_ENV = "BIOLAKE_FHIR_TOKEN"
_KEYS = {"name", "pseudonym_salt", "token_env"}


@dataclass(frozen=True)
class FhirConfig:
    """The ``[fhir]`` section of biolake.toml."""

    name: str | None = None
    pseudonym_salt: str = ""
    token_env: str = DEFAULT_TOKEN_ENV

    @classmethod
    def from_settings(cls, settings: Settings) -> FhirConfig:
        section: dict[str, Any] = settings.sections.get("fhir", {})
        unknown = set(section) - _KEYS
        if unknown:
            raise ConfigError(f"[fhir]: unknown setting(s): {', '.join(sorted(unknown))}")
        for key, value in section.items():
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"[fhir] {key} must be a non-empty string, not {value!r}")
        return cls(
            name=section.get("name"),
            pseudonym_salt=section.get("pseudonym_salt", ""),
            token_env=section.get("token_env", DEFAULT_TOKEN_ENV),
        )


def patient_id(subject_id: str, config: FhirConfig) -> str:
    """The Patient's resource id: UUIDv5 of the salt and subject id (never the subject id itself)."""
    return resource_id("Patient", config.pseudonym_salt, subject_id)


def patient_resource(subject_id: str, config: FhirConfig) -> dict[str, Any]:
    """The Patient resource: id and identifier only, plus ``name.text`` when configured."""
    pid = patient_id(subject_id, config)
    resource: dict[str, Any] = {"resourceType": "Patient", "id": pid, "identifier": [identifier(pid)]}
    if config.name:
        resource["name"] = [{"text": config.name}]
    return resource
