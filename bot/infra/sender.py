"""The one place every Bot API call passes through: pacing, retries after 429 and network faults, and texts
fitted to Telegram's limits.

Telegram asks bots to stay under about 30 messages a second overall and about one a second in any one chat
(short bursts tolerated; 20 a minute in a group); past that it answers 429 with `retry_after`. Both are paced
here: a broadcast's progress and summary sent to the organizer back to back, or the replies to a person who
types fast, would otherwise meet the per-chat limit. A 429 that still comes is waited out, as often as it
comes, within FLOOD_BUDGET: it says "later", never "no", so it is never the reason a person is told the
system failed (bot/infra/webhook.py FAULT_NOTICE). Network faults and 5xx answers are retried with back-off for a
time budget: two minutes for a message (a Bot API outage of half a minute, seen in production now and then,
must not lose a reply), half a minute for other calls. A text longer than Telegram takes is split or
shortened (bot/infra/long_text.py) instead of being refused. Presses made by typing (see bot.screens.ui) have no real
callback query to answer.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.infra.long_text import fit
from bot.screens.ui import TYPED_PREFIX
from bot.infra.webhook import note_sent

log = logging.getLogger(__name__)

SENDING = ("Send", "Copy", "Forward", "Edit")
SEND_BUDGET = 120.0  # seconds a message is retried through network faults and 5xx answers
OTHER_BUDGET = 30.0  # other calls (commands, files, callback answers, which expire anyway)
FLOOD_BUDGET = 300.0  # seconds of 429 waits a call may sit through before it gives up
OVERALL_BURST = 0.5  # seconds' worth of the overall rate sent at once: Telegram counts a message when it arrives,
# and messages paced 1/30 s apart here can arrive closer together (network and loop jitter); at the full
# second's burst the two buckets run empty together and the first early arrival meets a 429. Half a second's
# burst leaves Telegram's bucket half full for that jitter; the steady rate stays 30 a second.
PER_CHAT = (1.0, 3)  # messages a second in one chat, and the burst a quiet chat may send at once
PER_GROUP = (20 / 60, 3)  # the same in a group: 20 a minute
CHATS_KEPT = 10_000  # chat buckets kept at most (idle ones are dropped long before)


class RateLimiter:
    """A token bucket: `rate` calls a second on average, up to `burst` at once (one second's worth)."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate if burst is None else burst)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.held_until = 0.0
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self.lock:
            while True:
                now = time.monotonic()
                if now < self.held_until:  # Telegram said "retry after" for this chat
                    await asyncio.sleep(self.held_until - now)
                    continue
                self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.updated) * self.rate)
                self.updated = max(self.updated, now)
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)

    def answered(self) -> None:
        """Telegram counts a message when it arrives, somewhere between our acquire and its answer; counting it
        from the answer (the refill in between is dropped) keeps this bucket behind Telegram's, never ahead."""
        self.updated = max(self.updated, time.monotonic())

    def hold(self, seconds: float) -> None:
        self.held_until = max(self.held_until, time.monotonic() + seconds)

    def idle(self, now: float) -> bool:
        """Full again and nobody waiting: the same as a new bucket."""
        return (not self.lock.locked() and now >= self.held_until
                and self.tokens + (now - self.updated) * self.rate >= self.capacity)


class ChatPacing:
    """One bucket per chat, least recently used first; a bucket that has filled up again is dropped, so 5,000
    delegates who each got one reminder leave nothing behind."""

    def __init__(self, per_chat: tuple[float, int] | None = PER_CHAT, per_group: tuple[float, int] = PER_GROUP,
                 kept: int = CHATS_KEPT) -> None:
        self.per_chat, self.per_group, self.kept = per_chat, per_group, kept
        self.buckets: OrderedDict[int | str, RateLimiter] = OrderedDict()

    def bucket(self, chat_id: int | str | None) -> RateLimiter | None:
        if self.per_chat is None or chat_id is None:
            return None
        bucket = self.buckets.get(chat_id)
        if bucket is None:
            self._evict()
            private = isinstance(chat_id, int) and chat_id > 0  # groups and channels have negative ids
            bucket = self.buckets[chat_id] = RateLimiter(*(self.per_chat if private else self.per_group))
        self.buckets.move_to_end(chat_id)
        return bucket

    def _evict(self) -> None:
        now = time.monotonic()
        while self.buckets:
            chat_id, oldest = next(iter(self.buckets.items()))
            if not oldest.idle(now) and len(self.buckets) < self.kept:
                return
            del self.buckets[chat_id]


