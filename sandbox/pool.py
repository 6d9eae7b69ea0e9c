"""A bounded pool of warm sandboxes of one kind, reset on return instead of recreated."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from sandbox.errors import SandboxClosed, SandboxError
from sandbox.protocol import Sandbox

__all__ = ["SandboxPool"]

S = TypeVar("S", bound=Sandbox)


class SandboxPool(Generic[S]):
    """At most `size` sandboxes from `factory`; `acquire()` lends one and resets it when given back.

    A sandbox whose reset fails is closed and replaced by a new one on a later acquire, so one
    broken container never poisons the pool.
    """

    def __init__(self, factory: Callable[[], S], size: int) -> None:
        if size < 1:
            msg = f"pool size must be at least 1, not {size}"
            raise ValueError(msg)
        self._factory = factory
        self._size = size
        self._idle: list[S] = []
        self._lent = 0
        self._closed = False
        self._cond = threading.Condition()

    @contextmanager
    def acquire(self, timeout: float | None = None) -> Iterator[S]:
        """Lend a pristine sandbox for the `with` block; wait while all `size` are lent."""
        sandbox = self._take(timeout)
        try:
            yield sandbox
        finally:
            self._give_back(sandbox)

    def _take(self, timeout: float | None) -> S:
        with self._cond:
            if not self._cond.wait_for(
                lambda: self._closed or self._idle or self._lent < self._size, timeout
            ):
                msg = f"no sandbox became free within {timeout} s"
                raise SandboxError(msg)
            if self._closed:
                msg = "the sandbox pool is closed"
                raise SandboxClosed(msg)
            self._lent += 1
            if self._idle:
                return self._idle.pop()
        try:
            return self._factory()
        except BaseException:
            with self._cond:
                self._lent -= 1
                self._cond.notify()
            raise

    def _give_back(self, sandbox: S) -> None:
        keep = not self._closed
        if keep:
            try:
                sandbox.reset()
            except (SandboxError, OSError):
                keep = False
        if not keep:
            sandbox.close()
        with self._cond:
            self._lent -= 1
            if keep and not self._closed:
                self._idle.append(sandbox)
            elif keep:
                sandbox.close()
            self._cond.notify()

    def warm(self, count: int | None = None) -> None:
        """Start sandboxes ahead of need (default: fill the pool)."""
        wanted = self._size if count is None else min(count, self._size)
        with self._cond:
            missing = wanted - len(self._idle) - self._lent
        for _ in range(max(0, missing)):
            sandbox = self._factory()
            with self._cond:
                self._idle.append(sandbox)

    def close(self) -> None:
        """Close the idle sandboxes now and the lent ones when they come back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for sandbox in idle:
            sandbox.close()

    def __enter__(self) -> SandboxPool[S]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
