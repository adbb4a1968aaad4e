"""The delivery channels. Each sends one message or raises :class:`DeliveryFailed` (then the message is
queued and retried on the next run); :class:`Unavailable` means the channel cannot work on this machine
(no desktop notifier) and is skipped, not queued."""

from __future__ import annotations

import json
import mimetypes
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from biolake.delivery.config import DeliveryConfig
from biolake.delivery.message import Message
from biolake.errors import BiolakeError


class DeliveryFailed(BiolakeError):
    """A channel could not deliver a message (it stays queued)."""


class Unavailable(BiolakeError):
    """A channel that cannot work here (e.g. no desktop notifier)."""


Writer = Callable[[str], object]


def terminal(message: Message, config: DeliveryConfig, write: Writer) -> str:
    """Print the text (and where the attachments are)."""
    text = message.text.rstrip() + "\n"
    for path in message.attachments:
        text += f"\n{Path(path).name}: {path}\n"
    write(text)
    return "printed"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "message"


def file(message: Message, config: DeliveryConfig, write: Writer) -> str:
    """Write the message as Markdown (or HTML) into ``[delivery.file] dir`` (default
    ``<lake>/reports/outbox``), with copies of its attachments."""
    folder = Path(str(config.option("file", "dir", config.lake / "reports" / "outbox"))).expanduser()
    fmt = str(config.option("file", "format", "markdown"))
    if fmt not in ("markdown", "html"):
        raise DeliveryFailed(f"[delivery.file] format must be markdown or html, not {fmt!r}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = message.created_at[:19].replace(":", "").replace("-", "")
        name = f"{stamp}-{message.kind}-{_slug(message.title)}"
        target = folder / (name + (".html" if fmt == "html" else ".md"))
        body = message.html if fmt == "html" and message.html else message.text
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(target)
        for path in message.attachments:
            shutil.copy2(path, folder / Path(path).name)
    except OSError as exc:
        raise DeliveryFailed(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return str(target)


def email(message: Message, config: DeliveryConfig, write: Writer) -> str:
    """Send through SMTP: ``host``, ``port``, ``security`` (starttls | ssl | none), ``from``, ``to``; the
    login from the environment (``BIOLAKE_SMTP_USER`` / ``BIOLAKE_SMTP_PASSWORD`` unless ``user_env`` /
    ``password_env`` name others)."""
    host = str(config.required("email", "host"))
    security = str(config.option("email", "security", "starttls"))
    if security not in ("starttls", "ssl", "none"):
        raise DeliveryFailed(f"[delivery.email] security must be starttls, ssl or none, not {security!r}")
    port = int(config.option("email", "port", 465 if security == "ssl" else 587))
    recipients = config.required("email", "to")
    recipients = [recipients] if isinstance(recipients, str) else [str(r) for r in recipients]
    sender = str(config.required("email", "from"))
    timeout = float(config.option("email", "timeout", 20))
    user = config.secret("email", "user", "BIOLAKE_SMTP_USER")
    password = config.secret("email", "password", "BIOLAKE_SMTP_PASSWORD")

    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = message.title, sender, ", ".join(recipients)
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for path in message.attachments:
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise DeliveryFailed(f"attachment {path}: {exc.strerror}") from None
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=Path(path).name)
    try:
        smtp_cls = smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP
        with smtp_cls(host, port, timeout=timeout) as smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if user and password:
                smtp.login(user, password)
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP {host}:{port}: {_reason(exc)}") from None
    return f"mailed to {', '.join(recipients)}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def webhook(message: Message, config: DeliveryConfig, write: Writer) -> str:
    """POST the message as JSON to ``url`` (or the URL in the variable ``url_env`` names); a bearer
    token from ``BIOLAKE_WEBHOOK_TOKEN`` (or ``token_env``) when set."""
    url = config.secret("webhook", "url", "BIOLAKE_WEBHOOK_URL") or config.option("webhook", "url")
    if not url:
        raise DeliveryFailed("[delivery.webhook] needs 'url' (or url_env naming a variable that holds it)")
    token = config.secret("webhook", "token", "BIOLAKE_WEBHOOK_TOKEN")
    payload = {
        "kind": message.kind,
        "title": message.title,
        "text": message.text,
        "created_at": message.created_at,
        "attachments": [Path(p).name for p in message.attachments],
        "data": message.data,
    }
    headers = {"Content-Type": "application/json", "User-Agent": "biolake"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        str(url), data=json.dumps(payload, default=str).encode(), headers=headers, method="POST"
    )
    timeout = float(config.option("webhook", "timeout", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"webhook answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(
            f"webhook unreachable: {_reason(reason if isinstance(reason, BaseException) else exc)}"
        ) from None
    return f"posted ({status})"


def desktop(message: Message, config: DeliveryConfig, write: Writer) -> str:
    """A desktop notification: ``notify-send`` on Linux, ``osascript`` on macOS; skipped elsewhere."""
    summary = message.summary()
    if sys.platform == "darwin" and shutil.which("osascript"):
        script = f"display notification {json.dumps(summary)} with title {json.dumps(message.title)}"
        cmd = ["osascript", "-e", script]
    elif shutil.which("notify-send"):
        cmd = ["notify-send", "--app-name=biolake", message.title, summary]
    else:
        raise Unavailable("no desktop notifier (notify-send or osascript) on this machine")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{cmd[0]} failed: {exc}") from None
    if proc.returncode != 0:  # e.g. no graphical session under cron
        raise Unavailable(f"{cmd[0]} exited {proc.returncode}: {proc.stderr.strip()[:120]}")
    return "notified"


CHANNEL_SENDERS: dict[str, Callable[[Message, DeliveryConfig, Writer], str]] = {
    "terminal": terminal,
    "file": file,
    "email": email,
    "webhook": webhook,
    "desktop": desktop,
}
