"""Composition root: settings, event file, database, bot, dispatcher; polling or webhook."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import LinkPreviewOptions
from aiogram.utils.i18n import I18n

from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_oa import OaChannel
from bot.ops.check import ONE_PROCESS_ONLY
from bot.commands import publish, publish_for_chat
from bot.config import Settings, ensure_secret_key
from bot.workers.outbox import Postman
from bot.event import Event, load_event
from bot.services.faq import faq_path, load_faq
from bot.i18n import AccountLanguage, build_i18n
from bot.workers.lease import Lease
from bot.infra.logs import AccessLog, HandlerName, UpdateLog
from bot.middlewares import CurrentAccount, DatabaseSession, InFlight, Surroundings
from bot.workers.reminders import ReminderScheduler
from bot.services.accounts import role_holders
from bot.services import badge, checkin, registration
from bot.services.pace import Pace
from bot.infra.health import redis_reachable
from bot.infra import memory, objects
from bot.infra.sender import ReliableSender
from bot.infra.telegram_session import TelegramSession
from bot.infra.filters import run_on_the_loop
from bot.infra.routing import Features
from bot.infra.storage import create_isolation, create_storage, quick_reads
from bot.infra.webhook import WebhookHandler, create_journal, install as install_checkpoint
from bot.screens.ui import AlreadyDone, TypedMenuAnswer
from handlers import routers
from models import Database

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SHUTDOWN_GRACE = 20.0  # seconds the updates being handled get to finish when the bot stops


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
    postman: Postman
    lease: Lease
    lease_task: asyncio.Task | None = None
    zalo: ZaloChannel | None = None  # the Zalo bridge, when ZALO_BOT_TOKEN is set
    zalo_oa: OaChannel | None = None  # the host's Zalo Official Account, when ZALO_OA_APP_ID is set

    async def start(self) -> None:
        """Work done once per start, before updates are taken: schema, command menus; then the reminders and
        the outbox, in whichever process holds the lease (bot/workers/lease.py)."""
        await self.db.migrate()
        await publish(self.bot, self.i18n)
        await self.publish_role_menus()
        if await self.lease.try_take():  # at once when alone (SQLite, or the first process)
            self.lease.held = True
            await self.start_singletons()
        self.lease_task = asyncio.create_task(self.lease.hold(self.start_singletons, self.stop_singletons),
                                              name="lease")

    async def start_singletons(self) -> None:
        await self.reminders.start()
        await self.postman.start()

    async def stop_singletons(self) -> None:
        self.reminders.shutdown()
        await self.postman.stop()

    def add_channel(self, channel: str, bot: Bot) -> None:
        """Another chat channel (Zalo): reminders and the outbox reach its accounts through its bot."""
        self.reminders.bots[channel] = bot
        self.postman.bots[channel] = bot

    async def publish_role_menus(self) -> None:
        """Organizers (ADMIN_IDS and appointed) and staff get their commands in their own Telegram chats. Zalo has
        no command menu (its staff see their commands with /help), and its chat ids mean nothing to Telegram."""
        async with self.db.session() as session:
            holders = await role_holders(session, self.settings.admin_ids)
        for holder in holders:
            if holder.channel == "telegram":
                await publish_for_chat(self.bot, self.i18n, holder.chat_id, holder.roles,
                                       holder.language or self.i18n.default_locale)

    async def close(self) -> None:
        await self.dispatcher["in_flight"].finish(SHUTDOWN_GRACE)  # answers given just before the stop
        if self.lease_task is not None:
            self.lease_task.cancel()
            await asyncio.gather(self.lease_task, return_exceptions=True)
        else:
            await self.lease.release()
        self.reminders.shutdown()
        await self.postman.stop()
        if self.zalo is not None:
            await self.zalo.close()
        if self.zalo_oa is not None:
            await self.zalo_oa.close()
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()  # PostgreSQL: the chat locks' connection
        await self.bot.session.close()
        await self.db.close()
        await badge.stop_drawing()  # the check-in pictures' process (it would end with the bot anyway)


def create_bot(settings: Settings, sender: ReliableSender) -> Bot:
    session = TelegramSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(sender)
    return Bot(
        settings.telegram_bot_token, session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML,
                                     link_preview=LinkPreviewOptions(is_disabled=True)),
    )


def create_dispatcher(settings: Settings, conference: Event, db: Database, i18n: I18n,
                      storage: BaseStorage) -> Dispatcher:
    faq = load_faq(faq_path(settings.event_file))
    order = create_isolation(storage)  # one update of a chat at a time, in order (bot/infra/storage.py)
    # the paces live here, one each, handed to the handlers by name: searches per staff member, one for the
    # chat desk and the desk page (bot/web/desk.py takes it from here), and wrong claim codes per person
    search_pace = Pace(checkin.SEARCHES, checkin.SEARCH_WINDOW)
    claim_pace = Pace(registration.CLAIM_TRIES, registration.CLAIM_WINDOW)
    dp = Dispatcher(storage=storage, events_isolation=order, conference=conference, settings=settings, db=db,
                    faq=faq, search_pace=search_pace, claim_pace=claim_pace)
    dp["in_flight"] = in_flight = InFlight(queued=order.tasks)
    dp.update.outer_middleware(in_flight)
    dp.update.outer_middleware(UpdateLog())
    dp.update.outer_middleware(DatabaseSession(db))
    dp.update.outer_middleware(CurrentAccount("telegram", settings.admin_ids, quick_reads(db, storage)))
    dp.update.outer_middleware(AccountLanguage(i18n))
    dp.update.outer_middleware(Surroundings())  # `lang` and `here` for the handlers
    dp.message.outer_middleware(TypedMenuAnswer())
    dp.callback_query.outer_middleware(AlreadyDone())  # a second tap on a button whose work is done
    install_checkpoint(dp)  # bot/infra/webhook.py: a failed update leaves the conversation where it was
    features = Features(name="features")  # bot/infra/routing.py: a feature that cannot take an update is passed over
    for router in routers():
        router.message.middleware(HandlerName())
        router.callback_query.middleware(HandlerName())
        features.include_router(router)
    dp.include_router(features)
    run_on_the_loop(dp)  # bot/infra/filters.py: not a thread hop per filter tried
    return dp


def build(settings: Settings, *, storage: BaseStorage | None = None) -> App:
    objects.bind_in_one_step()  # aiogram's objects learn their bot in one step (bot/infra/objects.py)
    conference = load_event(settings.event_file)
    ensure_secret_key(settings)
    db = Database(settings.database_url)
    i18n = build_i18n(settings.default_language)
    sender = ReliableSender(settings.send_rate_per_second)
    telegram = create_bot(settings, sender) if settings.telegram_bot_token else None
    dp = create_dispatcher(settings, conference, db, i18n, storage or create_storage(db))
    zalo = ZaloChannel(settings, conference, db, i18n, dp, telegram) if settings.zalo_bot_token else None
    oa = OaChannel(settings, conference, db, i18n, dp, telegram) if settings.zalo_oa_app_id else None
    bot = telegram or (zalo.bot if zalo else oa.bot if oa else create_bot(settings, sender))  # else: Zalo's bot
    scheduler = ReminderScheduler(bot, db, conference, i18n, settings.admin_ids, settings.default_language)
    dp["reminders"] = scheduler
    postman = Postman(bot, db, conference, i18n, settings.default_language)
    dp["postman"] = postman
    app = App(settings, conference, db, bot, dp, i18n, sender, scheduler, postman, Lease(db, settings.redis_url),
              zalo=zalo, zalo_oa=oa)
    if zalo is not None:
        app.add_channel("zalo", zalo.bot)
    if oa is not None:
        app.add_channel("zalo_oa", oa.bot)
    return app


async def run_polling(app: App) -> None:
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.dispatcher.start_polling(app.bot, allowed_updates=app.dispatcher.resolve_used_update_types())


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_web_app(app: App) -> web.Application:
    """The bot's web server: Telegram's webhook (secret token checked), /health for the proxy, and the
    pages and files of bot/web (reception desk, dashboard, QR images for Zalo)."""
    from bot.channels.zalo import web as zalo_web
    from bot.channels.zalo_oa import web as zalo_oa_web
    from bot.web import reception

    web_app = web.Application()
    web_app["app"] = app
    web_app.router.add_get("/health", health)
    journal = create_journal(app.settings.redis_url)  # which updates were handled (with Redis: by any process)
    web_app["journal"] = journal
    web_app.on_startup.append(lambda _web_app: journal.start())
    web_app.on_cleanup.append(lambda _web_app: journal.close())
    WebhookHandler(app.dispatcher, app.bot, journal, app.settings.telegram_webhook_secret).register(
        web_app, path=WEBHOOK_PATH)
    reception.setup(web_app)  # the reception desk page and the organizers' dashboard
    if getattr(app, "zalo", None) is not None:
        zalo_web.add_routes(web_app)  # the Zalo webhook and check-in QR pictures for Zalo
    if getattr(app, "zalo_oa", None) is not None:
        zalo_oa_web.add_routes(web_app)  # the OA's signed webhook
    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


async def start_web(app: App) -> web.AppRunner | None:
    """The web server runs in both modes (the desk page and the dashboard need it). In polling mode a
    port already taken is logged and the bot goes on without it; in webhook mode it is fatal."""
    settings = app.settings
    runner = web.AppRunner(create_web_app(app), access_log_class=AccessLog)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if settings.webhook_mode:
            raise
        log.error("web server not started on %s:%s (%s); the bot runs without the desk page and dashboard",
                  settings.web_host, settings.web_port, exc)
        return None
    log.info("web server on %s", ", ".join(str(a) for a in runner.addresses))
    return runner


async def run_webhook(app: App) -> None:
    settings = app.settings
    await app.bot.set_webhook(
        f"{settings.public_base_url}{WEBHOOK_PATH}", secret_token=settings.telegram_webhook_secret,
        allowed_updates=app.dispatcher.resolve_used_update_types(), drop_pending_updates=False,
    )
    log.info("Telegram webhook at %s%s", settings.public_base_url, WEBHOOK_PATH)
    await asyncio.Event().wait()


async def run_channels(app: App) -> None:
    """Telegram's and Zalo's update loops, each if its token is set; when one ends (Ctrl-C stops
    Telegram's polling), the other is stopped too."""
    loops = []
    if app.settings.telegram_bot_token:
        loops.append(run_webhook(app) if app.settings.webhook_mode else run_polling(app))
    if app.zalo is not None:
        loops.append(app.zalo.run())
    if app.zalo_oa is not None:
        loops.append(app.zalo_oa.run())
    tasks = [asyncio.ensure_future(loop) for loop in loops]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def serve(settings: Settings) -> None:
    if settings.redis_url and (problem := await redis_reachable(settings.redis_url)):
        log.critical("%s", problem)  # a setting that names a Redis nobody runs is a mistake (bot/infra/health.py)
        raise SystemExit(2)
    if settings.webhook_mode and settings.database_url.startswith("sqlite"):
        log.warning("%s", ONE_PROCESS_ONLY)  # bot/ops/check.py says it too
    app = build(settings)
    if settings.faq_meaning:  # loads in the background; questions are matched by their words until then
        app.dispatcher["faq"].meaning.start()
    runner = None
    try:
        await app.start()
        me = await app.bot.me()
        log.info("bot @%s, event %s, database %s, storage %s", me.username, app.conference.id, app.db.dialect,
                 type(app.dispatcher.storage).__name__)
        runner = await start_web(app)
        memory.settle()  # what start-up built is never walked by the collector again (bot/infra/memory.py)
        await run_channels(app)
    finally:
        if runner is not None:
            await runner.cleanup()
        await app.close()
