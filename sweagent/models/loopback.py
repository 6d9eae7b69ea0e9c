"""A chat-completions server on 127.0.0.1 for tests, benchmarks and `doctor` checks; not a model.

Each reply is `echo[i]: <last message>`; usage counts 4 characters a token. A fault plan in the
last message, `[[faults:429,500,hang,garbage,empty,ctx]]` (a number is that HTTP status), makes
the k-th attempt of that exact prompt fail with the k-th fault, then the next attempt succeeds:
concurrent tests stay deterministic. It runs an asyncio loop in its own thread (or, from the
command line, in its own process), so many slow calls cost no threads.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

__all__ = ["LoopbackChatServer", "main", "reply_text"]

_FAULTS = re.compile(r"\[\[faults:([a-z0-9,]+)\]\]")
_CONTEXT_MESSAGE = (
    "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens. "
    "Please reduce the length of the messages."
)


def reply_text(messages: list[dict[str, Any]], index: int) -> str:
    """What the server answers for choice `index` of `messages`."""
    last = str(messages[-1].get("content", "")) if messages else ""
    return f"echo[{index}]: {last}"


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Content-Type: application/json"]
    lines += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class LoopbackChatServer:
    """Serves `/v1/chat/completions` and `/v1/models`; use as a context manager."""

    def __init__(
        self,
        latency: float = 0.0,
        max_choices: int | None = None,
        retry_after: str = "0.05",
        port: int = 0,
        owned_by: str = "loopback",
        version: str | None = None,
    ) -> None:
        self.latency = latency
        """Seconds each completion takes."""
        self.max_choices = max_choices
        """Answer at most this many choices however large `n` is (servers that ignore `n`)."""
        self.retry_after = retry_after
        """The Retry-After header sent with a 429."""
        self.port = port
        self.owned_by = owned_by
        """What `/v1/models` says owns the model (`me` for llama-cpp-python, `vllm` for vLLM)."""
        self.version = version
        """What `/version` answers (vLLM has one); None answers 404."""
        self.bodies: list[dict[str, Any]] = []
        """Every chat-completion request body received, in order."""
        self.outcomes: Counter[str] = Counter()
        """How many requests ended each way (`ok`, `429`, `500`, `hang`, ...)."""
        self.in_flight = 0
        self.max_in_flight = 0
        self._attempts: Counter[str] = Counter()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The base URL an OpenAI client takes."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LoopbackChatServer:
        self._thread = threading.Thread(target=asyncio.run, args=(self.serve(),), daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> LoopbackChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def serve(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve until `stop()`; then close every connection."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", self.port, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        if on_ready is not None:
            on_ready(self.url)
        await self._stop.wait()
        server.close()
        # Idle keep-alive connections would keep wait_closed() waiting (Python >= 3.12): end them first.
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                method, path = head[0].split(" ")[:2]
                headers = dict(line.lower().split(":", 1) for line in head[1:] if ":" in line)
                body = await reader.readexactly(int(headers.get("content-length", "0").strip() or 0))
                answer = await self._answer(method, path, body)
                if answer is None:  # a hang: the client gave up long ago
                    return
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError, ValueError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _answer(self, method: str, path: str, raw: bytes) -> bytes | None:
        if method == "GET":
            if path.rstrip("/") in ("/v1/models", "/health"):
                models = {"object": "list", "data": [{"id": "loopback", "owned_by": self.owned_by}]}
                return _response(200, json.dumps(models).encode())
            if path.rstrip("/") == "/version" and self.version is not None:
                return _response(200, json.dumps({"version": self.version}).encode())
            return _response(404, b'{"error": {"message": "not found"}}')
        body = json.loads(raw or b"{}")
        self.bodies.append(body)
        fault = self.next_fault(body)
        self.outcomes[fault] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if fault == "hang":
                assert self._stop is not None
                await self._stop.wait()
                return None
            if self.latency:
                await asyncio.sleep(self.latency)
            return self._reply(fault, body)
        finally:
            self.in_flight -= 1

    def _reply(self, fault: str, body: dict[str, Any]) -> bytes:
        if fault == "429":
            error = json.dumps({"error": {"message": "rate limited", "type": "rate_limit"}}).encode()
            return _response(429, error, {"Retry-After": self.retry_after})
        if fault.isdigit():
            return _response(
                int(fault), json.dumps({"error": {"message": f"injected HTTP {fault}"}}).encode()
            )
        if fault == "ctx":
            rejection = {"object": "error", "message": _CONTEXT_MESSAGE, "type": "BadRequestError"}
            return _response(400, json.dumps(rejection).encode())
        if fault == "garbage":
            return _response(200, b'{"choices": [{"index": 0, "mess')
        if fault == "empty":
            return _response(200, b'{"object": "chat.completion"}')
        return _response(200, json.dumps(self.completion(body)).encode())

    def next_fault(self, body: dict[str, Any]) -> str:
        """The fault planned for this attempt of this prompt, or `ok`."""
        messages = body.get("messages") or []
        last = str(messages[-1].get("content", "")) if messages else ""
        found = _FAULTS.search(last)
        if not found:
            return "ok"
        key = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
        attempt = self._attempts[key]
        self._attempts[key] += 1
        plan = found.group(1).split(",")
        return plan[attempt] if attempt < len(plan) else "ok"

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages") or []
        n = int(body.get("n") or 1)
        if self.max_choices is not None:
            n = min(n, self.max_choices)
        texts = [reply_text(messages, i) for i in range(n)]
        prompt = sum(_tokens(str(m.get("content", ""))) for m in messages)
        completion = sum(_tokens(t) for t in texts)
        return {
            "id": "chatcmpl-loopback",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "loopback"),
            "choices": [
                {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
                for i, t in enumerate(texts)
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": prompt // 2},
            },
        }


def main(argv: list[str] | None = None) -> None:
    """`python -m sweagent.models.loopback --latency 0.2`: serve until killed, URL on stdout."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = LoopbackChatServer(latency=args.latency, port=args.port)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(on_ready=lambda url: print(url, flush=True)))


if __name__ == "__main__":
    main()
