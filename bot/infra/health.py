"""Checks of the services the bot depends on, answered in plain words, and which failures are passing.

`redis_reachable` and `database_reachable` return None when the service answers, else a message a
secretariat's IT person can act on (for `python -m bot check` and for the start-up).
"""
from __future__ import annotations

import asyncio

REDIS_FALLBACK = ("Start Redis, or remove REDIS_URL from the settings (.env): Redis is optional. Conversations "
                  "live in the database either way; without Redis each bot process keeps its own record of the "
                  "webhook deliveries it handled.")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200].rstrip(".")


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def redis_reachable(url: str, timeout: float = 3.0) -> str | None:
    """None if Redis at `url` answers PING within `timeout` seconds, else what is wrong and what to do."""
    from redis.asyncio import Redis
    from redis.exceptions import AuthenticationError, RedisError, ResponseError

    client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        await asyncio.wait_for(client.ping(), timeout + 1)
        return None
    except (AuthenticationError, ResponseError) as exc:
        problem = f"Redis at {_redacted(url)} refused the bot: {_reason(exc)}. Check the password in REDIS_URL."
    except (TimeoutError, RedisError, OSError, ValueError) as exc:
        problem = f"Redis at {_redacted(url)} (REDIS_URL) is not reachable: {_reason(exc)}."
    finally:
        await client.aclose()
    return f"{problem}\n{REDIS_FALLBACK}"


async def database_reachable(url: str, timeout: float = 5.0) -> str | None:
    """None if the database at `url` answers SELECT 1, else what is wrong."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with asyncio.timeout(timeout):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any driver's error: say it, do not crash the check
        return f"The database at {_redacted(url)} (DATABASE_URL) is not reachable: {_reason(exc)}."
    finally:
        await engine.dispose()


def is_passing(exc: BaseException) -> bool:
    """A failure of a service the bot depends on (database, Redis, Telegram's network), that goes away when the
    service is back: handling the same update again later should work. Anything else is a bug or bad input."""
    from aiogram.exceptions import (
        TelegramNetworkError,
        TelegramRetryAfter,
        TelegramServerError,
    )
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, RedisConnectionError, RedisTimeout,
                            TelegramNetworkError, TelegramServerError, TelegramRetryAfter, ConnectionError,
                            OSError, asyncio.TimeoutError)):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if type(exc).__module__.startswith("asyncpg") and type(exc).__name__ in (
                "AdminShutdownError", "CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError",
                "TooManyConnectionsError", "InterfaceError", "ConnectionRejectionError", "CrashShutdownError"):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
