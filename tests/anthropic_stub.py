"""A local HTTP server that speaks enough of Anthropic's Messages API for tests: scripted replies in
order (a message, an error status, a delay), every request recorded. Point the SDK at it with
``ANTHROPIC_BASE_URL``; the real SDK and HTTP stack run, nothing is patched."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """One reply: HTTP status, JSON body, extra headers, seconds to wait before answering."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def message(text: str, stop_reason: str = "end_turn", model: str = "claude-stub") -> Scripted:
    """A normal assistant message."""
    return Scripted(
        body={
            "id": "msg_stub",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}] if text else [],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 50, "cache_read_input_tokens": 0},
        }
    )


def error(status: int, kind: str, text: str, retry_after: float | None = None) -> Scripted:
    """An API error (429 rate_limit_error, 500 api_error, 529 overloaded_error …)."""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    body = {"type": "error", "error": {"type": kind, "message": text}}
    return Scripted(status=status, body=body, headers=headers)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class MessagesStub:
    """``with MessagesStub() as stub: stub.push(message("…")); … stub.url``."""

    def __init__(self) -> None:
        self.script: deque[Scripted] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length) if length else b"{}"
                with stub._lock:
                    stub.requests.append(Recorded(self.path, dict(self.headers), json.loads(raw or b"{}")))
                    reply = stub.script.popleft() if stub.script else error(500, "api_error", "script empty")
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def push(self, *replies: Scripted) -> None:
        with self._lock:
            self.script.extend(replies)

    def env(self) -> dict[str, str]:
        """Environment variables that send the SDK (and biolake) here."""
        return {"ANTHROPIC_API_KEY": "sk-test-stub", "ANTHROPIC_BASE_URL": self.url}

    def __enter__(self) -> MessagesStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
