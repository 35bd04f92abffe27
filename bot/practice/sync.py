"""Wake-ups between the HTTP handlers and tests, without polling on a timer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Signal:
    """Like asyncio.Condition, but notify() is synchronous and needs no lock.

    Producers (tests pushing updates, handlers storing messages) are plain
    functions, so they cannot ``async with`` a condition.
    """

    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None

    def notify(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        self._waiter = None

    async def wait_for(self, predicate: Callable[[], T], timeout: float) -> T:
        """Wait until predicate() is truthy or timeout passes; return its last value."""
        deadline = time.monotonic() + timeout
        while not (result := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return result
            if self._waiter is None:
                self._waiter = asyncio.get_running_loop().create_future()
            # asyncio.wait, unlike wait_for, leaves the shared future uncancelled on timeout.
            await asyncio.wait([self._waiter], timeout=remaining)
        return result
