"""Conversations in the database (bot/infra/storage.py), on SQLite and on PostgreSQL (TEST_DATABASE_URL): kept
across storages (a restart, another process), one read and one write per update however often the handler
asks, an ended conversation leaves no row, and the row records the update that changed it."""
from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message, Update
from sqlalchemy import event, func, select

from bot.infra.storage import create_isolation, create_storage
from models import Conversation

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

    @event.listens_for(storage.engine.sync_engine, "before_cursor_execute")
    def note(_conn, _cursor, statement, *_args) -> None:
        if "conversations" in statement:
            seen.append(statement.split()[0].upper())

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
