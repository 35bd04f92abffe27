"""Where conversations (aiogram's FSM state and data) live: this process's memory, or Redis (REDIS_URL); and
the turn each chat's updates take (ChatOrder, at the end).

A handler reads the conversation before it answers and writes it after (bot.screens.ui remembers the menu it has
just sent). If Redis went away between the two, the person would see the next question while the bot still
waited for the answer to the last one. So the Redis client rides out a short outage (a restart, a fail-over,
a dropped connection): a command that fails on the connection is tried again with growing pauses for about
RIDE_OUT seconds; the handler waits, then goes on where it was. Beyond that the handler fails, and
bot/infra/webhook.py's checkpoint decides what the person is told.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

log = logging.getLogger(__name__)

RIDE_OUT = 30.0  # seconds of Redis outage a conversation waits through
PAUSE_CAP = 2.0  # the longest pause between two tries
LOCK_TTL = 10.0  # seconds a chat's Redis lock outlives a process that died holding it
LOCK_POLL = 0.02  # seconds between two tries at a chat's Redis lock held by another process


def retrying_redis(url: str):
    """A Redis client whose commands wait through about RIDE_OUT seconds of outage."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError, TimeoutError

    base, tries, waited = 0.05, 0, 0.0
    while waited < RIDE_OUT:  # 0.05, 0.1, 0.2, … 2, 2, …: the number of tries that waits RIDE_OUT in all
        waited += min(PAUSE_CAP, base * 2 ** tries)
        tries += 1
    retry = Retry(ExponentialBackoff(cap=PAUSE_CAP, base=base), tries, supported_errors=(ConnectionError, TimeoutError))
    return Redis.from_url(url, retry=retry, socket_connect_timeout=2, health_check_interval=30)


def create_storage(redis_url: str) -> BaseStorage:
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage(retrying_redis(redis_url))
    return MemoryStorage()


class ChatOrder(BaseEventIsolation):
    """One update of a chat at a time, in the order they came. aiogram's FSM middleware holds this lock around
    each update before the conversation state is read, so a double tap on ✅ is handled after the first tap
    has finished, and sees what it left.

    In this process, an asyncio lock per chat: it serves first come, first served, and aiogram starts each
    update's task in the order of the updates (polling) with nothing to wait for before the lock, so the order
    holds. With Redis (several processes) a Redis lock per chat is taken after that one (this process's
    updates reach it in order); it is kept alive while the update is handled and lapses LOCK_TTL seconds after
    a process died holding it. Across processes the order comes from Telegram: its webhook sends a chat's next
    update once the previous one is answered, and bot/infra/webhook.py answers once it is handled; the Redis lock
    keeps an update sent again (bot/infra/webhook.py) or a Zalo update from running beside another of its chat.

    `tasks` are the updates waiting here or being handled: a shutdown waits for them (bot/middlewares.py)."""

    def __init__(self, redis=None, key_builder=None) -> None:
        self.redis, self.key_builder = redis, key_builder
        self.local: dict[StorageKey, tuple[asyncio.Lock, int]] = {}
        self.tasks: set[asyncio.Task] = set()

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            async with self._local(key):
                if self.redis is None:
                    yield
                else:
                    async with self._shared(key):
                        yield
        finally:
            self.tasks.discard(task)

    @asynccontextmanager
    async def _local(self, key: StorageKey) -> AsyncIterator[None]:
        lock, users = self.local.get(key) or (asyncio.Lock(), 0)
        self.local[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self.local[key]
            if users == 1:
                del self.local[key]  # a lock per chat that ever wrote would grow without end
            else:
                self.local[key] = (lock, users - 1)

    @asynccontextmanager
    async def _shared(self, key: StorageKey) -> AsyncIterator[None]:
        from redis.exceptions import LockError

        lock = self.redis.lock(self.key_builder.build(key, "lock"), timeout=LOCK_TTL, sleep=LOCK_POLL,
                               thread_local=False)
        await lock.acquire()
        keeper = asyncio.create_task(self._keep(lock), name="chat-lock")
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            try:
                await lock.release()
            except LockError as exc:  # it lapsed (Redis was away longer than LOCK_TTL): nothing to give back
                log.warning("chat lock %s: %s", lock.name, exc)

    @staticmethod
    async def _keep(lock) -> None:
        while True:
            await asyncio.sleep(LOCK_TTL / 3)
            try:
                await lock.reacquire()
            except Exception as exc:  # Redis away, or the lock lapsed: the update goes on regardless
                log.warning("chat lock %s not kept alive: %s", lock.name, exc)

    async def close(self) -> None:
        pass


def create_isolation(storage: BaseStorage) -> ChatOrder:
    """The chat order for this storage: in this process only, or across processes with Redis."""
    from aiogram.fsm.storage.redis import RedisStorage

    if isinstance(storage, RedisStorage):
        return ChatOrder(storage.redis, storage.key_builder)
    return ChatOrder()
