"""`PrioritySlots`: a bound on work held at once, whose freed slots go to the most urgent waiter.

The flowing order shares the sandbox bound between generation and selection. With first-come
slots an instance that finished generating would queue behind every instance still waiting to
generate, and selection would start only when generation was nearly over: the stage-by-stage order
again. Here a freed slot goes to the waiter with the lowest priority number (a later stage), then
to the one that came first.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count

__all__ = ["PrioritySlots"]


class PrioritySlots:
    """At most `limit` holders at once, on one event loop."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            msg = f"a bound must allow at least 1 holder, not {limit}"
            raise ValueError(msg)
        self._free = limit
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = count()

    @asynccontextmanager
    async def hold(self, priority: int) -> AsyncIterator[None]:
        """Hold a slot inside the block, waiting for one as `priority` (lower goes first)."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: int) -> None:
        if self._free > 0 and not any(not waiter.done() for _, _, waiter in self._waiters):
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._arrivals), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over just as the waiter was cancelled
            raise

    def _release(self) -> None:
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the waiter
                return
        self._free += 1
