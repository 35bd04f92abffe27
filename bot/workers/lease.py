"""The work that must happen in one process at a time (the reminder scheduler and the outbox sender),
with several bot processes sharing the updates.

Whichever process holds the lease runs that work; the others keep trying every few seconds and take
over when the holder dies. On PostgreSQL the lease is a session advisory lock on a connection of its
own: when a holder process dies its connection closes and PostgreSQL frees the lock at once. Without
PostgreSQL but with Redis, it is a key with a time to live that the holder renews. With SQLite (one
process by design) the only process holds it.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Database

log = logging.getLogger(__name__)
LOCK_KEY = 7_260_729  # any constant, apart from the migration lock's
REDIS_KEY = "delegate-bot:lease"
CHECK_EVERY = 2.0  # seconds: how often the holder checks it still holds it, and others try to take it
REDIS_TTL_MS = 10_000  # a dead holder's Redis lease runs out within this


class Lease:
    def __init__(self, db: Database, redis_url: str = "", *, check_every: float = CHECK_EVERY) -> None:
        self.db, self.redis_url, self.check_every = db, redis_url, check_every
        self.token = secrets.token_hex(8)
        self._connection: AsyncConnection | None = None
        self._redis = None
        self.held = False

    @property
    def kind(self) -> str:
        if self.db.dialect == "postgresql":
            return "postgresql"
        return "redis" if self.redis_url else "local"

    async def try_take(self) -> bool:
        try:
            if self.kind == "postgresql":
                if self._connection is None:
                    self._connection = await self.db.engine.connect()
                taken = await self._connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
                await self._connection.commit()
                if not taken:
                    await self._drop_connection()
                return bool(taken)
            if self.kind == "redis":
                return bool(await (await self._client()).set(REDIS_KEY, self.token, nx=True, px=REDIS_TTL_MS))
            return True
        except Exception as exc:  # the database or Redis is away: not the holder, try again later
            log.warning("lease: cannot take it (%s)", exc)
            await self._drop_connection()
            return False

    async def still_held(self) -> bool:
        try:
            if self.kind == "postgresql":
                await self._connection.scalar(text("SELECT 1"))
                await self._connection.commit()
                return True
            if self.kind == "redis":
                renewed = await (await self._client()).eval(
                    "if redis.call('get', KEYS[1]) == ARGV[1] then "
                    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
                    1, REDIS_KEY, self.token, REDIS_TTL_MS)
                return bool(renewed)
            return True
        except Exception as exc:
            log.warning("lease: lost (%s)", exc)
            await self._drop_connection()
            return False

    async def release(self) -> None:
        try:
            if self.kind == "redis" and self._redis is not None:
                await self._redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then "
                                       "return redis.call('del', KEYS[1]) else return 0 end", 1, REDIS_KEY, self.token)
                await self._redis.aclose()
        except Exception as exc:
            log.info("lease: release failed (%s); it runs out by itself", exc)
        await self._drop_connection()  # closing the connection frees the PostgreSQL lock
        self.held = False

    async def hold(self, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]) -> None:
        """Run `start` when the lease is taken and `stop` when it is lost, for ever (cancel to end)."""
        try:
            while True:
                if not self.held:
                    if await self.try_take():
                        self.held = True
                        log.info("lease taken (%s): this process runs the reminders and the outbox", self.kind)
                        await start()
                elif not await self.still_held():
                    self.held = False
                    log.warning("lease lost: the reminders and the outbox stop here; another process takes over")
                    await stop()
                await asyncio.sleep(self.check_every)
        finally:
            if self.held:
                await stop()
            await self.release()

    async def _client(self):
        if self._redis is None:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(self.redis_url)
        return self._redis

    async def _drop_connection(self) -> None:
        """Close the lease's connection for good (not back to the pool, which would keep the lock)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.invalidate()
                await connection.close()
            except Exception:  # already broken
                pass
