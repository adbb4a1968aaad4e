"""A moto S3/Glue/Athena server on 127.0.0.1 for the sync tests, and a small HTTP proxy in front of it
that can answer 503 SlowDown (throttling) or 403 (an interrupted sync) and counts every PUT per key."""

from __future__ import annotations

import http.client
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

BUCKET = "mirror"  # created on every test server
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}

SLOWDOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)
DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


@dataclass
class Moto:
    """A running moto server."""

    endpoint: str
    server: Any

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1")

    def keys(self, bucket: str, prefix: str) -> list[str]:
        s3 = self.client("s3")
        out: list[str] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def require_auth(self, on: bool) -> None:
        """Make moto check credentials (requests with unknown keys fail) or stop checking."""
        import urllib.request

        value = b"0" if on else b"inf"
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth", data=value, headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(request).close()


@pytest.fixture(scope="module")
def moto(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    for key, value in CREDENTIALS.items():
        monkeypatch_module.setenv(key, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    running = Moto(f"http://{host}:{port}", server)
    running.client("s3").create_bucket(Bucket=BUCKET)
    yield running
    server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def lake_copy(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo lake for the whole module (syncs write their record and manifest)."""
    target = tmp_path_factory.mktemp("sync") / "lake"
    shutil.copytree(demo_lake, target, symlinks=True)
    return target


@dataclass
class Proxy:
    """Forwards to moto; ``slowdown`` PUTs get 503 SlowDown first; after ``allow_puts`` PUTs, the rest
    get 403 AccessDenied (None: no limit). ``puts`` counts successful PUTs per path."""

    target: str
    slowdown: int = 0
    allow_puts: int | None = None
    puts: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    endpoint: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, method: str) -> bytes | None:
        with self.lock:
            if method != "PUT":
                return None
            if self.slowdown > 0:
                self.slowdown -= 1
                self.throttled += 1
                return SLOWDOWN
            if self.allow_puts is not None:
                if self.allow_puts <= 0:
                    return DENIED
                self.allow_puts -= 1
            return None


def start_proxy(proxy: Proxy) -> ThreadingHTTPServer:
    host, port = proxy.target.removeprefix("http://").split(":")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))

        def _handle(self) -> None:
            body = self._body()
            refusal = proxy.decide(self.command)
            if refusal is not None:
                status = 503 if refusal is SLOWDOWN else 403
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(refusal)))
                self.end_headers()
                self.wfile.write(refusal)
                return
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            if self.command == "PUT" and answer.status == 200:
                with proxy.lock:
                    proxy.puts[self.path.split("?")[0]] += 1
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
