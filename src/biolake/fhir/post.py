"""Sending transaction Bundles to a FHIR server (``POST [base]`` with ``application/fhir+json``), with a
bearer token from the environment. Failures become one clear :class:`FhirError` line."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from biolake.fhir import FhirError
from biolake.fhir.bundle import dumps

TIMEOUT_S = 120


@dataclass
class PostResult:
    """What the server did with the posted bundles: resources created, and already there (conditional
    create matched an existing resource)."""

    url: str
    bundles: int = 0
    created: int = 0
    existing: int = 0


def check_url(url: str) -> str:
    """The base URL, or a FhirError when it is not an http(s) URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FhirError(f"--post: '{url}' is not an http(s) URL of a FHIR server's base")
    return url


def _outcome(body: bytes) -> str:
    """The diagnostics of an OperationOutcome, or the start of whatever the server answered."""
    try:
        doc = json.loads(body)
        issues = doc.get("issue", []) if isinstance(doc, dict) else []
        text = "; ".join(str(i.get("diagnostics") or i.get("details", {}).get("text") or "") for i in issues)
        if text.strip("; "):
            return text
    except ValueError:
        pass
    return body.decode("utf-8", "replace").strip().replace("\n", " ")[:200]


def post_bundle(url: str, bundle: dict[str, Any], token: str | None, result: PostResult) -> None:
    """POST one transaction bundle to ``url`` and add the server's answers to ``result``."""
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=dumps(bundle).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        hint = " (is the bearer token set and valid?)" if exc.code in (401, 403) else ""
        detail = _outcome(exc.read())
        raise FhirError(
            f"FHIR server {url} refused the transaction: HTTP {exc.code}{hint}"
            + (f": {detail}" if detail else "")
        ) from None
    except urllib.error.URLError as exc:
        raise FhirError(f"cannot reach FHIR server {url}: {exc.reason}") from None
    except (TimeoutError, ConnectionError) as exc:
        raise FhirError(f"cannot reach FHIR server {url}: {exc}") from None
    except ValueError:
        raise FhirError(f"FHIR server {url} answered with something that is not JSON") from None
    result.bundles += 1
    for item in answer.get("entry", []) if isinstance(answer, dict) else []:
        status = str(item.get("response", {}).get("status", ""))
        if status.startswith("201"):
            result.created += 1
        elif status.startswith("200"):
            result.existing += 1
