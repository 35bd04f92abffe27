"""The real bot (aiogram polling loop, our dispatcher, the configured database and FSM storage)
running against the fake Bot API server; stopped and started again for restart tests."""
from __future__ import annotations

import asyncio
import contextlib

from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage

from bot.app import App, build
from bot.config import Settings


class RunningBot:
    def __init__(self, settings: Settings, redis_url: str = "") -> None:
        self.settings = settings
        self.redis_url = redis_url
        self.app: App | None = None
        self.task: asyncio.Task | None = None
        self._memory: BaseStorage | None = None

    def _storage(self) -> BaseStorage:
        if self.redis_url:
            from aiogram.fsm.storage.redis import RedisStorage

            return RedisStorage.from_url(self.redis_url)
        # a restart of a bot with memory storage forgets every conversation, as in production
        return MemoryStorage()

    async def start(self) -> App:
        self.app = build(self.settings, storage=self._storage())
        await self.app.start()
        self.task = asyncio.create_task(
            self.app.dispatcher.start_polling(self.app.bot, handle_signals=False, polling_timeout=1,
                                              allowed_updates=self.app.dispatcher.resolve_used_update_types())
        )
        return self.app

    async def stop(self) -> None:
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.task, 10)
        await self.app.close()
        self.app = self.task = None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()
