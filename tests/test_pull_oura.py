"""``biolake pull oura`` against a real local HTTP server speaking the API v2's shape: pagination,
429 with Retry-After, 5xx, an expired token; the download lands in the lake like any export."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from biolake.sources.oura.pull import OuraClient, PullError, Retry, fetch
from conftest import RunCli, assert_one_error_line, lib_ingest, query, snapshot

OURA = Path(__file__).parent / "fixtures" / "oura"
TOKEN = "good-token-5ecret"
PROXY_OFF = {"http_proxy": None, "HTTP_PROXY": None, "https_proxy": None, "HTTPS_PROXY": None}


def _records() -> dict[str, list[dict[str, Any]]]:
    keyed = json.loads((OURA / "api_endpoint_keyed_synthetic.json").read_text())
    return {
        "daily_readiness": keyed["daily_readiness"],
        "daily_sleep": keyed["daily_sleep"]["data"],
        "daily_activity": keyed["daily_activity"],
        "daily_spo2": keyed["daily_spo2"],
        "heartrate": keyed["heartrate"],
        "sleep": json.loads((OURA / "api_sleep_page_synthetic.json").read_text())["data"],
        "workout": json.loads((OURA / "api_workouts_list_synthetic.json").read_text()),
    }


@dataclass
class FakeOura:
    """What the server answers: records per endpoint, pages of ``page_size``, and failures to send
    first (``failures[endpoint]`` = [(status, headers), ...])."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=_records)
    page_size: int = 2
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, dict[str, str], Any]:
        endpoint = path.rsplit("/", 1)[-1]
        if auth != f"Bearer {TOKEN}":
            return 401, {}, {"detail": "Unauthorized"}
        if self.failures.get(endpoint):
            status, headers = self.failures[endpoint].pop(0)
            return status, headers, {"detail": "try later"}
        if not path.startswith("/v2/usercollection/") or endpoint not in self.records:
            return 404, {}, {"detail": "Not Found"}
        chosen = [r for r in self.records[endpoint] if self._in_range(r, query)]
        start = int(query.get("next_token", "0"))
        page = chosen[start : start + self.page_size]
        more = start + self.page_size < len(chosen)
        return 200, {}, {"data": page, "next_token": str(start + self.page_size) if more else None}

    @staticmethod
    def _in_range(record: dict[str, Any], query: dict[str, str]) -> bool:
        if "start_datetime" in query:
            return query["start_datetime"][:10] <= record["timestamp"][:10] < query["end_datetime"][:10]
        return query["start_date"] <= record["day"] <= query["end_date"]


@pytest.fixture
def oura() -> Iterator[FakeOura]:
    fake = FakeOura()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            status, headers, body = fake.answer(url.path, query, self.headers.get("Authorization"))
            fake.requests.append((url.path, query, status))
            data = json.dumps(body).encode()
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def pull_env(fake: FakeOura, token: str = TOKEN, **extra: str) -> dict[str, str | None]:
    return {
        **PROXY_OFF,
        "OURA_TOKEN": token,
        "BIOLAKE_OURA_URL": fake.url,
        "BIOLAKE_OURA_BACKOFF": "0.01",
        **extra,
    }


def client(fake: FakeOura, sleeps: list[float], attempts: int = 4, backoff: float = 0.5) -> OuraClient:
    return OuraClient(TOKEN, fake.url, Retry(attempts=attempts, backoff=backoff), sleep=sleeps.append)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_OFF:
        monkeypatch.delenv(name, raising=False)


# --- the client ----------------------------------------------------------------------------------------


def test_pagination_follows_next_token(oura: FakeOura) -> None:
    records = list(
        client(oura, []).collection("sleep", {"start_date": "2024-03-01", "end_date": "2024-03-04"})
    )
    assert [r["id"][-4:] for r in records] == ["0001", "0002", "0003", "0004", "0005"]
    tokens = [q.get("next_token") for path, q, _ in oura.requests if path.endswith("/sleep")]
    assert tokens == [None, "2", "4"]


def test_429_honours_retry_after_and_5xx_backs_off(oura: FakeOura) -> None:
    oura.failures["daily_sleep"] = [(429, {"Retry-After": "2"}), (500, {}), (503, {})]
    sleeps: list[float] = []
    records = list(
        client(oura, sleeps).collection("daily_sleep", {"start_date": "2024-03-01", "end_date": "2024-03-02"})
    )
    assert [r["id"] for r in records] == ["s-0301"]
    assert sleeps == [2.0, 1.0, 2.0]  # Retry-After, then 0.5 × 2^(attempt-1)
    assert [status for *_, status in oura.requests] == [429, 500, 503, 200]


def test_gives_up_after_the_last_attempt(oura: FakeOura) -> None:
    oura.failures["daily_sleep"] = [(502, {})] * 5
    sleeps: list[float] = []
    with pytest.raises(PullError, match=r"daily_sleep: HTTP 502, still failing after 3 attempts"):
        list(client(oura, sleeps, attempts=3).collection("daily_sleep", {"start_date": "x", "end_date": "y"}))
    assert len(oura.requests) == 3 and len(sleeps) == 2


