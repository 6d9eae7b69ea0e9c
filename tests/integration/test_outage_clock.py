"""One outage clock per endpoint: concurrent calls share the retry budget, a server that comes back
is used again at once, and a model declared unavailable fails later calls without waiting."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sweagent.config import ModelConfig
from sweagent.errors import ModelUnavailable
from sweagent.models.doctor import check_endpoint
from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.outage import OutageClock
from sweagent.models.protocol import ModelRequest, Purpose
from sweagent.models.retry import Backoff

FAST = Backoff(initial=0.02, maximum=0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ask(text: str) -> ModelRequest:
    return ModelRequest(messages=({"role": "user", "content": text},), purpose=Purpose(stage="editing"))


def test_concurrent_calls_share_one_budget_and_later_calls_fail_at_once() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = OpenAICompatModel("m", [url], timeout=2, retry_seconds=1.0, backoff=FAST, seed=1)

    async def scenario() -> tuple[list[BaseException | object], float, int, float]:
        started = time.monotonic()
        results = await asyncio.gather(
            *(model.complete(ask(f"q{i}")) for i in range(20)), return_exceptions=True
        )
        together = time.monotonic() - started
        attempts = sum(model.retries.values())
        later = time.monotonic()
        with pytest.raises(ModelUnavailable, match="gave up after the 1 s retry budget"):
            await model.complete(ask("one more"))
        after = time.monotonic() - later
        assert sum(model.retries.values()) == attempts, "a call after the verdict must not try again"
        await model.close()
        return results, together, attempts, after

    results, together, attempts, after = asyncio.run(scenario())
    assert all(isinstance(r, ModelUnavailable) for r in results)
    assert 0.9 < together < 5, "twenty calls wait out one budget together, not twenty"
    assert after < 0.1
    assert "refused connections for 1 s" in str(results[0])


def test_a_server_that_comes_back_within_the_budget_is_used_again(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    model = OpenAICompatModel(
        "m", [f"http://127.0.0.1:{port}/v1"], timeout=2, retry_seconds=30, backoff=Backoff(0.1, 0.3), seed=1
    )
    server = LoopbackChatServer(port=port)
    timer = threading.Timer(1.0, server.start)

    async def scenario() -> list[str]:
        timer.start()
        try:
            responses = await asyncio.gather(*(model.complete(ask(f"q{i}")) for i in range(5)))
        finally:
            await model.close()
        return [r.choices[0] for r in responses]

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="sweagent"):
        try:
            answers = asyncio.run(scenario())
        finally:
            timer.join()
            server.stop()
    assert answers == [f"echo[0]: q{i}" for i in range(5)]
    assert time.monotonic() - started < 5, "the server was back after 1 s and must be used within seconds"
    assert model.unavailable is None
    messages = [r.getMessage() for r in caplog.records]
    assert any("refused connections" in m and "retrying for up to" in m for m in messages)
    assert any("answers again after" in m for m in messages)


def test_an_outage_is_reported_when_it_starts_and_then_periodically(caplog: pytest.LogCaptureFixture) -> None:
    clock = OutageClock("http://h/v1", budget=900, report_every=60)
    with caplog.at_level(logging.WARNING, logger="sweagent"):
        for second in range(0, 130, 5):
            clock.failed("connection", "cannot reach http://h/v1", attempt_started=second, now=second)
    reports = [r.getMessage() for r in caplog.records]
    assert reports == [
        "endpoint http://h/v1 refused connections; retrying for up to 900 s more (last: cannot reach http://h/v1)",
        "endpoint http://h/v1 refused connections for 60 s; retrying for up to 840 s more"
        " (last: cannot reach http://h/v1)",
        "endpoint http://h/v1 refused connections for 120 s; retrying for up to 780 s more"
        " (last: cannot reach http://h/v1)",
    ]
    clock.succeeded(now=130)
    assert (clock.down_for(now=131), clock.expired(now=10_000)) == (0.0, False)


class _FlakyHandler(BaseHTTPRequestHandler):
    """Answers HTTP 500 to the first `failures` chat requests, then a proper completion."""

    failures = 2
    seen = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen += 1
        if type(self).seen <= self.failures:
            self._send(500, {"error": {"message": "worker restarting"}})
            return
        choice = {"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}
        self._send(200, {"choices": [choice], "usage": {"prompt_tokens": 5, "completion_tokens": 1}})

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        return


@pytest.fixture
def flaky_server() -> Iterator[str]:
    _FlakyHandler.seen = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_doctor_tells_a_flaky_endpoint_from_a_dead_one(flaky_server: str) -> None:
    flaky = asyncio.run(check_endpoint("primary", ModelConfig(name="m", base_url=flaky_server), timeout=5))
    assert (flaky.ok, flaky.flaky) == (True, True)
    assert "after 2 failed attempt(s) (500 x2): flaky" in flaky.detail
    dead_url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.monotonic()
    dead = asyncio.run(check_endpoint("primary", ModelConfig(name="m", base_url=dead_url), timeout=5))
    assert (dead.ok, dead.flaky) == (False, False)
    assert "refused connections" in dead.detail
    assert 2 < time.monotonic() - started < 15, "a few quick retries, then the verdict"
