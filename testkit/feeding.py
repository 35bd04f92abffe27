"""The real App (build + start: middlewares, routers, FSM storage, database) with updates fed straight to
`dispatcher.feed_raw_update`, and its Bot API calls going to the fake Telegram server (validated against
the spec). Much faster than the polling loop for thousands of updates, and an exception in a handler is
raised to the test instead of only being logged by the polling loop.

`pumping()` feeds whatever FakeUsers push (send, press, ...) in the background, so the conversation
helpers of testkit/flows.py work unchanged; `feed()` takes a raw update dict, which lets a test send
updates no FakeUser method would make (other chats, bots, forged fields, replayed ids)."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from bot.app import App, build
from bot.config import Settings
from testkit.fakebot import FakeMessage, FakeTelegram, FakeUser



class DirectBot:
    def __init__(self, app: App, fake: FakeTelegram) -> None:
        self.app, self.fake = app, fake
        self.offset: int | None = None
        self._raw_ids = itertools.count(10_000_000)  # far from the fake queue's own update ids
        self._pump_error: BaseException | None = None

    @classmethod
    async def start(cls, fake: FakeTelegram, settings: Settings, redis_url: str = "") -> DirectBot:
        settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
        app = build(settings)
        await app.start()
        return cls(app, fake)

    async def close(self) -> None:
        await self.app.close()

    @property
    def db(self):
        return self.app.db

    # -- feeding ------------------------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._raw_ids)

    async def feed(self, raw: dict[str, Any]) -> None:
        """One update, exactly as Telegram would post it to the webhook; a handler's exception is raised."""
        if "update_id" not in raw:
            raw = {"update_id": self.next_id(), **raw}
        await self.app.dispatcher.feed_raw_update(self.app.bot, raw)

    async def pump(self) -> int:
        """Feed every update FakeUsers have pushed so far, in order; returns how many."""
        fed = 0
        while batch := await self.fake.updates.get(self.offset, 100, 0, None):
            for raw in batch:
                self.offset = raw["update_id"] + 1
                await self.feed(raw)
                fed += 1
        return fed

    @contextlib.asynccontextmanager
    async def pumping(self):
        """Feed pushed updates in the background (for testkit/flows.py helpers that wait for answers)."""
        stop = asyncio.Event()

        async def loop() -> None:
            while not stop.is_set():
                batch = await self.fake.updates.get(self.offset, 100, 0.05, None)
                for raw in batch:
                    self.offset = raw["update_id"] + 1
                    await self.feed(raw)

        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            stop.set()
            self.fake.updates.release_waiters()
            await task  # re-raises a handler's exception
            await self.pump()

    # -- what users saw -----------------------------------------------------------------------------

    @staticmethod
    async def drain(user: FakeUser) -> list[FakeMessage]:
        """Every bot message or edit in the user's chat not yet seen by the test."""
        seen = []
        while True:
            try:
                seen.append(await user.next_message(0))
            except TimeoutError:
                return seen

    async def say(self, user: FakeUser, text: str) -> list[FakeMessage]:
        await self.drain(user)
        await user.send(text)
        await self.pump()
        return await self.drain(user)

    async def press(self, user: FakeUser, callback_data: str, message: FakeMessage | None = None):
        """A press with any callback data on a message of the chat (a forged or replayed button);
        returns (the answerCallbackQuery seen, the messages that followed)."""
        await self.drain(user)
        target = message or next(m for m in reversed(user.inbox) if not m.deleted)
        update = await user.press(callback_data=callback_data, message=target)
        await self.pump()
        answer = next((a for a in user.callback_answers if a.query_id == update["callback_query"]["id"]), None)
        return answer, await self.drain(user)

    # -- state --------------------------------------------------------------------------------------

    async def fsm(self, user_id: int, chat_id: int | None = None) -> tuple[str | None, dict]:
        key = StorageKey(bot_id=self.app.bot.id, chat_id=chat_id or user_id, user_id=user_id)
        storage = self.app.dispatcher.storage
        return await storage.get_state(key), await storage.get_data(key)

    async def count(self, model) -> int:
        async with self.db.session() as session:
            return await session.scalar(select(func.count()).select_from(model))
