"""Download from the Oura API v2 and import the download like any export.

A personal access token (env ``OURA_TOKEN``) is sent as a bearer token and never logged. The base URL
is ``BIOLAKE_OURA_URL`` (default https://api.ouraring.com). Collections are paginated with
``next_token``; 429 (honouring ``Retry-After``), 5xx and network errors are retried with exponential
backoff (``BIOLAKE_OURA_ATTEMPTS`` attempts, first delay ``BIOLAKE_OURA_BACKOFF`` seconds); 401 means
the token is expired or revoked. Everything is fetched before the lake is touched: one run writes one
endpoint-keyed JSON file (see :mod:`biolake.sources.oura.api_json`), which is then ingested, so the
raw download is kept in ``bronze/files`` like every import. Unchanged data gives the same file, which
the lake skips as a re-import.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biolake.errors import BiolakeError

if TYPE_CHECKING:
    from biolake.config import Settings
    from biolake.lake.ingest import FileResult

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.ouraring.com"
ENDPOINTS = (
    "daily_readiness",
    "daily_sleep",
    "daily_activity",
    "sleep",
    "daily_spo2",
    "workout",
    "heartrate",
)
HEARTRATE_WINDOW_DAYS = 30  # the API refuses longer heartrate ranges
TOKEN_HELP = "create a new personal access token at https://cloud.ouraring.com/personal-access-tokens"


class PullError(BiolakeError):
    """Downloading from a service's API failed; the lake was not touched."""


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to retry 429, 5xx and network errors."""

    attempts: int = 5
    backoff: float = 1.0  # seconds before the second attempt; doubles each time
    max_delay: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Retry:
        try:
            return cls(
                attempts=max(1, int(environ.get("BIOLAKE_OURA_ATTEMPTS", cls.attempts))),
                backoff=float(environ.get("BIOLAKE_OURA_BACKOFF", cls.backoff)),
            )
        except ValueError:
            raise PullError("BIOLAKE_OURA_ATTEMPTS / BIOLAKE_OURA_BACKOFF must be numbers") from None

    def delay(self, attempt: int, retry_after: float | None) -> float:
        wait = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
        return min(max(wait, 0.0), self.max_delay)


@dataclass
class OuraClient:
    """GET requests against the API v2 with retries; ``sleep`` is injectable for tests."""

    token: str
    base_url: str = DEFAULT_URL
    retry: Retry = field(default_factory=Retry)
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 60.0

    def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        url = f"{self.base_url.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        )
        problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            log.debug("GET %s (attempt %d)", url, attempt)
            retry_after: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return _json_object(response.read(), path)
            except urllib.error.HTTPError as exc:
                if exc.code == 401:
                    raise PullError(f"Oura token rejected (expired or revoked): {TOKEN_HELP}") from None
                if exc.code != 429 and exc.code < 500:
                    raise PullError(f"Oura API {path}: HTTP {exc.code} {_detail(exc)}".rstrip()) from None
                problem = f"HTTP {exc.code}"
                retry_after = _retry_after(exc.headers.get("Retry-After"))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                problem = f"cannot reach {self.base_url} ({reason})"
            if attempt < self.retry.attempts:
                wait = self.retry.delay(attempt, retry_after)
                log.info("Oura API %s: %s; retrying in %.1f s", path, problem, wait)
                self.sleep(wait)
        raise PullError(f"Oura API {path}: {problem}, still failing after {self.retry.attempts} attempts")

    def collection(self, endpoint: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every record of one collection, following ``next_token``."""
        token: str | None = None
        while True:
            query = {**params, "next_token": token} if token else dict(params)
            page = self.get(f"/v2/usercollection/{endpoint}", query)
            data = page.get("data")
            if not isinstance(data, list):
                raise PullError(f"Oura API {endpoint}: the answer has no 'data' list")
            yield from data
            token = page.get("next_token")
            if not token:
                return


def _json_object(body: bytes, path: str) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        raise PullError(f"Oura API {path}: the answer is not JSON") from None
    if not isinstance(doc, dict):
        raise PullError(f"Oura API {path}: the answer is not a JSON object")
    return doc


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(exc.read())
    except (ValueError, OSError):
        return ""
    return str(doc.get("detail") or doc.get("message") or "") if isinstance(doc, dict) else ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (when - datetime.now(UTC)).total_seconds()


def fetch(
    client: OuraClient, since: date, until: date, endpoints: tuple[str, ...] = ENDPOINTS
) -> dict[str, list[dict[str, Any]]]:
    """Records per endpoint for the local days ``since``..``until`` (inclusive)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for endpoint in endpoints:
        if endpoint == "heartrate":
            out[endpoint] = []
            for start, end in _windows(since, until):
                window = {
                    "start_datetime": f"{start}T00:00:00+00:00",
                    "end_datetime": f"{end}T00:00:00+00:00",
                }
                out[endpoint].extend(client.collection(endpoint, window))
        else:
            # end_date one day later, then records outside the range dropped: right whether or not the
            # API's end_date is inclusive for this collection
            params = {"start_date": since.isoformat(), "end_date": (until + timedelta(days=1)).isoformat()}
            records = client.collection(endpoint, params)
            out[endpoint] = [r for r in records if _in_range(r.get("day"), since, until)]
        log.info("Oura %s: %d records", endpoint, len(out[endpoint]))
    return out


def _windows(since: date, until: date) -> Iterator[tuple[date, date]]:
    start, stop = since, until + timedelta(days=1)
    while start < stop:
        end = min(start + timedelta(days=HEARTRATE_WINDOW_DAYS), stop)
        yield start, end
        start = end


def _in_range(day: object, since: date, until: date) -> bool:
    try:
        return since <= date.fromisoformat(str(day)) <= until
    except ValueError:
        return True  # a record without a readable day is kept: the import will quarantine it


def write_download(
    records: Mapping[str, list[dict[str, Any]]], since: date, until: date, folder: Path
) -> Path:
    """The endpoint-keyed JSON file of one pull."""
    path = folder / f"oura_api_{since}_{until}.json"
    doc = {"_pull": {"api": "oura v2", "since": since.isoformat(), "until": until.isoformat()}, **records}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path


def client_from_env(environ: Mapping[str, str] | None = None) -> OuraClient:
    env = os.environ if environ is None else environ
    token = env.get("OURA_TOKEN", "").strip()
    if not token:
        raise PullError(f"set OURA_TOKEN to an Oura personal access token ({TOKEN_HELP})")
    return OuraClient(token, env.get("BIOLAKE_OURA_URL") or DEFAULT_URL, Retry.from_env(env))


def pull(
    settings: Settings,
    since: date,
    until: date,
    client: OuraClient,
    endpoints: tuple[str, ...] = ENDPOINTS,
) -> list[FileResult]:
    """Fetch ``since``..``until`` and ingest it (no results when Oura has no records for those days);
    nothing reaches the lake unless every request succeeded."""
    from biolake.lake.ingest import ingest

    if until < since:
        raise PullError(f"--until {until} is before --since {since}")
    records = fetch(client, since, until, endpoints)
    if not any(records.values()):
        return []
    with tempfile.TemporaryDirectory(prefix="biolake-oura-") as folder:
        path = write_download(records, since, until, Path(folder))
        return ingest(settings, [path], source="oura")
