"""Deliver messages to every configured channel; what fails is queued in the lake and retried first on
the next delivery, and every attempt is logged (the catalog view ``deliveries_log``)."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from biolake.config import Settings
from biolake.delivery.channels import CHANNEL_SENDERS, DeliveryFailed, Unavailable, Writer
from biolake.delivery.config import DeliveryConfig, delivery_config
from biolake.delivery.message import Message
from biolake.errors import ConfigError, LakeError
from biolake.lake.paths import LakePaths

QUEUE_FILE = "delivery_queue.json"
LOG_NAME = "deliveries"


@dataclass
class Pending:
    """A message a channel failed to take, waiting for the next try."""

    id: str
    channel: str
    message: Message
    attempts: int
    first_failed_at: str
    last_error: str


@dataclass(frozen=True)
class DeliveryResult:
    channel: str
    kind: str
    title: str
    status: str  # delivered | queued | skipped
    detail: str
    retry: bool = False  # an earlier failure, delivered (or failed) again now
    attempts: int = 1


@dataclass
class DeliveryReport:
    results: list[DeliveryResult] = field(default_factory=list)
    pending: int = 0  # messages still queued after this delivery

    @property
    def failed(self) -> list[DeliveryResult]:
        return [r for r in self.results if r.status == "queued"]


def _queue_path(paths: LakePaths) -> Path:
    return paths.state / QUEUE_FILE


def load_queue(paths: LakePaths) -> list[Pending]:
    path = _queue_path(paths)
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Pending(**{**item, "message": Message.from_dict(item["message"])}) for item in raw]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise LakeError(f"{path}: the delivery queue is unreadable ({exc}); fix or remove it") from None


def save_queue(paths: LakePaths, queue: Sequence[Pending]) -> None:
    path = _queue_path(paths)
    if not queue and not path.exists():
        return
    paths.state.mkdir(parents=True, exist_ok=True)
    items = [{**vars(p), "message": p.message.to_dict()} for p in queue]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(items, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def _log_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("delivered_at", pa.timestamp("us", tz="UTC")),
            ("channel", pa.string()),
            ("kind", pa.string()),
            ("title", pa.string()),
            ("status", pa.string()),
            ("detail", pa.string()),
            ("retry", pa.bool_()),
            ("attempts", pa.int32()),
        ]
    )


def _send(channel: str, message: Message, config: DeliveryConfig, write: Writer) -> tuple[str, str]:
    try:
        return "delivered", CHANNEL_SENDERS[channel](message, config, write)
    except Unavailable as exc:
        return "skipped", str(exc)
    except (DeliveryFailed, ConfigError) as exc:
        return "queued", str(exc)


def deliver(
    settings: Settings,
    messages: Sequence[Message],
    environ: Mapping[str, str] | None = None,
    write: Writer | None = None,
    channels: Sequence[str] | None = None,
) -> DeliveryReport:
    """Retry the queue, then send ``messages`` to every configured channel (or ``channels``)."""
    from biolake.lake.logs import append_log

    config = delivery_config(settings, environ)
    write = write or sys.stdout.write
    paths = LakePaths.at(settings.lake)
    report = DeliveryReport()
    still: list[Pending] = []
    now = datetime.now(UTC)
    for item in load_queue(paths):
        status, detail = _send(item.channel, item.message, config, write)
        item.attempts += 1
        if status == "queued":
            item.last_error = detail
            still.append(item)
        report.results.append(
            DeliveryResult(
                item.channel, item.message.kind, item.message.title, status, detail, True, item.attempts
            )
        )
    for message in messages:
        for channel in channels if channels is not None else config.channels:
            status, detail = _send(channel, message, config, write)
            if status == "queued":
                still.append(Pending(uuid.uuid4().hex[:12], channel, message, 1, now.isoformat(), detail))
            report.results.append(DeliveryResult(channel, message.kind, message.title, status, detail))
    save_queue(paths, still)
    report.pending = len(still)
    rows = [{"delivered_at": now, **vars(r)} for r in report.results]
    append_log(paths, LOG_NAME, rows, _log_schema())
    return report
