"""The bot's update queue with getUpdates long-poll semantics (and the store a webhook delivers from): the
practice server's (bot/practice/server.py) and the test fake's (testkit/fakebot)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from bot.practice.sync import Signal

# What Telegram sends when allowed_updates is empty or was never set.
DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}


def kind_of(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    def __init__(self) -> None:
        # unconfirmed updates by id, oldest first: (update, chat id); a dict so that a webhook can
        # confirm any one of them, not only the oldest
        self._pending: dict[int, tuple[dict[str, Any], int]] = {}
        self._ids = itertools.count(1)
        self._signal = Signal()
        self._allowed: set[str] | None = None  # None: Telegram's default set
        self._releases = 0  # bumped to end every long poll in progress
        self.queued_at: dict[int, float] = {}
        self.delivered_at: dict[int, float] = {}
        self.last_delivered_by_chat: dict[int, int] = {}
        # set while a webhook is active: told of every new update (testkit/fakebot/webhook.py)
        self.listener: Callable[[dict[str, Any], int], None] | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, kind: str, payload: dict[str, Any], chat_id: int) -> dict[str, Any]:
        update = {"update_id": next(self._ids), kind: payload}
        self._pending[update["update_id"]] = (update, chat_id)
        self.queued_at[update["update_id"]] = time.monotonic()
        self._signal.notify()
        if self.listener is not None:
            self.listener(update, chat_id)
        return update

    def clear(self) -> None:
        self._pending.clear()

    def items(self) -> list[tuple[dict[str, Any], int]]:
        """Every unconfirmed update with its chat id, oldest first."""
        return list(self._pending.values())

    def confirm(self, update_id: int) -> None:
        """One update acknowledged (a webhook's 2xx answer): it is never delivered again."""
        self._pending.pop(update_id, None)

    def is_pending(self, update_id: int) -> bool:
        return update_id in self._pending

    def set_allowed(self, allowed: list[str] | None) -> None:
        """allowed_updates of getUpdates or setWebhook; None keeps the previous setting."""
        if allowed is not None:
            self._allowed = set(allowed) or None

    def wanted(self, update: dict[str, Any]) -> bool:
        kind = kind_of(update)
        return kind in self._allowed if self._allowed else kind not in DEFAULT_EXCLUDED

    def mark_delivered(self, update: dict[str, Any], chat_id: int, now: float) -> None:
        update_id = update["update_id"]
        self.delivered_at.setdefault(update_id, now)
        if update_id > self.last_delivered_by_chat.get(chat_id, 0):
            self.last_delivered_by_chat[chat_id] = update_id

    def release_waiters(self) -> None:
        """End every long poll in progress with an empty answer (server shutdown)."""
        self._releases += 1
        self._signal.notify()

    async def get(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        self.set_allowed(allowed)
        self._confirm(offset)
        releases = self._releases
        await self._signal.wait_for(
            lambda: releases != self._releases or self._drop_unwanted(), timeout
        )
        if releases != self._releases:
            return []
        batch = list(itertools.islice(self._pending.values(), max(1, min(limit, 100))))
        now = time.monotonic()
        for update, chat_id in batch:
            self.mark_delivered(update, chat_id, now)
        return [update for update, _ in batch]

    def _confirm(self, offset: int | None) -> None:
        """Forget updates the bot has confirmed, as Telegram does."""
        if offset is None:
            return
        if offset < 0:
            while len(self._pending) > -offset:
                del self._pending[next(iter(self._pending))]
            return
        while self._pending and next(iter(self._pending)) < offset:
            del self._pending[next(iter(self._pending))]

    def _drop_unwanted(self) -> bool:
        """Drop updates of types the bot did not subscribe to; True if any remain."""
        if not all(self.wanted(update) for update, _ in self._pending.values()):
            self._pending = {uid: item for uid, item in self._pending.items() if self.wanted(item[0])}
        return bool(self._pending)
