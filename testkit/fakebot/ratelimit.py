"""Telegram-like flood control: token buckets, overall and per chat.

Telegram's guidance: about 30 messages a second overall, about one a second in a private chat (short bursts
tolerated), at most 20 a minute in a group (negative chat ids). Past a limit it answers 429 with retry_after,
and keeps refusing that chat until the announced time has passed."""

from __future__ import annotations

import math


class TokenBucket:
    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp: float | None = None

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available (0 if one is available now)."""
        # requests are admitted a little out of the order they arrived in (their bodies are read first);
        # time never runs backwards for the bucket
        elapsed = 0.0 if self.stamp is None else max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.stamp = now if self.stamp is None else max(self.stamp, now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class RateLimiter:
    def __init__(self, global_per_s: float, per_chat_per_s: float, per_chat_burst: int,
                 per_group_per_min: float = 20) -> None:
        self.per_chat_per_s = per_chat_per_s
        self.per_chat_burst = per_chat_burst
        self.per_group_per_min = per_group_per_min
        self._global = TokenBucket(global_per_s, global_per_s)
        self._chats: dict[int, TokenBucket] = {}
        self._penalty_until: dict[int, float] = {}

    def acquire(self, chat_id: int | None, now: float) -> int | None:
        """Take a send slot, or return retry_after (whole seconds, >= 1) if flooding."""
        if chat_id is not None and self._penalty_until.get(chat_id, 0.0) > now:
            # Telegram keeps refusing until the announced retry_after has passed.
            return max(1, math.ceil(self._penalty_until[chat_id] - now))
        buckets = [self._global]
        if chat_id is not None:
            if chat_id not in self._chats:
                group = chat_id < 0
                self._chats[chat_id] = TokenBucket(
                    self.per_group_per_min / 60 if group else self.per_chat_per_s,
                    self.per_group_per_min if group else self.per_chat_burst,
                )
            buckets.append(self._chats[chat_id])
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            if chat_id is not None:
                self._penalty_until[chat_id] = now + retry_after
            return retry_after
        for bucket in buckets:
            bucket.take()
        return None
