"""Where conversations (aiogram's FSM state and data) live: this process's memory, or Redis (REDIS_URL).

A handler reads the conversation before it answers and writes it after (bot.ui remembers the menu it has
just sent). If Redis went away between the two, the person would see the next question while the bot still
waited for the answer to the last one. So the Redis client rides out a short outage (a restart, a fail-over,
a dropped connection): a command that fails on the connection is tried again with growing pauses for about
RIDE_OUT seconds; the handler waits, then goes on where it was. Beyond that the handler fails, and
bot/webhook.py's checkpoint decides what the person is told.
"""
from __future__ import annotations

from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

RIDE_OUT = 30.0  # seconds of Redis outage a conversation waits through
PAUSE_CAP = 2.0  # the longest pause between two tries


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
