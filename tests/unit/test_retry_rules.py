"""What counts as transient, how long to wait, and what a usable completion body is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sweagent.models.openai_compat import parse_completion
from sweagent.models.retry import Backoff, Transient, is_context_length_message, retry_after_seconds


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("This model's maximum context length is 4096 tokens. However, you requested 5000", True),
        ("the request exceeds the available context size, try increasing it", True),
        ("prompt is too long: 210000 tokens > 200000 maximum", True),
        ("Too many tokens in the prompt", True),
        ("temperature must be non-negative", False),
    ],
)
def test_context_length_messages_are_recognised(message: str, expected: bool) -> None:
    assert is_context_length_message(message) is expected


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": "soon"}) is None
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (retry_after_seconds({"retry-after": future}) or 0) <= 30


def test_backoff_grows_with_jitter_and_honours_the_server() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0)
    rng = random.Random(0)
    delays = [backoff.delay(k, None, rng) for k in range(6)]
    for attempt, delay in enumerate(delays):
        ceiling = min(8.0, 2.0**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert 3.0 <= backoff.delay(0, 3.0, rng) <= 3.1


def test_parse_completion_orders_choices_and_reads_usage() -> None:
    body = (
        b'{"choices": [{"index": 1, "message": {"content": "b"}, "finish_reason": "length"},'
        b' {"index": 0, "message": {"content": "a"}, "finish_reason": "stop"}],'
        b' "usage": {"prompt_tokens": 10, "completion_tokens": 4,'
        b' "prompt_tokens_details": {"cached_tokens": 8}}}'
    )
    reply = parse_completion(body)
    assert reply.texts == ["a", "b"]
    assert reply.finish_reasons == ["stop", "length"]
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.cached_tokens) == (10, 4, 8)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502</html>",
        b"{}",
        b'{"choices": []}',
        b'{"choices": [3]}',
        b'{"choices": [{"message": {"content": "a"}}], "usage": {"prompt_tokens": "many"}}',
        b'{"choices": [{"message": {"content": "a"}}], "usage": [1]}',
    ],
)
def test_unusable_bodies_are_transient(body: bytes) -> None:
    with pytest.raises(Transient) as caught:
        parse_completion(body)
    assert caught.value.cause == "garbage"
