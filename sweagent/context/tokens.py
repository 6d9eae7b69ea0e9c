"""Token counts: the serving model's tokenizer through vLLM's `/tokenize`, or a stated approximation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Protocol

import aiohttp

__all__ = [
    "APPROXIMATION",
    "ApproximateCounter",
    "TokenCounter",
    "VllmTokenizeCounter",
    "approximate_tokens",
    "token_counter_for",
]

APPROXIMATION = "approximate: 1 token per 4 characters"
"""How tokens are counted when no endpoint can tokenize (code averages 3-4 characters a token)."""


def approximate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


class TokenCounter(Protocol):
    method: str
    """What the counts come from, written to the scan record."""

    async def count(self, texts: Sequence[str]) -> list[int]: ...

    async def close(self) -> None: ...


class ApproximateCounter:
    """Counts 1 token per 4 characters; no model needed."""

    method = APPROXIMATION

    async def count(self, texts: Sequence[str]) -> list[int]:
        return [approximate_tokens(text) for text in texts]

    async def close(self) -> None:
        return None


class VllmTokenizeCounter:
    """The model's own tokenizer via vLLM's `POST /tokenize` (served next to `/v1`)."""

    def __init__(self, base_url: str, model: str, concurrency: int = 16, timeout: float = 30.0) -> None:
        self.url = base_url.rstrip("/").removesuffix("/v1") + "/tokenize"
        self.model = model
        self.method = f"tokenizer of {model} via {self.url}"
        self._limit = asyncio.Semaphore(concurrency)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def one(self, text: str) -> int:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with (
            self._limit,
            self._session.post(self.url, json={"model": self.model, "prompt": text}) as reply,
        ):
            reply.raise_for_status()
            data = json.loads(await reply.read())
        return int(data["count"])

    async def count(self, texts: Sequence[str]) -> list[int]:
        return list(await asyncio.gather(*(self.one(text) for text in texts)))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def token_counter_for(base_url: str | None, model: str) -> TokenCounter:
    """vLLM's tokenizer when the endpoint answers `/tokenize`, else the approximation."""
    if not base_url:
        return ApproximateCounter()
    counter = VllmTokenizeCounter(base_url, model)
    try:
        await counter.one("probe")
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
        await counter.close()
        return ApproximateCounter()
    return counter
