"""Conversations in the database (bot/infra/storage.py), on SQLite and on PostgreSQL (TEST_DATABASE_URL): kept
across storages (a restart, another process), one read and one write per update however often the handler
asks, an ended conversation leaves no row, and the row records the update that changed it."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message, Update
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from bot.infra.storage import create_isolation, create_storage
from models import Conversation
from testkit.loop import LoopTicks

BOT = Bot("42:TEST-token")
KEY = StorageKey(bot_id=42, chat_id=7, user_id=7)


class Steps(StatesGroup):
    name = State()
    phone = State()


def text_update(update_id: int, text: str, chat_id: int = 7) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Lan"}}})


def counting(storage) -> list[str]:
    """The statements the storage sends to the conversations table."""
    seen: list[str] = []

    def note(statement: str) -> None:
        if "conversations" in statement:
            seen.append(statement.split()[0].upper())

    direct = getattr(storage.statements, "sqlite", None)  # a SQLite file: straight through sqlite3
    if direct is not None:
        direct.connection.set_trace_callback(note)
    else:
        event.listen(storage.engine.sync_engine, "before_cursor_execute", lambda _c, _k, sql, *_a: note(sql))
    return seen


async def test_a_conversation_outlives_its_storage(db):
    one = create_storage(db)
    await one.set_state(KEY, Steps.phone)
    await one.update_data(KEY, {"name": "Lê Thị Lan", "parts": ["d27", "d28"]})
    await one.close()
    two = create_storage(db)  # the bot restarted, or another process
    assert await two.get_state(KEY) == "Steps:phone"
    assert await two.get_data(KEY) == {"name": "Lê Thị Lan", "parts": ["d27", "d28"]}
    assert await two.get_state(StorageKey(bot_id=42, chat_id=8, user_id=8)) is None
    await two.close()


async def test_an_ended_conversation_leaves_no_row(db):
    storage = create_storage(db)
    await storage.set_state(KEY, Steps.name)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0
    await storage.close()


async def test_one_read_and_one_write_per_update_whatever_the_handler_asks(db):
    storage = create_storage(db)
    dp = Dispatcher(storage=storage, events_isolation=create_isolation(storage))

    @dp.message()
    async def handle(message: Message, state: FSMContext) -> None:
        await state.get_state(), await state.get_data()
        await state.update_data(name=message.text)
        await state.set_state(Steps.phone)
        await state.update_data(menu=[1, 2, 3])
        assert await state.get_data() == {"name": message.text, "menu": [1, 2, 3]}

    statements = counting(storage)
    await dp.feed_update(BOT, text_update(1, "Lan"))
    assert statements == ["SELECT", "INSERT"]
    # written once the update was handled, with the update that changed it
    fresh = create_storage(db)
    assert (await fresh.get_state(KEY), await fresh.get_data(KEY)) == ("Steps:phone", {"name": "Lan", "menu": [1, 2, 3]})
    assert await fresh.applied(KEY) is None  # the webhook's checkpoint names the update (tests/test_webhook.py)

    statements.clear()

    @dp.message(Steps.phone)
    async def nothing_changed(message: Message, state: FSMContext) -> None:
        await state.get_data()

    dp.message.handlers.insert(0, dp.message.handlers.pop())
    await dp.feed_update(BOT, text_update(2, "again"))
    assert statements == ["SELECT"]  # nothing changed: nothing written
    await storage.close(), await fresh.close()


async def test_a_handler_that_fails_writes_what_it_left(db):
    """The checkpoint (bot/infra/webhook.py) decides what the state is after a failure; the store writes that."""
    storage = create_storage(db)
    dp = Dispatcher(storage=storage, events_isolation=create_isolation(storage))

    @dp.message()
    async def handle(message: Message, state: FSMContext) -> None:
        await state.set_state(Steps.name)
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        await dp.feed_update(BOT, text_update(1, "Lan"))
    assert await create_storage(db).get_state(KEY) == "Steps:name"
    await storage.close()


async def test_an_update_in_hand_still_writes_after_polling_closed_the_storage(db):
    """aiogram closes the storage as soon as polling stops; the updates still being handled write theirs."""
    storage = create_storage(db)
    await storage.get_state(KEY)
    await storage.close()  # polling stopped
    await storage.set_state(KEY, Steps.name)
    await storage.close()
    assert await create_storage(db).get_state(KEY) == "Steps:name"


async def test_a_write_that_meets_another_writer_waits_without_stopping_the_loop(db):
    """SQLite: a conversation's write that finds the database locked by another connection waits for it in a
    thread; the loop goes on meanwhile, a reader meanwhile sees the last committed state, and nothing is lost."""
    if db.dialect != "sqlite":
        pytest.skip("SQLite's write lock")
    storage = create_storage(db)
    await storage.set_state(KEY, Steps.name)
    holder = sqlite3.connect(make_url(db.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another connection holds the write lock
    async def release() -> None:
        await asyncio.sleep(0.3)
        holder.execute("COMMIT")

    async with LoopTicks() as ticks:
        write = asyncio.create_task(storage.set_state(KEY, Steps.phone))
        await asyncio.sleep(0.05)
        assert not write.done()  # waiting for the lock
        read = asyncio.create_task(create_storage(db).get_state(KEY))
        await asyncio.gather(release(), write)
    assert await read in ("Steps:name", "Steps:phone")
    assert await storage.get_state(KEY) == "Steps:phone"
    assert ticks.count >= 15  # the loop ran on while the write waited
    holder.close()
    await storage.close()


async def test_conversation_data_comes_back_as_it_was_written_json_by_orjson(db):
    """JSON columns are written by orjson (models/db.py json_text): what json.dumps would make of the data is what
    is read back, numbers as keys included, on SQLite and PostgreSQL alike."""
    import json

    data = {"name": "Nguyễn Thị Ánh <b>&</b> 😀", "parts": ["d27", "d28"], "seats": {3: "A1"}, "n": 2 ** 53,
            "nested": [{"ok": True, "none": None, "x": 1.5}]}
    one = create_storage(db)
    await one.update_data(KEY, data)
    await one.close()
    two = create_storage(db)
    assert await two.get_data(KEY) == json.loads(json.dumps(data))  # {3: ...} comes back as {"3": ...}
    await two.close()


async def test_on_postgresql_a_conversation_rides_out_its_connections_cut_by_a_restart(db, caplog):
    """The conversations' pool does not try a connection before each use (a round trip per statement saved):
    one a database restart closed fails its statement, which is run again on a new connection."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL (TEST_DATABASE_URL)")
    storage = create_storage(db)
    await storage.set_state(KEY, Steps.name)
    await storage.set_data(KEY, {"name": "Lê Thị Lan"})
    async with db.engine.connect() as admin:  # what a restart does to the pool's connections: ends them
        cut = (await admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                         "AND application_name = '' AND state = 'idle'"))).all()
    assert cut, "the pool's connections were there to cut"
    assert await storage.get_data(KEY) == {"name": "Lê Thị Lan"}
    await storage.set_state(KEY, Steps.phone)
    assert await create_storage(db).get_state(KEY) == "Steps:phone"
    assert "conversation store unavailable" in caplog.text  # it met a closed connection, and went on
    await storage.close()
