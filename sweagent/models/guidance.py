"""Guided decoding: which request fields hold a reply to its stage's grammar, on which servers.

`models.<role>.guided: true` turns it on. The server decides the fields:

- llama.cpp (llama-cpp-python's server, whose `/v1/models` says `owned_by: "me"`, or llama.cpp's own
  `llama-server`, `owned_by: "llamacpp"`): `grammar` holds a GBNF document;
- vLLM (`owned_by: "vllm"`): `structured_outputs: {"regex": ...}`, or `guided_regex` before 0.11
  (its `/version` tells);
- anything else: no field at all, and one warning per endpoint.

`guided_backend` names the server kind instead of asking it. Detection is asked once per endpoint;
a server that does not answer is asked again on the next request.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import urllib.request
from typing import Any, Literal

from sweagent.models.grammar import gbnf, regex
from sweagent.models.output_grammar import GUIDED_STAGES, stage_grammar
from sweagent.models.protocol import Purpose

__all__ = ["GuidedBackend", "Guidance", "backend_for", "guided_fields"]

logger = logging.getLogger(__name__)

GuidedBackend = Literal["auto", "llamacpp", "vllm", "vllm-legacy", "none"]
_OWNERS = {"me": "llamacpp", "llamacpp": "llamacpp", "vllm": "vllm"}
_STRUCTURED_OUTPUTS_SINCE = (0, 11)


@functools.lru_cache(maxsize=64)
def _rendered(backend: str, stage: str, max_tokens: int, first_turn: bool) -> str | None:
    root = stage_grammar(stage, max_tokens, first_turn)
    if root is None or backend == "none":
        return None
    return gbnf(root) if backend == "llamacpp" else regex(root)


def guided_fields(backend: str, stage: str, max_tokens: int, first_turn: bool = False) -> dict[str, Any]:
    """The body fields that hold a `stage` reply to its grammar on `backend`; empty when there are none."""
    grammar = _rendered(backend, stage, max_tokens, first_turn)
    if grammar is None:
        return {}
    if backend == "llamacpp":
        return {"grammar": grammar}
    if backend == "vllm-legacy":
        return {"guided_regex": grammar}
    return {"structured_outputs": {"regex": grammar}}


def _get_json(url: str, api_key: str, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def backend_for(base_url: str, api_key: str = "EMPTY", timeout: float = 5.0) -> str:
    """The guidance a server supports, from its `/models` (and vLLM's `/version`); OSError if it is down."""
    listing = _get_json(base_url.rstrip("/") + "/models", api_key, timeout)
    entries = listing.get("data") if isinstance(listing, dict) else None
    owners = {str(e.get("owned_by")) for e in entries or [] if isinstance(e, dict)}
    kind = next((_OWNERS[o] for o in sorted(owners) if o in _OWNERS), "none")
    if kind != "vllm":
        return kind
    root = base_url.rstrip("/").removesuffix("/v1")
    try:
        version = str(_get_json(root + "/version", api_key, timeout).get("version", ""))
    except (OSError, ValueError, AttributeError):
        return "vllm"
    return "vllm-legacy" if _version(version) < _STRUCTURED_OUTPUTS_SINCE else "vllm"


class Guidance:
    """Per model: the backend of each endpoint, found once, and the fields each request gets."""

    def __init__(self, backend: GuidedBackend = "auto", api_key: str = "EMPTY") -> None:
        self.backend = backend
        self.api_key = api_key
        self.found: dict[str, str] = {}
        """base_url -> the backend detected there."""
        self._asking = asyncio.Lock()

    async def fields(self, base_url: str, purpose: Purpose, max_tokens: int) -> dict[str, Any]:
        """What to add to the body of a request made for `purpose` and sent to `base_url`."""
        if purpose.stage not in GUIDED_STAGES:
            return {}
        backend = self.backend if self.backend != "auto" else await self._detect(base_url)
        return guided_fields(backend, purpose.stage, max_tokens, purpose.turn == 0) if backend else {}

    async def _detect(self, base_url: str) -> str | None:
        if base_url in self.found:
            return self.found[base_url]
        async with self._asking:  # concurrent first requests ask once (and warn once)
            if base_url in self.found:
                return self.found[base_url]
            return await self._ask(base_url)

    async def _ask(self, base_url: str) -> str | None:
        try:
            backend = await asyncio.to_thread(backend_for, base_url, self.api_key)
        except (OSError, ValueError) as err:
            logger.debug("guided decoding: cannot ask %s what it supports yet (%s)", base_url, err)
            return None
        if backend == "none":
            logger.warning(
                "guided decoding is on, but the server at %s is neither llama.cpp nor vLLM: "
                "its replies are not guided (set guided_backend to name the server kind)",
                base_url,
            )
        else:
            logger.info("guided decoding at %s: %s", base_url, backend)
        self.found[base_url] = backend
        return backend
