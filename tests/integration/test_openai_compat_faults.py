"""The OpenAI-compatible client against a real loopback server with injected faults."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from sweagent.errors import ContextLengthExceeded, ModelError, ModelUnavailable
from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.protocol import ModelRequest, ModelResponse, Purpose
from sweagent.models.retry import Backoff

FAST = Backoff(initial=0.01, maximum=0.05)


@pytest.fixture(params=["openai", "aiohttp"])
def transport(request: pytest.FixtureRequest) -> str:
    """Every client test runs once per transport."""
    return str(request.param)


def make_model(transport: str, *urls: str, **options: object) -> OpenAICompatModel:
    settings: dict[str, object] = {
        "timeout": 2.0,
        "retry_seconds": 5.0,
        "backoff": FAST,
        "seed": 1,
        "transport": transport,
    }
    settings.update(options)
    return OpenAICompatModel("loopback", list(urls), **settings)  # type: ignore[arg-type]


def ask(text: str, n: int = 1) -> ModelRequest:
    messages = ({"role": "system", "content": "shared"}, {"role": "user", "content": text})
    return ModelRequest(messages=messages, n=n, purpose=Purpose(stage="editing", instance_id="x"))


async def call_all(model: OpenAICompatModel, requests: list[ModelRequest]) -> list[ModelResponse]:
    try:
        return await asyncio.gather(*(model.complete(r) for r in requests))
    finally:
        await model.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_n_samples_come_from_one_request(transport: str, loopback: LoopbackChatServer) -> None:
    [response] = asyncio.run(call_all(make_model(transport, loopback.url), [ask("hi", n=3)]))
    assert response.choices == ("echo[0]: hi", "echo[1]: hi", "echo[2]: hi")
    assert loopback.outcomes["ok"] == 1
    assert response.usage.calls == 1
    assert response.usage.prompt_tokens > 0
    assert response.usage.cached_tokens == response.usage.prompt_tokens // 2


def test_server_ignoring_n_gets_separate_requests(transport: str) -> None:
    with LoopbackChatServer(max_choices=1) as server:
        model = make_model(transport, server.url)
        first, second = asyncio.run(call_all(model, [ask("a", n=3), ask("b", n=2)]))
    assert len(first.choices) == 3
    assert len(second.choices) == 2
    assert model.split_samples
    assert server.outcomes["ok"] == 5
    assert first.usage.calls + second.usage.calls == 5


def test_every_injected_fault_is_survived_and_no_request_is_lost(
    transport: str, loopback: LoopbackChatServer
) -> None:
    plans = ["429", "500,503", "hang", "garbage,empty", "429,garbage,502", "", "", "429,429"]
    texts = [f"request {i} [[faults:{plan}]]" if plan else f"request {i}" for i, plan in enumerate(plans)]
    model = make_model(transport, loopback.url, timeout=0.5)
    responses = asyncio.run(call_all(model, [ask(t, n=2) for t in texts]))
    for text, response in zip(texts, responses, strict=True):
        assert response.choices == (f"echo[0]: {text}", f"echo[1]: {text}")
        assert response.usage.calls == 1, "retries are not counted as calls"
    injected = sum(len(p.split(",")) for p in plans if p)
    assert sum(model.retries.values()) == injected
    assert model.retries["timeout"] == 1
    assert model.retries["garbage"] == 3
    assert loopback.outcomes["ok"] == len(plans)


def test_a_crowd_of_mixed_faults_loses_nothing(transport: str, loopback: LoopbackChatServer) -> None:
    """Every call ends with its own content or its own typed error, whatever its neighbours do."""
    plans = ["", "429", "500,garbage", "ctx", "404", "hang", "503,503", "empty"] * 6
    texts = [f"crowd {i} [[faults:{plan}]]" for i, plan in enumerate(plans)]
    model = make_model(transport, loopback.url, timeout=0.5, max_concurrency=8)

    async def run() -> list[ModelResponse | BaseException]:
        try:
            return await asyncio.gather(*(model.complete(ask(t)) for t in texts), return_exceptions=True)
        finally:
            await model.close()

    outcomes = asyncio.run(run())
    for plan, text, outcome in zip(plans, texts, outcomes, strict=True):
        if plan == "ctx":
            assert isinstance(outcome, ContextLengthExceeded)
        elif plan == "404":
            assert isinstance(outcome, ModelError)
            assert "HTTP 404" in str(outcome)
        else:
            assert isinstance(outcome, ModelResponse)
            assert outcome.choices == (f"echo[0]: {text}",)
    assert loopback.outcomes["ok"] == 6 * 6


def test_context_length_rejection_is_typed_and_not_retried(
    transport: str, loopback: LoopbackChatServer
) -> None:
    model = make_model(transport, loopback.url)
    with pytest.raises(ContextLengthExceeded, match="maximum context length"):
        asyncio.run(call_all(model, [ask("long [[faults:ctx]]")]))
    assert loopback.outcomes["ctx"] == 1
    assert not model.retries


def test_other_client_errors_fail_at_once(transport: str, loopback: LoopbackChatServer) -> None:
    model = make_model(transport, loopback.url)
    with pytest.raises(ModelError, match="HTTP 404") as caught:
        asyncio.run(call_all(model, [ask("[[faults:404]]")]))
    assert not isinstance(caught.value, ModelUnavailable | ContextLengthExceeded)
    assert sum(loopback.outcomes.values()) == 1


def test_repeated_garbage_is_a_model_error_naming_the_cause(
    transport: str, loopback: LoopbackChatServer
) -> None:
    model = make_model(transport, loopback.url)
    with pytest.raises(ModelError, match="unusable response bodies") as caught:
        asyncio.run(call_all(model, [ask("[[faults:garbage,empty,garbage,garbage]]")]))
    assert "no choices" in str(caught.value) or "not JSON" in str(caught.value)
    assert loopback.outcomes["garbage"] + loopback.outcomes["empty"] == 3


def test_refused_connection_becomes_unavailable_after_retry_seconds(transport: str) -> None:
    model = make_model(transport, f"http://127.0.0.1:{closed_port()}/v1", retry_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match="cannot reach"):
        asyncio.run(call_all(model, [ask("anyone?")]))
    assert 0.1 < time.monotonic() - started < 3
    assert model.retries["connection"] >= 2


def test_retry_after_is_honoured(transport: str) -> None:
    with LoopbackChatServer(retry_after="0.4") as server:
        model = make_model(transport, server.url)
        started = time.monotonic()
        [response] = asyncio.run(call_all(model, [ask("slow down [[faults:429]]")]))
    assert time.monotonic() - started >= 0.4
    assert response.choices == ("echo[0]: slow down [[faults:429]]",)


def test_requests_balance_over_endpoints_and_skip_a_dead_one(transport: str) -> None:
    with LoopbackChatServer(latency=0.05) as one, LoopbackChatServer(latency=0.05) as two:
        dead = f"http://127.0.0.1:{closed_port()}/v1"
        model = make_model(transport, one.url, two.url, dead)
        responses = asyncio.run(call_all(model, [ask(f"q{i}") for i in range(30)]))
    assert [r.choices[0] for r in responses] == [f"echo[0]: q{i}" for i in range(30)]
    assert one.outcomes["ok"] >= 10
    assert two.outcomes["ok"] >= 10
    assert model.retries["connection"] >= 1


def test_concurrency_per_endpoint_is_bounded(transport: str) -> None:
    with LoopbackChatServer(latency=0.05) as server:
        model = make_model(transport, server.url, max_concurrency=2)
        responses = asyncio.run(call_all(model, [ask(f"q{i}") for i in range(8)]))
    assert len(responses) == 8
    assert server.max_in_flight == 2
