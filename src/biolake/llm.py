"""Claude through the Anthropic Messages API: one place for the key, model, timeout, retries and errors.

The key comes from the environment only (``ANTHROPIC_API_KEY``); ``ANTHROPIC_BASE_URL`` points the SDK
elsewhere (tests use a local server). ``[claude]`` in biolake.toml sets ``model``, ``timeout`` (seconds),
``max_retries`` and ``max_tokens``. The SDK is imported lazily: it costs over a second."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from biolake.config import Settings
from biolake.errors import BiolakeError

DEFAULT_MODEL = "claude-sonnet-5"


class LLMError(BiolakeError):
    """Claude could not be reached or did not answer usefully."""


@dataclass(frozen=True)
class ClaudeConfig:
    """How to reach Claude."""

    api_key: str
    model: str = DEFAULT_MODEL
    timeout: float = 60.0
    max_retries: int = 2
    max_tokens: int = 1500
    base_url: str | None = None


@dataclass
class Reply:
    """Claude's answer: its text, why it stopped (``end_turn``, ``max_tokens``, ``refusal`` …) and usage."""

    text: str
    stop_reason: str | None
    model: str
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.stop_reason == "refusal"


def claude_config(settings: Settings, environ: Mapping[str, str] | None = None) -> ClaudeConfig | None:
    """The configuration when ``ANTHROPIC_API_KEY`` is set, else None (callers then work offline)."""
    env = os.environ if environ is None else environ
    key = env.get("ANTHROPIC_API_KEY", "").strip()
    if not key:
        return None
    section: dict[str, Any] = settings.sections.get("claude", {})
    try:
        return ClaudeConfig(
            api_key=key,
            model=str(section.get("model", DEFAULT_MODEL)),
            timeout=float(section.get("timeout", 60.0)),
            max_retries=int(section.get("max_retries", 2)),
            max_tokens=int(section.get("max_tokens", 1500)),
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
        )
    except (TypeError, ValueError) as exc:
        raise LLMError(f"[claude] in biolake.toml is not valid: {exc}") from None


def cached_system(*blocks: str) -> list[dict[str, Any]]:
    """System prompt blocks; the last one carries a cache breakpoint, so the stable prefix is cached."""
    out: list[dict[str, Any]] = [{"type": "text", "text": b} for b in blocks if b]
    if out:
        out[-1]["cache_control"] = {"type": "ephemeral"}
    return out


def complete(
    config: ClaudeConfig,
    messages: list[dict[str, Any]],
    system: str | list[dict[str, Any]] | None = None,
    max_tokens: int | None = None,
    **extra: Any,
) -> Reply:
    """One Messages API call (the SDK retries 429/5xx with backoff, honouring ``retry-after``); ``extra``
    goes to ``messages.create`` as is (e.g. ``output_config``, ``tools``)."""
    import anthropic

    client = anthropic.Anthropic(
        api_key=config.api_key,
        base_url=config.base_url,
        timeout=config.timeout,
        max_retries=config.max_retries,
    )
    kwargs: dict[str, Any] = {
        "model": config.model,
        "max_tokens": max_tokens or config.max_tokens,
        "messages": messages,
        **extra,
    }
    if system:
        kwargs["system"] = system
    try:
        message = client.messages.create(**kwargs)
    except anthropic.APITimeoutError:
        raise LLMError(f"Claude did not answer within {config.timeout:g} s") from None
    except anthropic.RateLimitError:
        raise LLMError(
            f"Claude's API kept answering 429 (rate limited) after {config.max_retries} retries"
        ) from None
    except anthropic.AuthenticationError:
        raise LLMError("Claude's API refused the key in ANTHROPIC_API_KEY (401)") from None
    except anthropic.APIStatusError as exc:
        raise LLMError(f"Claude's API answered {exc.status_code}: {_first_line(exc.message)}") from None
    except anthropic.APIConnectionError as exc:
        raise LLMError(f"cannot reach Claude's API: {_first_line(str(exc))}") from None
    text = "".join(getattr(block, "text", "") for block in message.content)
    usage = {k: int(v) for k, v in message.usage.model_dump().items() if isinstance(v, int)}
    return Reply(text=text, stop_reason=message.stop_reason, model=message.model, usage=usage)


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else "(no message)"
