"""Delivery channels against real local servers (aiosmtpd SMTP, http.server webhook), the file and
terminal channels, desktop notifications through a stand-in notify-send, and the retry queue."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from biolake.delivery.message import Message
from biolake.errors import ConfigError
from conftest import query, settings_for

MESSAGE = Message(
    "briefing",
    "Morning briefing — Sat 14 Nov 2026",
    "# Morning briefing — Sat 14 Nov 2026\n\n## Last night\n- Slept **7.3 h**\n",
    "<h1>Morning briefing</h1><p>Slept <strong>7.3 h</strong></p>",
    data={"day": "2026-11-14"},
)


def configured(lake: Path, channels: list[str], **tables: dict[str, Any]) -> Any:
    lake.mkdir(parents=True, exist_ok=True)
    return replace(settings_for(lake), sections={"delivery": {"channels": channels, **tables}})  # type: ignore[type-var]


# --- local servers ---------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class Authenticator:
    def __init__(self) -> None:
        self.logins: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == "s3cret", handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox, Authenticator]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (the controller cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox, auth = Inbox(), Authenticator()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=auth,
        auth_require_tls=False,  # the test talks plain SMTP on localhost
    )
    controller.start()
    try:
        yield port, inbox, auth
    finally:
        controller.stop()


class Hook:
    """A webhook endpoint: answers the scripted statuses in order (then 200), records every request."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                hook.requests.append((dict(self.headers), json.loads(body)))
                self.send_response(hook.statuses.pop(0) if hook.statuses else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


# --- channels --------------------------------------------------------------------------------------


def test_email_goes_through_smtp_with_the_login_from_the_environment(
    lake: Path, smtp_server: tuple[int, Inbox, Authenticator], tmp_path: Path
) -> None:
    from biolake.delivery.outbox import deliver

    port, inbox, auth = smtp_server
    pdf = tmp_path / "weekly-2026-11-14.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    settings = configured(
        lake,
        ["email"],
        email={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from": "lake@example.org",
            "to": ["me@example.org"],
        },
    )
    env = {"BIOLAKE_SMTP_USER": "me", "BIOLAKE_SMTP_PASSWORD": "s3cret"}
    report = deliver(settings, [replace(MESSAGE, attachments=(str(pdf),))], environ=env)
    assert [r.status for r in report.results] == ["delivered"], report.results
    assert auth.logins == [("me", "s3cret")]
    (mail,) = inbox.mails
    assert mail["Subject"] == MESSAGE.title and mail["To"] == "me@example.org"
    parts = {p.get_content_type(): p for p in mail.walk()}
    assert "Slept **7.3 h**" in parts["text/plain"].get_payload(decode=True).decode()
    assert "<strong>7.3 h</strong>" in parts["text/html"].get_payload(decode=True).decode()
    assert parts["application/pdf"].get_filename() == pdf.name
    assert parts["application/pdf"].get_payload(decode=True) == pdf.read_bytes()


def test_wrong_password_is_queued_with_the_servers_reason(
    lake: Path, smtp_server: tuple[int, Inbox, Authenticator]
) -> None:
    from biolake.delivery.outbox import deliver, load_queue

    port, inbox, _ = smtp_server
    email = {"host": "127.0.0.1", "port": port, "security": "none", "from": "a@b.c", "to": "me@b.c"}
    settings = configured(lake, ["email"], email=email)
    report = deliver(
        settings, [MESSAGE], environ={"BIOLAKE_SMTP_USER": "me", "BIOLAKE_SMTP_PASSWORD": "nope"}
    )
    (result,) = report.results
    assert result.status == "queued" and "535" in result.detail and not inbox.mails
    assert [p.channel for p in load_queue(settings_lake(settings))] == ["email"]


def settings_lake(settings: Any) -> Any:
    from biolake.lake.paths import LakePaths

    return LakePaths.at(settings.lake)


def test_webhook_posts_json_with_the_token(lake: Path, hook: Hook) -> None:
    from biolake.delivery.outbox import deliver

    settings = configured(lake, ["webhook"], webhook={"url_env": "MY_HOOK"})
    report = deliver(settings, [MESSAGE], environ={"MY_HOOK": hook.url, "BIOLAKE_WEBHOOK_TOKEN": "t0k"})
    assert report.results[0].status == "delivered"
    ((headers, body),) = hook.requests
    assert headers["Authorization"] == "Bearer t0k" and headers["Content-Type"] == "application/json"
    assert (
        body["kind"] == "briefing"
        and body["title"] == MESSAGE.title
        and body["data"] == {"day": "2026-11-14"}
    )


