"""PostgreSQL connections one bot process opens under load: the bot (in this process, the real aiogram loop,
the fake Bot API) on PostgreSQL, `--delegates` delegates pressing /start and choosing a language at once, and
pg_stat_activity sampled every 20 ms for the connections to the database.

    .venv/bin/python -m bench.connections --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/NAME
"""
from __future__ import annotations

import argparse
import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from testkit.harness import bot_on_fake

os.environ.setdefault("FAQ_MEANING", "false")


async def measure(url: str, delegates: int) -> None:
    fake, running = await bot_on_fake(url)
    watcher = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")  # a fresh snapshot each
    name = url.rsplit("/", 1)[-1]
    most = 0
    async with watcher.connect() as connection:
        async def count() -> int:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()")
            return (await connection.execute(query, {"d": name})).scalar()

        async def one(n: int) -> None:
            user = fake.user(300_000 + n, first_name=f"Delegate {n}", language_code="en")
            await user.send("/start")
            await user.next_message(60)
            await user.send("1")
            await user.next_message(60)

        work = asyncio.gather(*(one(n) for n in range(delegates)))
        while not work.done():
            most = max(most, await count())
            await asyncio.sleep(0.02)
        await work
    await watcher.dispose()
    await running.stop()
    await fake.stop()
    print(f"{delegates} delegates at once: at most {most} connections of this bot process to {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--delegates", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(measure(args.database_url, args.delegates))


if __name__ == "__main__":
    main()
