"""`OpenAICompatModel`: vLLM's server or any OpenAI-compatible endpoint, with our own retries."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sweagent.config import ModelConfig
from sweagent.errors import ConfigError, ContextLengthExceeded, ModelError, ModelUnavailable
from sweagent.models.guidance import Guidance
from sweagent.models.outage import OutageClock
from sweagent.models.protocol import ModelRequest, ModelResponse
from sweagent.models.retry import Backoff, Transient, is_context_length_message, retry_after_seconds
from sweagent.models.scripted import estimate_tokens
from sweagent.models.transports import HttpStatusError, Transport, TransportName, make_transport
from sweagent.records import Usage

__all__ = ["DEFAULT_BACKOFF", "Endpoint", "OpenAICompatModel", "parse_completion"]

GARBAGE_LIMIT = 3
"""Unusable bodies tolerated per call before the endpoint is declared broken."""
DEFAULT_BACKOFF = Backoff()
DOWN_SECONDS = 5.0
"""How long an endpoint that refused a connection is passed over while others are up."""
REFUSED_POLL_SECONDS = 5.0
"""Longest wait between two attempts on a refused connection: cheap to try, and a server that
comes back is used again within this time."""

logger = logging.getLogger(__name__)


class Endpoint:
    """One server: its client, a concurrency limit and the requests outstanding on it."""

    def __init__(self, transport: Transport, max_concurrency: int, retry_seconds: float) -> None:
        self.base_url = transport.base_url
        self.transport = transport
        self.semaphore = asyncio.Semaphore(max_concurrency)
        self.outstanding = 0
        """Requests sent or waiting for the semaphore: the balancing load."""
        self.picks = 0
        self.down_until = 0.0
        self.clock = OutageClock(transport.base_url, retry_seconds)


@dataclass(frozen=True)
class _Reply:
    texts: list[str]
    finish_reasons: list[str | None]
    usage: Usage


def parse_completion(content: bytes) -> _Reply:
    """The choices (by index) and usage of a chat-completion body; `Transient` if unusable."""
    try:
        data = json.loads(content)
    except ValueError as err:
        raise Transient(cause="garbage", detail=f"body is not JSON ({err}): {content[:80]!r}") from err
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        raise Transient(cause="garbage", detail=f"body has no choices: {content[:80]!r}")
    texts: list[str] = []
    reasons: list[str | None] = []
    try:
        for choice in sorted(choices, key=lambda c: int(c.get("index", 0))):
            text = choice["message"].get("content")
            texts.append(text if isinstance(text, str) else "")
            reasons.append(choice.get("finish_reason"))
        raw_usage: Any = data.get("usage") or {}
        details = raw_usage.get("prompt_tokens_details") or {}
        usage = Usage(
            prompt_tokens=int(raw_usage.get("prompt_tokens") or 0),
            completion_tokens=int(
                raw_usage.get("completion_tokens") or sum(estimate_tokens(t) for t in texts)
            ),
            cached_tokens=int(details.get("cached_tokens") or 0),
            calls=1,
        )
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise Transient(cause="garbage", detail=f"malformed body ({err!r}): {content[:80]!r}") from err
    return _Reply(texts, reasons, usage)


class OpenAICompatModel:
    """Chat completions against one or more endpoints serving the same model.

    Transient failures (429, 5xx, timeouts, refused connections, unusable bodies) are retried with
    jittered exponential backoff; they are counted in `retries`, never as failures. The retry budget
    (`retry_seconds`) is each endpoint's outage clock, shared by all calls (`sweagent.models.outage`):
    once every endpoint has failed for that long with no success, `ModelUnavailable` is raised, and
    from then on at once. A context-length rejection raises `ContextLengthExceeded` at once; other
    4xx raise `ModelError` at once.
    """

    def __init__(
        self,
        name: str,
        base_urls: list[str],
        *,
        api_key: str = "EMPTY",
        timeout: float = 600.0,
        max_concurrency: int = 64,
        max_tokens: int = 4096,
        retry_seconds: float = 900.0,
        backoff: Backoff = DEFAULT_BACKOFF,
        transport: TransportName = "openai",
        seed: int | None = None,
        guidance: Guidance | None = None,
    ) -> None:
        if not base_urls:
            msg = f"model {name!r} needs a base_url (an OpenAI-compatible endpoint such as vLLM's)"
            raise ConfigError(msg)
        self.name = name
        self.endpoints = [
            Endpoint(make_transport(transport, url, api_key, timeout), max_concurrency, retry_seconds)
            for url in base_urls
        ]
        self.max_tokens = max_tokens
        self.retry_seconds = retry_seconds
        self.backoff = backoff
        self.retries: Counter[str] = Counter()
        """Transient failures retried, by cause: never counted as task failures."""
        self.split_samples = False
        """Set once a server answered fewer choices than `n`: later calls ask one sample at a time."""
        self._rng = random.Random(seed)
        self.unavailable: str | None = None
        """Why the model was declared unavailable; from then on every call fails at once."""
        self.guidance = guidance
        """Grammar fields for the request body (`models.<role>.guided`); None sends none."""

    @classmethod
    def from_config(cls, config: ModelConfig, backoff: Backoff = DEFAULT_BACKOFF) -> OpenAICompatModel:
        urls = [u for u in [config.base_url, *config.extra_base_urls] if u]
        api_key = os.environ.get(config.api_key_env) or "EMPTY"
        return cls(
            config.name,
            urls,
            api_key=api_key,
            timeout=config.timeout,
            max_concurrency=config.max_concurrency,
            max_tokens=config.max_tokens,
            retry_seconds=config.retry_seconds,
            backoff=backoff,
            transport=config.transport,
            guidance=Guidance(config.guided_backend, api_key) if config.guided else None,
        )

    async def complete(self, request: ModelRequest) -> ModelResponse:
        started = time.monotonic()
        replies = [] if self.split_samples and request.n > 1 else [await self._call(request, request.n)]
        have = sum(len(r.texts) for r in replies)
        if have < request.n:
            if replies:
                self.split_samples = True
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._call(request, 1)) for _ in range(request.n - have)]
            replies += [task.result() for task in tasks]
        texts = [t for r in replies for t in r.texts][: request.n]
        reasons = [f for r in replies for f in r.finish_reasons][: request.n]
        usage = sum((r.usage for r in replies), Usage())
        usage = usage.model_copy(update={"seconds": time.monotonic() - started})
        return ModelResponse(choices=tuple(texts), usage=usage, finish_reasons=tuple(reasons))

    async def _call(self, request: ModelRequest, n: int) -> _Reply:
        attempt = 0
        garbage = 0
        while True:
            if self.unavailable is not None:
                raise ModelUnavailable(self.unavailable)
            endpoint = self._pick()
            started = time.monotonic()
            try:
                reply = await self._attempt(endpoint, request, n)
            except Transient as failure:
                self.retries[failure.cause] += 1
                if failure.cause == "garbage":
                    garbage += 1
                    if garbage >= GARBAGE_LIMIT:
                        msg = f"model {self.name}: {garbage} unusable response bodies; last: {failure}"
                        raise ModelError(msg) from failure
                else:
                    endpoint.clock.failed(failure.cause, failure.detail, started)
                if all(e.clock.expired() for e in self.endpoints):
                    raise ModelUnavailable(self._give_up()) from failure
                delay = self.backoff.delay(attempt, failure.after, self._rng)
                if failure.cause == "connection":
                    delay = min(delay, REFUSED_POLL_SECONDS)
                attempt += 1
                # Wake up when the budget runs out, so that a dead endpoint is declared on time.
                left = max(e.clock.remaining() for e in self.endpoints)
                await asyncio.sleep(min(delay, left + 0.01))
            else:
                endpoint.clock.succeeded()
                return reply

    def _give_up(self) -> str:
        """Declare the model unavailable (once) and say why; later calls fail at once with this."""
        if self.unavailable is None:
            reports = "; ".join(e.clock.report() for e in self.endpoints)
            self.unavailable = f"model {self.name} is unavailable: {reports}"
            logger.error("%s", self.unavailable)
        return self.unavailable

    def _pick(self) -> Endpoint:
        now = time.monotonic()
        up = [e for e in self.endpoints if e.down_until <= now] or self.endpoints
        chosen = min(up, key=lambda e: (e.outstanding, e.picks))
        chosen.picks += 1
        return chosen

    async def _attempt(self, endpoint: Endpoint, request: ModelRequest, n: int) -> _Reply:
        body: dict[str, Any] = {
            "model": self.name,
            "messages": list(request.messages),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens or self.max_tokens,
        }
        if n > 1:
            body["n"] = n
        if request.stop:
            body["stop"] = list(request.stop)
        if self.guidance is not None:
            body.update(await self.guidance.fields(endpoint.base_url, request.purpose, body["max_tokens"]))
        endpoint.outstanding += 1
        try:
            async with endpoint.semaphore:
                content = await endpoint.transport.post_chat(body)
        except HttpStatusError as err:
            raise self._classify(endpoint, err) from err
        except Transient as failure:
            if failure.cause == "connection":
                endpoint.down_until = time.monotonic() + DOWN_SECONDS
            raise
        finally:
            endpoint.outstanding -= 1
        return parse_completion(content)

    def _classify(self, endpoint: Endpoint, err: HttpStatusError) -> Exception:
        status = err.status
        where = f"model {self.name} at {endpoint.base_url}: HTTP {status}"
        if status == 429 or status >= 500 or status == 408:
            return Transient(str(status), err.message, retry_after_seconds(err.headers))
        if status in (400, 413, 422) and is_context_length_message(err.message):
            return ContextLengthExceeded(f"{where}: {err.message}")
        return ModelError(f"{where}: {err.message}")

    async def close(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.transport.close()
