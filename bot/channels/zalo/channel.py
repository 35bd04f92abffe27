"""The Zalo channel: its bot (an aiogram Bot on the Zalo session), and updates taken by long polling or by
webhook and fed to the one dispatcher with channel="zalo".

Updates are handled concurrently, but one chat's in the order they came: a delegate typing "1" then "2"
quickly must not have the second answer read before the first.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import LinkPreviewOptions, Update
from aiogram.utils.i18n import I18n

from bot.channels.zalo.client import ZaloClient, ZaloError, ZaloNetworkError
from bot.channels.zalo.ids import ZaloIds
from bot.channels.zalo.qr import QrLinks
from bot.channels.zalo.session import ZaloSession, callback_alerts
from bot.channels.zalo.updates import telegram_update, unwrap
from bot.config import Settings
from bot.event import Event
from bot.infra.sender import ReliableSender
from models import Database

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo/webhook"
POLL_TIMEOUT = 30  # seconds Zalo holds an idle getUpdates before answering 408


def bridge_token(token: str) -> str:
    """The token aiogram's Bot is given: its number becomes bot.id (conversation keys apart from Telegram's);
    the real token stays in the client alone, so nothing aiogram prints can show it."""
    number = token.split(":", 1)[0]
    if not number.isdigit():
        number = str(int(hashlib.sha256(token.encode()).hexdigest()[:8], 16))
    return f"{number}:zalo-bridge"


class ZaloChannel:
    def __init__(self, settings: Settings, conference: Event, db: Database, i18n: I18n, dispatcher: Dispatcher,
                 telegram: Bot | None = None) -> None:
        self.settings, self.dispatcher = settings, dispatcher
        self.client = ZaloClient(settings.zalo_api_url, settings.zalo_bot_token)
        self.ids = ZaloIds(db)
        self.qr = QrLinks(settings, conference)
        # Zalo publishes no per-chat limit, and the session splits texts at its own 2,000 characters
        self.sender = ReliableSender(settings.zalo_send_rate_per_second, per_chat=None, fit_texts=False)
        session = ZaloSession(self.client, self.ids, db=db, i18n=i18n, settings=settings, conference=conference,
                              qr=self.qr, link_bot=telegram)
        session.middleware(callback_alerts)  # first: it sends through the sender below
        session.middleware(self.sender)
        self.bot = Bot(bridge_token(settings.zalo_bot_token), session=session, default=DefaultBotProperties(
            parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)))
        self._update_ids = itertools.count(1)
        self._chats: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()

    @property
    def webhook_mode(self) -> bool:
        return bool(self.settings.public_base_url) and self.settings.webhook_mode

    @property
    def webhook_secret(self) -> str:
        """ZALO_WEBHOOK_SECRET, or one derived from SECRET_KEY: the same in every process, never empty."""
        return self.settings.zalo_webhook_secret or hmac.new(
            self.settings.secret_key.encode(), b"zalo-webhook", hashlib.sha256).hexdigest()[:48]

    async def run(self, poll_timeout: int = POLL_TIMEOUT) -> None:
        """Until cancelled. Zalo being down at start must not stop the bot (Telegram goes on): retried."""
        me = await self._until_done("getMe")
        log.info("Zalo bot %s", (me or {}).get("account_name") or (me or {}).get("display_name") or "?")
        if self.webhook_mode:
            url = f"{self.settings.public_base_url}{WEBHOOK_PATH}"
            await self._until_done("setWebhook", {"url": url, "secret_token": self.webhook_secret})
            log.info("Zalo webhook at %s", url)
            await asyncio.Event().wait()
        else:
            await self.poll(poll_timeout)

    async def _until_done(self, method: str, params: dict[str, Any] | None = None) -> Any:
        for attempt in itertools.count():
            try:
                return await self.client.call(method, params)
            except (ZaloError, ZaloNetworkError) as exc:
                log.error("Zalo %s failed (%s); trying again", method, exc)
                await asyncio.sleep(min(60.0, 2.0 * 2 ** attempt))

    async def poll(self, timeout: int = POLL_TIMEOUT) -> None:
        """Long polling: one update per answer, no offset; 408 after `timeout` idle seconds means nothing new."""
        try:
            await self.client.call("deleteWebhook")  # Zalo refuses getUpdates while a webhook is set
        except (ZaloError, ZaloNetworkError) as exc:
            log.warning("Zalo deleteWebhook failed: %s", exc)
        faults = 0
        while True:
            try:
                result = await self.client.call("getUpdates", {"timeout": timeout}, timeout=timeout + 15)
            except ZaloError as exc:
                if exc.status == 408:
                    faults = 0
                    continue
                faults += 1
                log.log(logging.ERROR if exc.status == 401 else logging.WARNING, "Zalo getUpdates: %s", exc)
            except ZaloNetworkError as exc:
                faults += 1
                log.warning("Zalo getUpdates: %s", exc)
            else:
                faults = 0
                self.accept(result)
                continue
            await asyncio.sleep(min(30.0, 0.5 * 2 ** faults))

    def accept(self, body: Any) -> None:
        """Take updates (from polling or the webhook) and handle them in the background."""
        body = unwrap(body)
        for raw in body if isinstance(body, list) else [body]:
            task = asyncio.create_task(self.feed(raw))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def feed(self, raw: Any) -> None:
        try:
            data = await telegram_update(raw, self.ids, next(self._update_ids))
            if data is None:
                return
            chat = data["message"]["chat"]["id"]
            async with self._chats.setdefault(chat, asyncio.Lock()):
                update = Update.model_validate(data, context={"bot": self.bot})
                await self.dispatcher.feed_update(self.bot, update, channel="zalo")
        except Exception:  # one broken update must not stop the channel
            log.exception("Zalo update not handled")

    async def settle(self, timeout: float = 10) -> None:
        """Wait for updates still being handled (a clean stop)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def close(self) -> None:
        await self.settle()
        await self.bot.session.close()
