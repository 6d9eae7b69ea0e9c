"""A loopback chat server with a context window, answering from a scripted policy: a TEST TOOL.

It behaves as vLLM does at the edge of its window: `GET /v1/models` reports `max_model_len`, and a
request whose prompt plus `max_tokens` exceeds the window is rejected with HTTP 400 and vLLM's
error text. Replies come from a scripted policy (`respond(messages, purpose)`), so whole runs go
through a real HTTP endpoint. Over HTTP the purpose is not sent: the server infers the stage from
the prompt's wording, the instance from its issue text and the turn from the replies so far.
Tokens are counted as 4 characters, plus 4 per message for the chat template.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.protocol import Purpose
from sweagent.models.scripted import Policy, ScriptedModel
from sweagent.records import Instance

__all__ = ["STAGE_MARKERS", "WindowedChatServer", "infer_purpose", "main", "prompt_tokens"]

STAGE_MARKERS = (
    ("relevance", "You judge whether one source file"),
    ("ranking", "You choose which source files"),
    ("selection", "Your task: decide which"),
    ("testing", "Your task: write a reproduction test"),
    ("editing", "Your task: fix the issue"),
)
"""How each stage's prompt begins (its first user message, or the system message): what the server
recognises the stage by. The templates under `prompts/` must keep these words."""
_FILE = re.compile(r'<file path="([^"]+)"')
MESSAGE_OVERHEAD = 4


def prompt_tokens(messages: Sequence[dict[str, Any]]) -> int:
    """Tokens the server counts for a prompt: 4 characters a token, plus 4 per message."""
    return sum((len(str(m.get("content", ""))) + 3) // 4 + MESSAGE_OVERHEAD for m in messages)


def _key(text: str) -> str:
    return " ".join(text.split())[:200]


def infer_purpose(messages: Sequence[dict[str, Any]], instances: Sequence[Instance], index: int) -> Purpose:
    """The purpose of a request, read from its messages; `index` is the choice (the sample) asked for."""
    texts = [str(m.get("content", "")) for m in messages]
    heads = [t for m, t in zip(messages, texts, strict=True) if m.get("role") in ("system", "user")][:2]
    stage = next((name for name, marker in STAGE_MARKERS if any(marker in t for t in heads)), "unknown")
    joined = " ".join(" ".join(t.split()) for t in texts)
    instance_id = next((i.instance_id for i in instances if _key(i.problem_statement) in joined), "")
    found = _FILE.search(texts[-1]) if stage == "relevance" and texts else None
    turn = sum(m.get("role") == "assistant" for m in messages)
    return Purpose(
        stage=stage, instance_id=instance_id, sample=index, turn=turn, file=found.group(1) if found else None
    )


def _error(status: int, message: str) -> bytes:
    body = json.dumps({"object": "error", "message": message, "type": "BadRequestError", "code": status})
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body.encode()


class WindowedChatServer(LoopbackChatServer):
    """TEST TOOL: `LoopbackChatServer` with a window, answering from a policy; a context manager."""

    def __init__(
        self,
        window: int,
        policy: Policy,
        instances: Sequence[Instance] = (),
        *,
        model: str = "windowed",
        default_max_tokens: int = 4096,
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(latency=latency, port=port)
        self.window = window
        """`max_model_len`: prompt plus `max_tokens` may not exceed it."""
        self.policy = policy
        self.instances = list(instances)
        self.model = model
        self.default_max_tokens = default_max_tokens
        self.rejected = 0
        """Requests refused as longer than the window."""
        self.largest_prompt = 0
        """Most prompt tokens of any accepted request."""

    async def _answer(self, method: str, path: str, raw: bytes) -> bytes | None:
        if method == "GET" and path.rstrip("/") == "/v1/models":
            entry = {
                "id": self.model,
                "object": "model",
                "owned_by": "sweagent",
                "max_model_len": self.window,
            }
            return self._json({"object": "list", "data": [entry]})
        return await super()._answer(method, path, raw)

    @staticmethod
    def _json(data: dict[str, Any]) -> bytes:
        body = json.dumps(data).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode("latin-1") + body

    def _reply(self, fault: str, body: dict[str, Any]) -> bytes:
        if fault != "ok":
            return super()._reply(fault, body)
        messages = body.get("messages") or []
        prompt = prompt_tokens(messages)
        completion = int(body.get("max_tokens") or self.default_max_tokens)
        if prompt + completion > self.window:
            self.rejected += 1
            message = (
                f"This model's maximum context length is {self.window} tokens. However, you requested "
                f"{prompt + completion} tokens ({prompt} in the messages, {completion} in the completion). "
                "Please reduce the length of the messages or completion."
            )
            return _error(400, message)
        self.largest_prompt = max(self.largest_prompt, prompt)
        try:
            texts = [self._respond(messages, i) for i in range(int(body.get("n") or 1))]
        except Exception as err:  # the policy failed: a server error the client reports
            return _error(500, f"policy failed: {type(err).__name__}: {err}")
        return self._json(self._completion(texts, prompt))

    def _respond(self, messages: list[dict[str, Any]], index: int) -> str:
        purpose = infer_purpose(messages, self.instances, index)
        return self.policy([{k: str(v) for k, v in m.items()} for m in messages], purpose)

    def _completion(self, texts: list[str], prompt: int) -> dict[str, Any]:
        completion = sum((len(t) + 3) // 4 for t in texts)
        choices = [
            {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
            for i, t in enumerate(texts)
        ]
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        return {
            "id": "chatcmpl-windowed",
            "object": "chat.completion",
            "model": self.model,
            "choices": choices,
            "usage": usage,
        }


def main(argv: list[str] | None = None) -> None:
    """`python -m sweagent.models.window_server --window 32768 --policy gold --dataset swe-mini`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--window", type=int, required=True)
    parser.add_argument("--policy", default="gold", help="a shipped policy name or a policy file")
    parser.add_argument("--dataset", default="swe-mini", help="whose issues tell the instances apart")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each completion takes")
    args = parser.parse_args(argv)
    from sweagent.datasets import load_dataset

    policy = ScriptedModel.from_spec(args.policy).policy
    instances = load_dataset(args.dataset).instances
    server = WindowedChatServer(args.window, policy, instances, port=args.port, latency=args.latency)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(on_ready=lambda url: print(url, flush=True)))


if __name__ == "__main__":
    main()
