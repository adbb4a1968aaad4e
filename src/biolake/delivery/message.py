"""What is delivered: a titled text (Markdown), optionally HTML, attachments and structured data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Message:
    kind: str  # briefing | alerts | report
    title: str
    text: str  # Markdown / plain text
    html: str | None = None
    attachments: tuple[str, ...] = ()  # file paths (e.g. the report's PDF)
    data: dict[str, Any] = field(default_factory=dict)  # JSON-ready details for webhooks
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Message:
        return cls(**{**raw, "attachments": tuple(raw.get("attachments", ()))})

    def summary(self, limit: int = 240) -> str:
        """The first lines of the text without Markdown markers (for a desktop notification)."""
        lines = [
            line.lstrip("#-* ").replace("**", "")
            for line in self.text.splitlines()
            if line.strip() and line.strip("# ") != self.title
        ]
        text = " ".join(lines)
        return text if len(text) <= limit else text[: limit - 1] + "…"
