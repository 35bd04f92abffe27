"""The one place every Bot API call passes through: pacing, and retries after 429 and network faults.

Telegram asks bots to stay under about 30 messages a second; past that it answers 429 with
`retry_after`. Waiting that long and sending again is the only way a burst of replies (300
delegates pressing /start at once) loses none. Network faults and 5xx answers are retried with
back-off for a time budget: two minutes for a message (a Bot API outage of half a minute, seen in
production now and then, must not lose a reply), half a minute for other calls. Presses made by
typing (see bot.ui) have no real callback query to answer.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.ui import TYPED_PREFIX
from bot.webhook import note_sent

log = logging.getLogger(__name__)

SENDING = ("Send", "Copy", "Forward", "Edit")
SEND_BUDGET = 120.0  # seconds a message is retried through network faults and 5xx answers
OTHER_BUDGET = 30.0  # other calls (commands, files, callback answers, which expire anyway)


class RateLimiter:
    """A token bucket: `rate` calls a second on average, up to one second's worth at once."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class ReliableSender(BaseRequestMiddleware):
    def __init__(self, rate_per_second: float = 30.0, *, send_budget: float = SEND_BUDGET,
                 other_budget: float = OTHER_BUDGET, max_backoff: float = 10.0,
                 retry_after_attempts: int = 20) -> None:
        self.limiter = RateLimiter(rate_per_second)
        self.send_budget, self.other_budget = send_budget, other_budget
        self.max_backoff = max_backoff
        self.retry_after_attempts = retry_after_attempts
        self.stats = {"429": 0, "network": 0}
        # aiogram reads every answer as Response[<result type>]; pydantic keeps those classes only
        # weakly and rebuilt one for most calls (a tenth of the bot's time under load). Hold them.
        self._response_types: dict[object, type] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Any:
        if isinstance(method, AnswerCallbackQuery) and method.callback_query_id.startswith(TYPED_PREFIX):
            return True
        if method.__returning__ not in self._response_types:
            self._response_types[method.__returning__] = Response[method.__returning__]
        if isinstance(method, GetUpdates):  # the polling loop has its own back-off
            return await make_request(bot, method)
        paced = type(method).__name__.startswith(SENDING)
        deadline = time.monotonic() + (self.send_budget if paced else self.other_budget)
        faults = waits = 0
        while True:
            if paced:
                await self.limiter.acquire()
            try:
                result = await make_request(bot, method)
                if paced:
                    note_sent()  # the update being handled has shown the person something (bot/webhook.py)
                return result
            except TelegramBadRequest as exc:
                if isinstance(method, AnswerCallbackQuery) and "query is too old" in exc.message:
                    # the press waited too long (a busy bot, a restart): Telegram no longer takes the
                    # answer, but what the handler does next still matters
                    log.info("late answer to callback query %s ignored", method.callback_query_id)
                    return True
                raise
            except TelegramRetryAfter as exc:
                waits += 1
                self.stats["429"] += 1
                if waits > self.retry_after_attempts:
                    raise
                log.warning("%s: 429, waiting %s s", type(method).__name__, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except (TelegramNetworkError, TelegramServerError) as exc:
                faults += 1
                self.stats["network"] += 1
                delay = min(self.max_backoff, 0.5 * 2 ** (faults - 1))
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("%s failed (%s), retry %d in %.1f s", type(method).__name__, exc, faults, delay)
                await asyncio.sleep(delay)
