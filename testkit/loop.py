"""How freely the event loop runs while a test waits on something: a loop that is stopped (a blocking call on its
thread) counts fewer ticks."""
from __future__ import annotations

import asyncio


class LoopTicks:
    """Counts 10 ms sleeps of the loop while inside `async with`."""

    def __init__(self) -> None:
        self.count = 0
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> LoopTicks:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *_exc) -> None:
        self._task.cancel()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.count += 1
