"""How one chat-completion POST reaches an endpoint: the `openai` SDK (default) or aiohttp.

A transport sends the JSON body and returns the raw response body. It reports an HTTP error
status as `HttpStatusError` and a timeout or an unreachable server as `Transient`; deciding what
to retry is the model's job. The aiohttp transport spends about a quarter of the SDK's CPU per
call, which matters when many short calls run at once (see bench/orchestration.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from sweagent.models.retry import Transient

__all__ = [
    "AiohttpTransport",
    "HttpStatusError",
    "OpenAITransport",
    "Transport",
    "TransportName",
    "make_transport",
]

TransportName = Literal["openai", "aiohttp"]


class HttpStatusError(Exception):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str]) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.headers = headers


class Transport(Protocol):
    base_url: str

    async def post_chat(self, body: dict[str, Any]) -> bytes:
        """POST to `{base_url}/chat/completions`; the raw body of a 2xx answer."""
        ...

    async def close(self) -> None: ...


class OpenAITransport:
    """The `openai` package's async client with its own retries off."""

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        import openai

        self.base_url = base_url
        self._openai = openai
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)

    async def post_chat(self, body: dict[str, Any]) -> bytes:
        openai = self._openai
        try:
            # The generic `post` skips the SDK's walk over the typed parameters (milliseconds of
            # CPU for a long conversation); the model parses the body itself.
            return await self.client.post("/chat/completions", cast_to=bytes, body=body)
        except openai.APIStatusError as err:
            raise HttpStatusError(err.status_code, err.message, err.response.headers) from err
        except openai.APITimeoutError as err:
            raise Transient(cause="timeout", detail=f"no answer from {self.base_url} in time") from err
        except openai.APIConnectionError as err:
            detail = f"cannot reach {self.base_url} ({err.__cause__ or err})"
            raise Transient(cause="connection", detail=detail) from err

    async def close(self) -> None:
        await self.client.close()


def _error_message(content: bytes) -> str:
    try:
        data = json.loads(content)
    except ValueError:
        return content[:200].decode("utf-8", "replace")
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        return str(error.get("message") or data)
    return str(error)


class AiohttpTransport:
    """A lean aiohttp session, for many concurrent short calls."""

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self.timeout = timeout
        self._session: Any = None

    async def post_chat(self, body: dict[str, Any]) -> bytes:
        import aiohttp

        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        try:
            async with self._session.post(self.url, data=json.dumps(body), headers=self.headers) as response:
                content: bytes = await response.read()
                if response.status >= 400:
                    raise HttpStatusError(response.status, _error_message(content), response.headers)
                return content
        except TimeoutError as err:
            raise Transient(cause="timeout", detail=f"no answer from {self.base_url} in time") from err
        except aiohttp.ClientError as err:
            raise Transient(cause="connection", detail=f"cannot reach {self.base_url} ({err})") from err

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def make_transport(name: TransportName, base_url: str, api_key: str, timeout: float) -> Transport:
    """The named transport for one endpoint."""
    if name == "aiohttp":
        return AiohttpTransport(base_url, api_key, timeout)
    return OpenAITransport(base_url, api_key, timeout)