def test_401_is_one_clear_error_without_the_token(oura: FakeOura) -> None:
    bad = OuraClient("expired-token-value", oura.url, Retry(attempts=3), sleep=lambda s: None)
    with pytest.raises(PullError) as info:
        list(bad.collection("daily_sleep", {}))
    assert "Oura token rejected (expired or revoked)" in str(info.value)
    assert "expired-token-value" not in str(info.value)
    assert len(oura.requests) == 1  # not retried


def test_other_4xx_is_not_retried(oura: FakeOura) -> None:
    with pytest.raises(PullError, match="HTTP 404 Not Found"):
        list(client(oura, []).collection("no_such_endpoint", {}))
    assert len(oura.requests) == 1


def test_fetch_keeps_the_range_and_windows_heartrate(oura: FakeOura) -> None:
    got = fetch(client(oura, []), date(2024, 3, 2), date(2024, 3, 2))
    assert [r["id"] for r in got["sleep"]] == ["8f0a1c2e-0001", "8f0a1c2e-0002", "8f0a1c2e-0003"]
    assert [r["id"] for r in got["daily_readiness"]] == ["r-0302"]
    assert got["heartrate"] == []
    oura.requests.clear()
    fetch(client(oura, []), date(2024, 1, 1), date(2024, 3, 5), ("heartrate",))
    windows = [(q["start_datetime"][:10], q["end_datetime"][:10]) for _, q, _ in oura.requests]
    assert windows == [
        ("2024-01-01", "2024-01-31"),
        ("2024-01-31", "2024-03-01"),
        ("2024-03-01", "2024-03-06"),
    ]


# --- the command ---------------------------------------------------------------------------------------


def test_pull_imports_the_download_like_any_export(oura: FakeOura, lake: Path, run_cli: RunCli) -> None:
    oura.failures = {"daily_sleep": [(429, {"Retry-After": "0"})], "sleep": [(500, {}), (503, {})]}
    proc = run_cli(
        "--format",
        "json",
        "pull",
        "oura",
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-03",
        env=pull_env(oura),
    )
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert (result["source"], result["status"]) == ("oura", "imported")
    assert TOKEN not in proc.stdout + proc.stderr
    assert query(
        lake, "SELECT deep_s, efficiency_pct FROM sleep_sessions WHERE session_id = '8f0a1c2e-0001'"
    ) == [(5400.0, 90.0)]
    assert query(lake, "SELECT count(*) FROM quarantine__sleep_sessions") == [(1,)]  # the deleted period
    assert query(lake, "SELECT score FROM daily_scores WHERE score_type = 'sleep'") == [(79.0,)]
    assert query(lake, "SELECT count(*) FROM measurements WHERE metric = 'heart_rate'") == [(2,)]
    assert query(lake, "SELECT count(*) FROM workouts") == [(2,)]
    [(sha,)] = query(lake, "SELECT sha256 FROM ingestion_log")
    raw = json.loads((lake / "bronze" / "files" / sha).read_bytes())
    assert raw["_pull"] == {"api": "oura v2", "since": "2024-03-01", "until": "2024-03-03"}
    assert len(raw["sleep"]) == 5 and len(raw["daily_readiness"]) == 2
    retried = [(path.rsplit("/", 1)[-1], status) for path, _, status in oura.requests if status != 200]
    assert retried == [("daily_sleep", 429), ("sleep", 500), ("sleep", 503)]

    again = run_cli(
        "--format",
        "json",
        "pull",
        "oura",
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-03",
        env=pull_env(oura),
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["status"] == "skipped"  # same data, same file: a no-op


def test_expired_token_leaves_the_lake_unchanged(oura: FakeOura, lake: Path, run_cli: RunCli) -> None:
    lib_ingest(lake, OURA / "api_workouts_list_synthetic.json")
    before = snapshot(lake)
    proc = run_cli("pull", "oura", "--since", "2024-03-01", env=pull_env(oura, token="revoked-token-xyz"))
    line = assert_one_error_line(proc, "Oura token rejected (expired or revoked)")
    assert "revoked-token-xyz" not in line + proc.stdout
    assert snapshot(lake) == before


def test_server_errors_until_the_last_attempt_leave_the_lake_unchanged(
    oura: FakeOura, lake: Path, run_cli: RunCli
) -> None:
    lib_ingest(lake, OURA / "api_workouts_list_synthetic.json")
    before = snapshot(lake)
    oura.failures["daily_activity"] = [(500, {})] * 10
    env = pull_env(oura, BIOLAKE_OURA_ATTEMPTS="3")
    proc = run_cli("pull", "oura", "--since", "2024-03-01", "--until", "2024-03-02", env=env)
    assert_one_error_line(proc, "daily_activity", "HTTP 500", "after 3 attempts")
    assert snapshot(lake) == before


def test_missing_token_is_explained(lake: Path, run_cli: RunCli) -> None:
    proc = run_cli("pull", "oura", "--since", "2024-03-01", env={"OURA_TOKEN": None})
    assert_one_error_line(proc, "set OURA_TOKEN")
    assert not lake.exists()


def test_no_records_is_not_an_error(oura: FakeOura, lake: Path, run_cli: RunCli) -> None:
    proc = run_cli("pull", "oura", "--since", "2019-01-01", "--until", "2019-01-02", env=pull_env(oura))
    assert proc.returncode == 0, proc.stderr
    assert "no records" in proc.stderr
    assert not lake.exists()
