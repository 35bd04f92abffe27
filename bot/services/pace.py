"""A sliding window per person: at most `most` events in any `window` seconds (searches at the desk, wrong
codes typed). Kept in the process's memory, by whoever owns it (the dispatcher): a restart forgets it."""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable


class Pace:
    def __init__(self, most: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.most, self.window, self.clock = most, window, clock
        self._events: dict[int, deque[float]] = {}

    def wait(self, who: int) -> int:
        """0 when `who` may go ahead, else the whole seconds until they may (nothing is counted)."""
        now = self.clock()
        events = self._events.get(who)
        while events and events[0] <= now - self.window:
            events.popleft()
        if events is not None and not events:
            del self._events[who]  # a person seen once must not stay in memory for good
        elif events is not None and len(events) >= self.most:
            return max(1, math.ceil(events[0] + self.window - now))
        return 0

    def note(self, who: int) -> None:
        self._events.setdefault(who, deque()).append(self.clock())

    def take(self, who: int) -> int:
        """As `wait`, and the event is counted when it may go ahead. A refused one is not counted, so waiting
        out the window is always enough."""
        seconds = self.wait(who)
        if not seconds:
            self.note(who)
        return seconds

    def forget(self, who: int) -> None:
        self._events.pop(who, None)