def test_failures_are_queued_and_retried_next_time(lake: Path) -> None:
    from biolake.delivery.outbox import deliver, load_queue

    hook = Hook([503])
    try:
        settings = configured(lake, ["webhook"], webhook={"url": hook.url})
        first = deliver(settings, [MESSAGE], environ={})
        assert [(r.status, r.detail) for r in first.results] == [
            ("queued", "webhook answered 503 Service Unavailable")
        ]
        assert first.pending == 1 and len(load_queue(settings_lake(settings))) == 1
        second = deliver(settings, [], environ={})  # the next run: the queue goes first
        assert [(r.status, r.retry, r.attempts) for r in second.results] == [("delivered", True, 2)]
        assert second.pending == 0 and load_queue(settings_lake(settings)) == []
        assert [b["title"] for _, b in hook.requests] == [MESSAGE.title] * 2
    finally:
        hook.close()
    logged = query(lake, "SELECT channel, status, retry FROM deliveries_log ORDER BY delivered_at, retry")
    assert logged == [("webhook", "queued", False), ("webhook", "delivered", True)]


def test_an_unreachable_server_stays_queued_across_runs(lake: Path) -> None:
    from biolake.delivery.outbox import deliver, load_queue

    hook = Hook()
    url = hook.url
    hook.close()  # nothing listens there now
    settings = configured(lake, ["webhook"], webhook={"url": url, "timeout": 2})
    deliver(settings, [MESSAGE], environ={})
    again = deliver(settings, [], environ={})
    assert [(r.status, r.attempts) for r in again.results] == [("queued", 2)]
    assert "unreachable" in again.results[0].detail
    (pending,) = load_queue(settings_lake(settings))
    assert pending.message == MESSAGE and pending.attempts == 2


def test_file_and_terminal_channels(lake: Path, tmp_path: Path) -> None:
    from biolake.delivery.outbox import deliver

    out = tmp_path / "inbox"
    printed: list[str] = []
    settings = configured(lake, ["terminal", "file"], file={"dir": str(out), "format": "html"})
    report = deliver(settings, [MESSAGE], environ={}, write=printed.append)
    assert [r.status for r in report.results] == ["delivered", "delivered"]
    assert printed == [MESSAGE.text]
    (written,) = out.iterdir()
    assert written.suffix == ".html" and written.read_text() == MESSAGE.html
    assert "briefing-morning-briefing-sat-14-nov-2026" in written.name


def test_file_channel_defaults_to_markdown_in_the_lake(lake: Path) -> None:
    from biolake.delivery.outbox import deliver

    deliver(configured(lake, ["file"]), [MESSAGE], environ={})
    (written,) = (lake / "reports" / "outbox").iterdir()
    assert written.suffix == ".md" and written.read_text() == MESSAGE.text


def _fake_notifier(folder: Path, exit_code: int = 0) -> Path:
    folder.mkdir()
    script = folder / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/args"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


def test_desktop_notification_or_a_graceful_skip(
    lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from biolake.delivery.outbox import deliver, load_queue

    settings = configured(lake, ["desktop"])
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    skipped = deliver(settings, [MESSAGE], environ={})
    assert skipped.results[0].status == "skipped" and "no desktop notifier" in skipped.results[0].detail
    assert load_queue(settings_lake(settings)) == []  # a missed notification is not retried later
    bin_dir = _fake_notifier(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    shown = deliver(settings, [MESSAGE], environ={})
    assert shown.results[0].status == "delivered"
    args = (bin_dir / "args").read_text().splitlines()
    assert args[:2] == ["--app-name=biolake", MESSAGE.title]
    assert args[2].startswith("Last night Slept 7.3 h")


@pytest.mark.parametrize(
    ("delivery", "words"),
    [
        ({"channels": ["pigeon"]}, ["unknown channel", "pigeon"]),
        ({"channels": "email"}, ["must be a list"]),
        (
            {"channels": ["email"], "email": {"host": "h", "password": "x"}},
            ["must not hold secrets", "password_env"],
        ),
        ({"channels": ["webhook"], "webhook": {"token": "x"}}, ["must not hold secrets", "token_env"]),
        ({"channels": [], "smtp": {}}, ["unknown setting 'smtp'"]),
    ],
)
def test_bad_delivery_config(lake: Path, delivery: dict[str, Any], words: list[str]) -> None:
    from biolake.delivery.config import delivery_config

    settings = replace(settings_for(lake), sections={"delivery": delivery})  # type: ignore[type-var]
    with pytest.raises(ConfigError) as info:
        delivery_config(settings)  # type: ignore[arg-type]
    for word in words:
        assert word in str(info.value)


def test_cli_briefing_delivers_to_the_configured_channels(demo_lake_copy: Path, hook: Hook) -> None:
    from conftest import RunCli

    (demo_lake_copy / "biolake.toml").write_text(
        f'[delivery]\nchannels = ["webhook", "file"]\n[delivery.webhook]\nurl = "{hook.url}"\n'
    )
    proc = RunCli(demo_lake_copy)("briefing", "--date", "2026-11-14", "--deliver")
    assert proc.returncode == 0, proc.stderr
    assert "webhook: delivered" in proc.stderr and "file: delivered" in proc.stderr
    ((_, body),) = hook.requests
    assert body["kind"] == "briefing" and "## Last night" in body["text"]
    assert len(list((demo_lake_copy / "reports" / "outbox").glob("*.md"))) == 1
