"""A chat-completions server on 127.0.0.1 for tests, benchmarks and `doctor` checks; not a model.

Each reply is `echo[i]: <last message>`; usage counts 4 characters a token. A fault plan in the
last message, `[[faults:429,500,hang,garbage,empty,ctx]]` (a number is that HTTP status), makes
the k-th attempt of that exact prompt fail with the k-th fault, then the next attempt succeeds:
concurrent tests stay deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["LoopbackChatServer", "main", "reply_text"]

_FAULTS = re.compile(r"\[\[faults:([a-z0-9,]+)\]\]")


def reply_text(messages: list[dict[str, Any]], index: int) -> str:
    """What the server answers for choice `index` of `messages`."""
    last = str(messages[-1].get("content", "")) if messages else ""
    return f"echo[{index}]: {last}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops connections when many clients connect at once


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


class LoopbackChatServer:
    """Serves `/v1/chat/completions` and `/v1/models` from a thread; use as a context manager."""

    def __init__(
        self,
        latency: float = 0.0,
        max_choices: int | None = None,
        retry_after: str = "0.05",
        port: int = 0,
    ) -> None:
        self.latency = latency
        """Seconds each completion takes."""
        self.max_choices = max_choices
        """Answer at most this many choices however large `n` is (servers that ignore `n`)."""
        self.retry_after = retry_after
        """The Retry-After header sent with a 429."""
        self.outcomes: Counter[str] = Counter()
        """How many requests ended each way (`ok`, `429`, `500`, `hang`, ...)."""
        self.in_flight = 0
        self.max_in_flight = 0
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL an OpenAI client takes."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> LoopbackChatServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> LoopbackChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_fault(self, body: dict[str, Any]) -> str:
        """The fault planned for this attempt of this prompt, or `ok`."""
        messages = body.get("messages") or []
        last = str(messages[-1].get("content", "")) if messages else ""
        found = _FAULTS.search(last)
        if not found:
            return "ok"
        key = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
        with self._lock:
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

    def track(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)


def _handler_for(server: LoopbackChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: object, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(data).encode(), headers)

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/health"):
                self._json(200, {"object": "list", "data": [{"id": "loopback", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            server.track(+1)
            try:
                fault = server.next_fault(body)
                server.outcomes[fault] += 1
                self._answer(fault, body)
            finally:
                server.track(-1)

        def _answer(self, fault: str, body: dict[str, Any]) -> None:
            if fault == "hang":
                server._stopping.wait(60)
                self.close_connection = True
                return
            if server.latency:
                time.sleep(server.latency)
            if fault == "429":
                error = {"error": {"message": "rate limited", "type": "rate_limit"}}
                self._json(429, error, {"Retry-After": server.retry_after})
            elif fault.isdigit():
                self._json(int(fault), {"error": {"message": f"injected HTTP {fault}"}})
            elif fault == "ctx":
                message = (
                    "This model's maximum context length is 4096 tokens. However, you requested "
                    "9000 tokens. Please reduce the length of the messages."
                )
                self._json(400, {"object": "error", "message": message, "type": "BadRequestError"})
            elif fault == "garbage":
                self._send(200, b'{"choices": [{"index": 0, "mess')
            elif fault == "empty":
                self._json(200, {"object": "chat.completion"})
            else:
                self._json(200, server.completion(body))

    return Handler


def main(argv: list[str] | None = None) -> None:
    """`python -m sweagent.models.loopback --latency 0.2`: serve until killed, URL on stdout."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = LoopbackChatServer(latency=args.latency, port=args.port)
    print(server.url, flush=True)
    try:
        server._httpd.serve_forever()
    finally:
        server._httpd.server_close()


if __name__ == "__main__":
    main()
