"""One chat, one update at a time, in order (bot/infra/storage.py ChatOrder): within a process as aiogram's polling
runs updates (a task each), and across processes through a PostgreSQL advisory lock."""
from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message, Update

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as SQLTimeoutError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.middlewares import InFlight, waiting_at
from bot.infra.storage import (CHATS_AT_ONCE, LOCK_SPACE, ChatLocks, ChatOrder, create_isolation, create_storage,
                                lock_number)
from models import Database

BOT = Bot("42:TEST-token")


def text_update(update_id: int, chat_id: int, text: str) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Lan"}}})


def recording_dispatcher(fsm_storage, log: list[str]) -> Dispatcher:
    dp = Dispatcher(storage=fsm_storage, events_isolation=create_isolation(fsm_storage))

    @dp.message()
    async def handle(message: Message) -> None:
        log.append(f"{message.chat.id}:{message.text} in")
        await asyncio.sleep(0.05)  # a handler that waits for the database or Telegram
        log.append(f"{message.chat.id}:{message.text} out")

    return dp


async def test_a_chats_updates_are_handled_one_at_a_time_in_the_order_they_came(db):
    fsm_storage = create_storage(db)
    log: list[str] = []
    dp = recording_dispatcher(fsm_storage, log)
    # as aiogram's polling does: a task per update, started in the order of the updates
    updates = [text_update(n, 7, str(n)) for n in range(1, 6)] + [text_update(9, 8, "other")]
    await asyncio.gather(*[asyncio.create_task(dp.feed_update(BOT, u)) for u in updates])
    await fsm_storage.close()

    chat = [line for line in log if line.startswith("7:")]
    assert chat == [f"7:{n} {side}" for n in range(1, 6) for side in ("in", "out")]
    # another chat is not held up meanwhile
    assert log.index("8:other in") < log.index("7:1 out")
    assert dp.fsm.events_isolation.local == {}  # no lock kept for chats that went quiet


async def test_two_processes_take_a_chat_in_turn(db, database_url):
    if db.dialect != "postgresql":
        pytest.skip("several processes need PostgreSQL (TEST_DATABASE_URL)")
    other = Database(database_url)  # a second bot process: its own engine and pools
    one, two = create_storage(db), create_storage(other)
    first, second = create_isolation(one), create_isolation(two)
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    elsewhere = StorageKey(bot_id=42, chat_id=8, user_id=8)
    log: list[str] = []

    async def handle(order: ChatOrder, name: str, hold: float, at: StorageKey = key) -> None:
        async with order.lock(at):
            log.append(f"{name} in")
            await asyncio.sleep(hold)
            log.append(f"{name} out")

    holder = asyncio.create_task(handle(first, "one", 1.0))
    await asyncio.sleep(0.2)
    await asyncio.gather(holder, handle(second, "two", 0), handle(second, "other chat", 0, elsewhere))
    await one.close(), await two.close(), await other.close()
    assert log.index("one out") < log.index("two in")
    assert log.index("other chat out") < log.index("one out")  # another chat is not held up


async def test_a_chat_held_by_a_hung_process_is_served_after_the_patience(db, database_url, caplog):
    if db.dialect != "postgresql":
        pytest.skip("several processes need PostgreSQL (TEST_DATABASE_URL)")
    hung = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")  # a hung process
    locks = ChatLocks(database_url, patience=0.5)
    number = lock_number(StorageKey(bot_id=42, chat_id=7, user_id=7))
    try:
        async with hung.connect() as holder:
            assert (await holder.execute(text("SELECT pg_try_advisory_lock(:s, :c)"),
                                         {"s": LOCK_SPACE, "c": number})).scalar()
            started = asyncio.get_running_loop().time()
            assert await asyncio.wait_for(locks.take(number), 10) is False  # served, not held
            assert asyncio.get_running_loop().time() - started >= 0.5
            assert "held by another process" in caplog.text
        assert await locks.take(number) is True  # the hold went with its connection: the lock is held here again
        await locks.release(number)
    finally:
        await locks.close()
        await hung.dispose()


async def test_a_stop_waits_for_the_updates_queued_behind_their_chat():
    order = ChatOrder()
    in_flight = InFlight(queued=order.tasks)
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    handled: list[int] = []

    async def update(n: int) -> None:
        async with order.lock(key):
            await asyncio.sleep(0.05)
            handled.append(n)

    tasks = [asyncio.create_task(update(n)) for n in range(3)]
    await asyncio.sleep(0)  # the first holds the chat, the others wait for it
    await in_flight.finish(10)
    assert handled == [0, 1, 2] and all(t.done() for t in tasks)


async def test_a_stop_that_gives_up_says_where_the_late_updates_wait(caplog):
    order = ChatOrder()
    in_flight = InFlight(queued=order.tasks)
    never = asyncio.Event()

    async def sending() -> None:
        await never.wait()

    async def update(chat: int) -> None:
        async with order.lock(StorageKey(bot_id=42, chat_id=chat, user_id=chat)):
            await sending()

    tasks = [asyncio.create_task(update(n)) for n in (7, 8)]
    await asyncio.sleep(0)
    await in_flight.finish(0.1)
    assert "2 update(s) still being handled after 0 s, waiting at: asyncio/locks.py:" in caplog.text
    assert [waiting_at(task) for task in tasks] == [waiting_at(tasks[0])] * 2
    assert waiting_at(tasks[0]).startswith("asyncio/locks.py:") and waiting_at(tasks[0]).endswith(" wait")
    never.set()
    await asyncio.gather(*tasks)


async def test_more_chats_at_once_than_connections_all_get_their_turn(database_url):
    """A handler keeps its database connection to its end (here: while it 'sends'). With more chats at once than
    the pool has connections, the chats beyond the limit wait their turn in ChatOrder instead of waiting for a
    connection, so none waits past the pool's timeout; without the limit some do, and their replies are lost."""
    engine = create_async_engine(database_url, pool_size=2, max_overflow=0, pool_timeout=0.3)
    keys = [StorageKey(bot_id=42, chat_id=n, user_id=n) for n in range(12)]

    async def update(order: ChatOrder, key: StorageKey) -> int:
        async with order.lock(key):
            async with engine.connect() as connection:
                await asyncio.sleep(0.1)  # the reply being sent
                return (await connection.execute(text("SELECT 1"))).scalar_one()

    try:
        limited = ChatOrder(at_once=2)
        assert await asyncio.gather(*(update(limited, key) for key in keys)) == [1] * 12
        unlimited = await asyncio.gather(*(update(ChatOrder(), key) for key in keys), return_exceptions=True)
        assert sum(isinstance(result, SQLTimeoutError) for result in unlimited) > 0
    finally:
        await engine.dispose()


async def test_the_bots_chat_order_has_the_limit(db):
    assert create_isolation(create_storage(db)).at_once == CHATS_AT_ONCE > 0
