"""Engine-level faults that may clear (engine restarting, container gone, connection reset), retried.

A command that fails is the command's business; an engine that cannot run it is not. Callers run
one whole unit of sandbox work (borrow, apply, run) under `retry_transient`: a transient fault gives
the sandbox back (the pool replaces a container that is gone), waits with backoff and tries again
until `RetryPolicy.seconds` have passed, then raises `SandboxFault` naming the last cause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import docker.errors
import requests.exceptions

from sandbox.errors import EngineUnavailable, SandboxClosed, SandboxError
from sandbox.result import ExecResult

__all__ = ["RetryPolicy", "SandboxFault", "check_infra", "is_transient", "retry_transient"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SandboxFault(SandboxError, ConnectionError):
    """The engine could not run a command (the container vanished, the connection broke)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long transient faults are retried, and the backoff between attempts."""

    seconds: float = 120.0
    """Give up once a fault has persisted this long (0: never retry)."""
    first_delay: float = 0.5
    max_delay: float = 10.0


def is_transient(err: BaseException) -> bool:
    """Whether `err` is a fault of the engine or container that may clear, not of the work itself."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, SandboxClosed) and "pool is closed" in str(seen):
            return False
        if isinstance(seen, SandboxFault | EngineUnavailable | SandboxClosed | ConnectionError):
            return True
        if isinstance(seen, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
            return True
        if isinstance(seen, docker.errors.NotFound) and "container" in str(seen).lower():
            return True
        if isinstance(seen, docker.errors.APIError) and (
            seen.is_server_error() or "is not running" in str(seen) or "is restarting" in str(seen)
        ):
            return True
        seen = seen.__cause__
    return False


def check_infra(result: ExecResult) -> ExecResult:
    """`result`, or SandboxFault when the engine failed to run the command at all."""
    if result.infra_error is not None:
        raise SandboxFault(result.infra_error)
    return result


def retry_transient(operation: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """`operation()`, tried again after transient faults until they persist `policy.seconds`."""
    started = time.monotonic()
    delay = policy.first_delay
    attempt = 1
    while True:
        try:
            return operation()
        except Exception as err:
            if not is_transient(err):
                raise
            waited = time.monotonic() - started
            if waited + delay > policy.seconds:
                msg = f"{what}: the sandbox fault persisted for {waited:.0f} s ({attempt} attempts): {err}"
                raise SandboxFault(msg) from err
            logger.warning("%s: transient sandbox fault (attempt %d), retrying: %s", what, attempt, err)
        time.sleep(delay)
        delay = min(delay * 2, policy.max_delay)
        attempt += 1
