"""The bot's update queue with getUpdates long-poll semantics."""

from __future__ import annotations

import itertools
import time
from collections import deque
from typing import Any

from .sync import Signal

# What Telegram sends when allowed_updates is empty or was never set.
DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}


def _kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: deque[tuple[dict[str, Any], int]] = deque()  # (update, chat id)
        self._ids = itertools.count(1)
        self._signal = Signal()
        self._allowed: set[str] | None = None  # None: Telegram's default set
        self._releases = 0  # bumped to end every long poll in progress
        self.queued_at: dict[int, float] = {}
        self.delivered_at: dict[int, float] = {}
        self.last_delivered_by_chat: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, kind: str, payload: dict[str, Any], chat_id: int) -> dict[str, Any]:
        update = {"update_id": next(self._ids), kind: payload}
        self._pending.append((update, chat_id))
        self.queued_at[update["update_id"]] = time.monotonic()
        self._signal.notify()
        return update

    def clear(self) -> None:
        self._pending.clear()

    def release_waiters(self) -> None:
        """End every long poll in progress with an empty answer (server shutdown)."""
        self._releases += 1
        self._signal.notify()

    async def get(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        if allowed is not None:
            self._allowed = set(allowed) or None
        self._confirm(offset)
        releases = self._releases
        await self._signal.wait_for(
            lambda: releases != self._releases or self._drop_unwanted(), timeout
        )
        if releases != self._releases:
            return []
        batch = list(itertools.islice(self._pending, max(1, min(limit, 100))))
        now = time.monotonic()
        for update, chat_id in batch:
            update_id = update["update_id"]
            self.delivered_at.setdefault(update_id, now)
            if update_id > self.last_delivered_by_chat.get(chat_id, 0):
                self.last_delivered_by_chat[chat_id] = update_id
        return [update for update, _ in batch]

    def _confirm(self, offset: int | None) -> None:
        """Forget updates the bot has confirmed, as Telegram does."""
        if offset is None:
            return
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0][0]["update_id"] < offset:
            self._pending.popleft()

    def _drop_unwanted(self) -> bool:
        """Drop updates of types the bot did not subscribe to; True if any remain."""
        def wanted(kind: str) -> bool:
            return kind in self._allowed if self._allowed else kind not in DEFAULT_EXCLUDED

        if not all(wanted(_kind(update)) for update, _ in self._pending):
            self._pending = deque(item for item in self._pending if wanted(_kind(item[0])))
        return bool(self._pending)
