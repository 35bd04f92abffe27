"""SQL statements per update: one delegate types the whole registration (testkit.flows.TYPED_REGISTRATION)
to the bot running in this process (the real aiogram loop, the fake Bot API), and every statement the database
receives is counted (a SQLAlchemy event hook), per update and per kind.

    .venv/bin/python -m bench.statements [--database-url postgresql+asyncpg://...]   # SQLite by default
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import tempfile
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from testkit.flows import TYPED_REGISTRATION, until_seen
from testkit.harness import bot_on_fake

os.environ.setdefault("FAQ_MEANING", "false")


class Counter:
    def __init__(self) -> None:
        self.kinds: collections.Counter[str] = collections.Counter()
        self.total = 0

    def __call__(self, _conn, _cursor, statement: str, *_args) -> None:
        self.direct(statement)

    def direct(self, statement: str) -> None:
        """A statement sent straight through sqlite3 (the conversations on a SQLite file: models.sqlite.Direct)."""
        if statement.lstrip().upper().startswith("PRAGMA"):
            return
        self.total += 1
        self.kinds[statement.split(None, 1)[0].upper()] += 1


async def measure(url: str) -> None:
    fake, running = await bot_on_fake(url)
    counter = Counter()
    event.listen(Engine, "before_cursor_execute", counter)
    direct = getattr(running.app.dispatcher.storage.statements, "sqlite", None)
    if direct is not None:
        direct.connection.set_trace_callback(counter.direct)
    try:
        user = fake.user(4242, first_name="An", language_code="en")
        per_update = []
        for typed, expected in TYPED_REGISTRATION:
            before = counter.total
            await user.send(typed)
            await until_seen(user, expected, 10)
            await asyncio.sleep(0.2)  # the update's last write (the conversation) lands after its reply
            per_update.append(counter.total - before)
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
        await running.stop()
        await fake.stop()
    print(f"{url.split(':')[0]}: {counter.total} statements for {len(per_update)} updates "
          f"({counter.total / len(per_update):.1f} per update); per update: {per_update}")
    print("  by kind:", dict(counter.kinds.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'statements.sqlite3'}"))


if __name__ == "__main__":
    main()
