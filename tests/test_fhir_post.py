"""--post against a local FHIR server stub (a real HTTP server) that records requests, checks the bearer
token and applies conditional creates by identifier: posting the same export twice creates nothing new."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import RunCli, assert_one_error_line, snapshot
from fhir_support import validate

TOKEN = "test-token-123"
WINDOW = ("--from", "2026-11-02", "--to", "2026-11-03", "--granularity", "raw")


class FhirStub(ThreadingHTTPServer):
    """Accepts transaction bundles at ``/fhir``; ``store`` maps identifier → server id."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.store: dict[str, str] = {}
        self.fail: tuple[int, dict[str, Any]] | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/fhir"


def _outcome(text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": text}],
    }


class _Handler(BaseHTTPRequestHandler):
    server: FhirStub

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        stub = self.server
        stub.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401, _outcome("missing or wrong bearer token"))
        if stub.fail is not None:
            return self._answer(*stub.fail)
        if self.path != "/fhir" or body.get("resourceType") != "Bundle" or body.get("type") != "transaction":
            return self._answer(400, _outcome("expected a transaction Bundle at /fhir"))
        responses = []
        with stub.lock:
            for entry in body["entry"]:
                key = entry["request"]["ifNoneExist"]
                if key in stub.store:
                    responses.append({"response": {"status": "200 OK", "location": stub.store[key]}})
                else:
                    stub.store[key] = f"{entry['request']['url']}/{len(stub.store) + 1}"
                    responses.append({"response": {"status": "201 Created", "location": stub.store[key]}})
        self._answer(200, {"resourceType": "Bundle", "type": "transaction-response", "entry": responses})


@pytest.fixture
def stub() -> Iterator[FhirStub]:
    server = FhirStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _post(lake: Path, url: str, token: str | None = TOKEN) -> Any:
    return RunCli(lake)(
        "--format", "json", "export", "fhir", *WINDOW, "--post", url, env={"BIOLAKE_FHIR_TOKEN": token}
    )


def test_posting_twice_creates_nothing_new(demo_lake: Path, stub: FhirStub) -> None:
    before = snapshot(demo_lake)
    first = _post(demo_lake, stub.url)
    assert first.returncode == 0, first.stderr
    observations = sum(r["resources"] for r in json.loads(first.stdout) if r["code"] != "Patient")
    assert observations > 900  # two days of CGM readings and heart rate: several bundles
    bundles = len(stub.requests)
    assert bundles == -(-observations // 500)
    assert len(stub.store) == observations + 1  # every Observation and one Patient
    for request in stub.requests:
        assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert request["headers"]["Content-Type"] == "application/fhir+json"
        bundle = request["body"]
        validate(bundle)
        assert bundle["type"] == "transaction" and len(bundle["entry"]) <= 501
        patient, *rest = bundle["entry"]
        assert patient["resource"]["resourceType"] == "Patient"
        for entry in bundle["entry"]:
            assert entry["request"]["method"] == "POST"
            assert entry["request"]["ifNoneExist"].startswith("identifier=urn:ietf:rfc:3986|urn:uuid:")
            assert "id" not in entry["resource"]
        assert all(e["resource"]["subject"]["reference"] == patient["fullUrl"] for e in rest)

    stored = dict(stub.store)
    second = _post(demo_lake, stub.url)
    assert second.returncode == 0, second.stderr
    assert stub.store == stored  # nothing duplicated
    assert len(stub.requests) == 2 * bundles
    assert [r["body"] for r in stub.requests[:bundles]] == [r["body"] for r in stub.requests[bundles:]]
    assert snapshot(demo_lake) == before  # nothing written: --post without --out


def test_report_counts_created_and_existing(demo_lake: Path, stub: FhirStub) -> None:
    first = RunCli(demo_lake)(
        "export", "fhir", "--from", "2026-11-02", "--to", "2026-11-03", "--post", stub.url,
        env={"BIOLAKE_FHIR_TOKEN": TOKEN},
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    n = len(stub.store)
    assert f"posted 1 transaction bundle(s) to {stub.url}: {n} created, 0 already there" in first.stdout
    again = RunCli(demo_lake)(
        "export", "fhir", "--from", "2026-11-02", "--to", "2026-11-03", "--post", stub.url,
        env={"BIOLAKE_FHIR_TOKEN": TOKEN},
    )  # fmt: skip
    assert f"0 created, {n} already there" in again.stdout


def test_wrong_token_is_one_error_line(demo_lake: Path, stub: FhirStub) -> None:
    proc = _post(demo_lake, stub.url, token="wrong")
    assert_one_error_line(proc, "HTTP 401", "token", "missing or wrong bearer token")
    assert not stub.store


def test_server_error_shows_its_operation_outcome(demo_lake: Path, stub: FhirStub) -> None:
    stub.fail = (422, _outcome("Observation.code: unknown system"))
    proc = _post(demo_lake, stub.url)
    assert_one_error_line(proc, "HTTP 422", "Observation.code: unknown system", stub.url)
