"""biolake.llm against the local Messages API server: a reply, caching headers, 429 retried, a timeout,
a refusal, a bad key: the real SDK over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthropic_stub import MessagesStub, Scripted, error, message
from biolake.llm import ClaudeConfig, LLMError, cached_system, claude_config, complete
from conftest import settings_for


def config(stub: MessagesStub, **kw: object) -> ClaudeConfig:
    return ClaudeConfig(api_key="sk-test", base_url=stub.url, **kw)  # type: ignore[arg-type]


def test_reply_and_request_shape() -> None:
    with MessagesStub() as stub:
        stub.push(message("Hello."))
        reply = complete(config(stub), [{"role": "user", "content": "hi"}], system=cached_system("rules"))
    assert reply.text == "Hello." and reply.stop_reason == "end_turn" and not reply.refused
    sent = stub.requests[0]
    assert sent.path == "/v1/messages"
    assert sent.body["system"] == [{"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}]
    assert sent.body["messages"] == [{"role": "user", "content": "hi"}]


def test_429_is_retried_then_answers() -> None:
    with MessagesStub() as stub:
        stub.push(error(429, "rate_limit_error", "slow down", retry_after=0), message("ok"))
        assert complete(config(stub, max_retries=2), [{"role": "user", "content": "q"}]).text == "ok"
    assert len(stub.requests) == 2


def test_persistent_429_is_one_clear_error() -> None:
    with MessagesStub() as stub:
        stub.push(*[error(429, "rate_limit_error", "slow down", retry_after=0)] * 3)
        with pytest.raises(LLMError, match="429"):
            complete(config(stub, max_retries=1), [{"role": "user", "content": "q"}])


def test_timeout_and_refusal_and_bad_key() -> None:
    with MessagesStub() as stub:
        stub.push(Scripted(body=message("late").body, delay=2.0))
        with pytest.raises(LLMError, match="did not answer within"):
            complete(config(stub, timeout=0.3, max_retries=0), [{"role": "user", "content": "q"}])
        stub.push(message("", stop_reason="refusal"))
        assert complete(config(stub, max_retries=0), [{"role": "user", "content": "q"}]).refused
        stub.push(error(401, "authentication_error", "invalid x-api-key"))
        with pytest.raises(LLMError, match="refused the key"):
            complete(config(stub, max_retries=0), [{"role": "user", "content": "q"}])


def test_config_needs_a_key(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "lake")
    assert claude_config(settings, environ={}) is None  # type: ignore[arg-type]
    cfg = claude_config(settings, environ={"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://x"})  # type: ignore[arg-type]
    assert cfg is not None and cfg.api_key == "k" and cfg.base_url == "http://x"