class ReliableSender(BaseRequestMiddleware):
    """rate_per_second 0 turns pacing off (overall and per chat); per_chat None paces only overall (Zalo,
    which publishes no per-chat limit); fit_texts False leaves long texts to the channel (Zalo splits its own)."""

    def __init__(self, rate_per_second: float = 30.0, *, send_budget: float = SEND_BUDGET,
                 other_budget: float = OTHER_BUDGET, max_backoff: float = 10.0, flood_budget: float = FLOOD_BUDGET,
                 per_chat: tuple[float, int] | None = PER_CHAT, fit_texts: bool = True) -> None:
        self.limiter = RateLimiter(rate_per_second, rate_per_second * OVERALL_BURST)
        self.chats = ChatPacing(per_chat if rate_per_second > 0 else None)
        self.send_budget, self.other_budget = send_budget, other_budget
        self.max_backoff, self.flood_budget = max_backoff, flood_budget
        self.fit_texts = fit_texts
        self.stats = {"429": 0, "network": 0, "split": 0, "shortened": 0}
        # aiogram reads every answer as Response[<result type>]; pydantic keeps those classes only
        # weakly and rebuilt one for most calls (a tenth of the bot's time under load). Hold them.
        self._response_types: dict[object, type] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Any:
        if isinstance(method, AnswerCallbackQuery) and method.callback_query_id.startswith(TYPED_PREFIX):
            return True
        if method.__returning__ not in self._response_types:  # getUpdates' answers too
            self._response_types[method.__returning__] = Response[method.__returning__]
        if isinstance(method, GetUpdates):  # the polling loop has its own back-off
            return await make_request(bot, method)
        calls = fit(bot, method) if self.fit_texts else [method]
        if len(calls) == 1 and calls[0] is method:
            return await self.deliver(make_request, bot, method)
        self.stats["split" if len(calls) > 1 else "shortened"] += 1
        log.info("%s too long for Telegram: sent as %d part(s)", type(method).__name__, len(calls))
        results = [await self.deliver(make_request, bot, call) for call in calls]
        # a message's last part carries its keyboard (a menu is edited there later); a photo's is the photo
        return results[-1] if isinstance(method, SendMessage) else results[0]

    async def deliver(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                      method: TelegramMethod[TelegramType]) -> Any:
        paced = type(method).__name__.startswith(SENDING)
        chat = self.chats.bucket(getattr(method, "chat_id", None)) if paced else None
        started: float | None = None  # the budgets count from the first attempt, not from a wait in the queue
        faults = 0
        while True:
            try:
                result = await self.attempt(make_request, bot, method, paced, chat)
                if paced:
                    note_sent()  # the update being handled has shown the person something (bot/infra/webhook.py)
                return result
            except TelegramBadRequest as exc:
                if isinstance(method, AnswerCallbackQuery) and "query is too old" in exc.message:
                    # the press waited too long (a busy bot, a restart): Telegram no longer takes the
                    # answer, but what the handler does next still matters
                    log.info("late answer to callback query %s ignored", method.callback_query_id)
                    return True
                raise
            except TelegramRetryAfter as exc:
                self.stats["429"] += 1
                started = started or time.monotonic()
                if time.monotonic() + exc.retry_after > started + self.flood_budget:
                    raise
                log.warning("%s: 429, waiting %s s", type(method).__name__, exc.retry_after)
                if chat is not None:
                    chat.hold(exc.retry_after)  # the chat's other messages wait too, as Telegram asks
                await asyncio.sleep(exc.retry_after)
            except (TelegramNetworkError, TelegramServerError) as exc:
                faults += 1
                self.stats["network"] += 1
                started = started or time.monotonic()
                delay = min(self.max_backoff, 0.5 * 2 ** (faults - 1))
                if time.monotonic() + delay > started + (self.send_budget if paced else self.other_budget):
                    raise
                log.warning("%s failed (%s), retry %d in %.1f s", type(method).__name__, exc, faults, delay)
                await asyncio.sleep(delay)

    async def attempt(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                      method: TelegramMethod[TelegramType], paced: bool, chat: RateLimiter | None) -> Any:
        if chat is not None:
            await chat.acquire()  # first the chat's own pace, so a chat that waits holds no overall slot
        if paced:
            await self.limiter.acquire()
        try:
            return await make_request(bot, method)
        finally:
            if chat is not None:
                chat.answered()
