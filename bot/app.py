"""Composition root: settings, event file, database, bot, dispatcher; polling or webhook."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import LinkPreviewOptions
from aiogram.utils.i18n import I18n

from bot.commands import publish, publish_for_chat
from bot.config import Settings, ensure_secret_key
from bot.event import Event, load_event
from bot.i18n import AccountLanguage, build_i18n
from bot.middlewares import CurrentAccount, DatabaseSession
from bot.scheduler import ReminderScheduler
from bot.services.accounts import role_holders
from bot.sender import ReliableSender
from bot.ui import TypedMenuAnswer
from handlers import routers
from models import Database

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"


@dataclass
class App:
    settings: Settings
    conference: Event
    db: Database
    bot: Bot
    dispatcher: Dispatcher
    i18n: I18n
    sender: ReliableSender
    reminders: ReminderScheduler

    async def start(self) -> None:
        """Work done once per start, before updates are taken: schema, command menus, reminders."""
        await self.db.migrate()
        await publish(self.bot, self.i18n)
        await self.publish_role_menus()
        await self.reminders.start()

    async def publish_role_menus(self) -> None:
        """Organizers (ADMIN_IDS and appointed) and staff get their commands in their own chats."""
        async with self.db.session() as session:
            holders = await role_holders(session, self.settings.admin_ids)
        for chat_id, roles, lang in holders:
            await publish_for_chat(self.bot, self.i18n, chat_id, roles, lang or self.i18n.default_locale)

    async def close(self) -> None:
        self.reminders.shutdown()
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.db.close()


def create_bot(settings: Settings, sender: ReliableSender) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(sender)
    return Bot(
        settings.telegram_bot_token, session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML,
                                     link_preview=LinkPreviewOptions(is_disabled=True)),
    )


def create_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def create_dispatcher(settings: Settings, conference: Event, db: Database, i18n: I18n,
                      storage: BaseStorage) -> Dispatcher:
    dp = Dispatcher(storage=storage, conference=conference, settings=settings, db=db)
    dp.update.outer_middleware(DatabaseSession(db))
    dp.update.outer_middleware(CurrentAccount("telegram", settings.admin_ids))
    dp.update.outer_middleware(AccountLanguage(i18n))
    dp.message.outer_middleware(TypedMenuAnswer())
    dp.include_routers(*routers())
    return dp


def build(settings: Settings, *, storage: BaseStorage | None = None) -> App:
    conference = load_event(settings.event_file)
    ensure_secret_key(settings)
    db = Database(settings.database_url)
    i18n = build_i18n(settings.default_language)
    sender = ReliableSender(settings.send_rate_per_second)
    bot = create_bot(settings, sender)
    dp = create_dispatcher(settings, conference, db, i18n, storage or create_storage(settings))
    scheduler = ReminderScheduler(bot, db, conference, i18n, settings.admin_ids, settings.default_language)
    dp["reminders"] = scheduler
    return App(settings, conference, db, bot, dp, i18n, sender, scheduler)


async def run_polling(app: App) -> None:
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.dispatcher.start_polling(app.bot, allowed_updates=app.dispatcher.resolve_used_update_types())


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_web_app(app: App) -> web.Application:
    """The bot's web server: Telegram's webhook (secret token checked) and /health for the proxy."""
    web_app = web.Application()
    web_app.router.add_get("/health", health)
    SimpleRequestHandler(app.dispatcher, app.bot, secret_token=app.settings.webhook_secret or None).register(
        web_app, path=WEBHOOK_PATH)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


async def run_webhook(app: App) -> None:
    settings = app.settings
    web_app = create_web_app(app)
    await app.bot.set_webhook(
        f"{settings.public_base_url}{WEBHOOK_PATH}", secret_token=settings.webhook_secret or None,
        allowed_updates=app.dispatcher.resolve_used_update_types(), drop_pending_updates=False,
    )
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    log.info("webhook listening on %s:%s%s", settings.web_host, settings.web_port, WEBHOOK_PATH)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def serve(settings: Settings) -> None:
    app = build(settings)
    try:
        await app.start()
        me = await app.bot.me()
        log.info("bot @%s, event %s, database %s, storage %s", me.username, app.conference.id, app.db.dialect,
                 type(app.dispatcher.storage).__name__)
        await (run_webhook(app) if settings.webhook_mode else run_polling(app))
    finally:
        await app.close()
