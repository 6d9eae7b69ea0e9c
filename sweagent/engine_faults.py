"""Docker engine faults as the stages see them: retried while they may clear, then the run stops.

A restarted engine refuses connections for a few seconds and comes back with every container
stopped. Work that meets that is retried (`sandbox.transient`) for `sandbox.retry_seconds`; a fault
that outlasts the budget stops the run with `EngineDown` (exit code 3) instead of being recorded as
an instance's or a trajectory's result, so the same command later redoes exactly what was lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from docker import DockerClient

from sandbox.engine import connect
from sandbox.transient import RetryPolicy, SandboxFault, retry_transient
from sweagent.errors import EngineDown

__all__ = ["connect_retrying", "engine_down", "retrying"]

T = TypeVar("T")


def engine_down(err: BaseException, what: str) -> EngineDown:
    """The error that stops the run for a transient fault `err` that outlasted its retries."""
    return EngineDown(f"{what}: the Docker engine stayed unavailable past the retry budget ({err})")


def retrying(operation: Callable[[], T], seconds: float, what: str) -> T:
    """`operation()` with transient engine faults retried for `seconds`; EngineDown past them."""
    try:
        return retry_transient(operation, RetryPolicy(seconds=seconds), what)
    except SandboxFault as err:
        raise engine_down(err, what) from err


def connect_retrying(seconds: float) -> DockerClient:
    """A client of the engine, waiting up to `seconds` for it to answer (it may be restarting)."""
    return retrying(connect, seconds, "connecting to the Docker engine")
