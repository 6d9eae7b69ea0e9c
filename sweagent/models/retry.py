"""Retry decisions for HTTP model calls: which failures are transient, and how long to wait."""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Backoff", "Transient", "is_context_length_message", "retry_after_seconds"]

_CONTEXT_LENGTH = re.compile(
    r"context length|context window|context size|maximum context|too many tokens|prompt is too long"
    r"|maximum (?:input |prompt )?length|exceeds the (?:model'?s? )?(?:maximum|context)",
    re.IGNORECASE,
)


class Transient(Exception):
    """An attempt failed in a way a later attempt may not: 429, 5xx, timeout, refused, garbage."""

    def __init__(self, cause: str, detail: str, after: float | None = None) -> None:
        super().__init__(f"{cause}: {detail}")
        self.cause = cause
        """Short class of failure (`429`, `500`, `timeout`, `connection`, `garbage`)."""
        self.detail = detail
        self.after = after
        """Seconds the server asked us to wait (Retry-After), if it did."""


def is_context_length_message(message: str) -> bool:
    """Whether an endpoint's 400 message says the prompt does not fit the context."""
    return bool(_CONTEXT_LENGTH.search(message))


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (seconds or an HTTP date); None if absent."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class Backoff:
    """Jittered exponential backoff: attempt k waits uniform(0.5, 1) x min(maximum, initial x 2^k)."""

    initial: float = 0.5
    maximum: float = 30.0

    def delay(self, attempt: int, server_hint: float | None, rng: random.Random) -> float:
        """The wait before retry number `attempt` (from 0); a server's Retry-After is a floor."""
        ceiling = min(self.maximum, self.initial * 2 ** min(attempt, 30))
        jittered = ceiling * rng.uniform(0.5, 1.0)
        if server_hint is None:
            return jittered
        # Honour the server, with a little jitter so a burst of 429s does not come back in step.
        return server_hint + rng.uniform(0.0, min(0.1, self.initial))
