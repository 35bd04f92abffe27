"""Practice mode put together: the in-process Bot API server and the chat page on one port, the
practice database prepared, then the bot itself (bot.app.serve) pointed at them."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.practice.page import ChatPage
from bot.practice.people import ORGANIZER, appoint_staff, seat
from bot.practice.server import TOKEN, PracticeTelegram
from bot.practice.store import Store
from models import Database

log = logging.getLogger(__name__)


def practice_settings(settings: Settings, api_url: str) -> Settings:
    """The same settings aimed at the practice server and database: no real bot, no shared storage, the
    practice organizer the only one by configuration, polling (no webhook)."""
    return settings.model_copy(update={
        "telegram_bot_token": TOKEN, "telegram_api_url": api_url, "zalo_bot_token": "",
        "database_url": settings.practice_database_url, "redis_url": "", "admin_ids": frozenset({ORGANIZER}),
        "public_base_url": "", "use_webhook": False, "organizers_chat_id": None,
    })


async def prepare(database_url: str) -> None:
    """The practice database at the newest schema, the staff member appointed."""
    if database_url.startswith("sqlite") and ":///" in database_url:
        Path(database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    db = Database(database_url)
    try:
        await db.migrate()
        await appoint_staff(db)
    finally:
        await db.close()


async def start_practice_server(host: str, port: int) -> tuple[web.AppRunner, Store, str]:
    """The Bot API and the chat page on one aiohttp server; its base URL."""
    store = seat(Store())
    telegram = PracticeTelegram(store)
    app = web.Application(client_max_size=64 * 2**20)
    telegram.add_routes(app)
    ChatPage(telegram).add_routes(app)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, store, f"http://{host}:{runner.addresses[0][1]}"


async def run(settings: Settings) -> None:
    from bot.app import serve

    try:
        runner, _store, url = await start_practice_server(settings.web_host, settings.practice_port)
    except OSError as exc:
        print(f"Practice mode: the chat page cannot listen on {settings.web_host}:{settings.practice_port} ({exc.strerror}).\n"
              "Stop what uses that port, or choose another with PRACTICE_PORT in .env.", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        practice = practice_settings(settings, url)
        await prepare(practice.database_url)
        print(f"\nPractice mode (no bot token set): open {url}/practice in a browser.\n"
              f"Chế độ thực hành (chưa có token của bot): mở {url}/practice trong trình duyệt.\n"
              f"Practice data: {practice.database_url}\n", flush=True)
        await serve(practice)
    finally:
        await runner.cleanup()
