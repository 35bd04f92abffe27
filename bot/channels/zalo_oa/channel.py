"""The Zalo Official Account channel: the host's OA, through the same bridge as the Zalo Bot Platform
(bot/channels/zalo): its events become Telegram updates for the one dispatcher, fed with channel="zalo_oa",
and its aiogram bot sends through the OA's API (session.py).

The OA has no polling: events come by webhook only (web.py), which stores each in the journal (journal.py),
answers Zalo at once and hands it here; once handled it is marked so, and one a killed process left unhandled
is handed back at the next start (and by the periodic look). One person's events are handled in the order they
came (the chat order, bot.infra.storage.ChatOrder, taken before anything else), as on the Bot Platform.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime, timezone
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import LinkPreviewOptions, Update
from aiogram.utils.i18n import I18n

from bot.channels.zalo.ids import ZaloIds
from bot.channels.zalo.qr import QrLinks
from bot.channels.zalo.session import callback_alerts
from bot.channels.zalo.updates import telegram_update
from bot.channels.zalo_oa.client import OaClient
from bot.channels.zalo_oa.journal import Journal
from bot.channels.zalo_oa.session import OaSession
from bot.channels.zalo_oa.tokens import OaTokens
from bot.channels.zalo_oa.updates import platform_event, sender_of, shared_phone
from bot.channels.zalo_oa.window import Window
from bot.config import Settings
from bot.event import Event
from bot.infra.sender import ReliableSender
from bot.infra.storage import ChatOrder
from models import Database

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo-oa/webhook"
CHANNEL = "zalo_oa"
CHECK_EVERY = 120.0  # seconds between looks at the token's expiry (renewed within tokens.MARGIN of it) and
# at the events a killed process left unhandled (journal.py)
START_WAIT = 30.0  # seconds a new event waits at most for the events left at the last stop to go first
USER_EVENTS = ("user_send_", "follow", "user_submit_info")  # the person acted: the window opens again


def bridge_token(app_id: str) -> str:
    """aiogram's token for the OA's bot: a number of its own (bot.id, conversation keys), nothing secret."""
    number = "".join(ch for ch in app_id if ch.isdigit())[-12:] or "1"
    return f"{int(number) + 1}:zalo-oa-bridge"


class OaChannel:
    def __init__(self, settings: Settings, conference: Event, db: Database, i18n: I18n, dispatcher: Dispatcher,
                 telegram: Bot | None = None) -> None:
        self.settings, self.dispatcher, self.db = settings, dispatcher, db
        self.tokens = OaTokens(settings, db)
        self.client = OaClient(settings, self.tokens)
        self.ids = ZaloIds(db)
        self.window = Window(db, settings.zalo_oa_window_hours)
        self.journal = Journal(db)
        self.sender = ReliableSender(settings.zalo_send_rate_per_second, per_chat=None, fit_texts=False)
        session = OaSession(self.client, self.ids, db=db, i18n=i18n, settings=settings, conference=conference,
                            qr=QrLinks(settings, conference), link_bot=telegram, window=self.window)
        session.middleware(callback_alerts)
        session.middleware(self.sender)
        self.bot = Bot(bridge_token(settings.zalo_oa_app_id), session=session, default=DefaultBotProperties(
            parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)))
        self._update_ids = itertools.count(1)
        self._order = ChatOrder()  # this process's order per person (the dispatcher's own follows)
        self._busy: set[int] = set()  # the journal's ids of the events being handled here
        self._resumed = False  # the events left at the last stop have had their turn: new ones go at once
        self._waiting: list[tuple[dict[str, Any], int | None]] = []  # new ones that came before that
        self._tasks: set[asyncio.Task] = set()

    async def run(self, every: float = CHECK_EVERY) -> None:
        """Until cancelled: the events a killed process left unhandled are handed back (at once, then at each
        look); the token is looked at every few minutes and renewed before it expires (tokens.py), so a quiet
        night does not leave it expired; handled events are pruned after some days. Events come by webhook."""
        log.info("Zalo OA webhook at %s%s", self.settings.public_base_url, WEBHOOK_PATH)
        at_start = True
        while True:
            await self.resume(at_start)
            at_start = False
            try:
                await self.tokens.access_token()
            except Exception as exc:  # the other channels go on; the OA's sends will report it
                log.error("Zalo OA: no access token (%s); re-authorize the OA's app", exc)
            await self.journal.prune()
            await asyncio.sleep(every)

    async def resume(self, at_start: bool = False) -> int:
        """The events left received by a process that stopped (or whose handler died), handled now in the
        order they came; how many."""
        try:
            left = await self.journal.left(busy=self._busy)
        except Exception as exc:  # a database outage: the next look finds them
            log.warning("Zalo OA: events left unhandled not looked at (%s)", type(exc).__name__)
            left = []
        if left:
            log.warning("%d Zalo OA events left unhandled %s are handled now", len(left),
                        "at the last stop" if at_start else "by a stopped handler")
        for event_id, event in left:
            self._busy.add(event_id)
            self._start(event, event_id)
        self._open()  # new events that came meanwhile queue behind these
        return len(left)

    def accept(self, event: dict[str, Any], event_id: int | None = None) -> None:
        """An event the webhook has acknowledged (stored in the journal as `event_id`): handled in the
        background, then marked handled. Tasks start in the order accepted, and each first waits for its
        person's turn, so one person's events keep their order. One that comes before the start has handed
        back the events left at the last stop waits for them to go first (at most START_WAIT seconds)."""
        if event_id is not None:
            self._busy.add(event_id)
        if self._resumed:
            self._start(event, event_id)
            return
        if not self._waiting:
            asyncio.get_running_loop().call_later(START_WAIT, self._open)
        self._waiting.append((event, event_id))

    def _open(self) -> None:
        self._resumed = True
        waiting, self._waiting = self._waiting, []
        for event, event_id in waiting:
            self._start(event, event_id)

    def _start(self, event: dict[str, Any], event_id: int | None) -> None:
        task = asyncio.create_task(self._handle(event, event_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, event: dict[str, Any], event_id: int | None) -> None:
        try:
            async with self._order.lock(sender_of(event)):
                await self.feed(event)
            if event_id is not None:
                await self.journal.handled(event_id)
        except Exception as exc:  # left received: handed back by a later look
            log.warning("Zalo OA event %s not marked handled (%s)", event_id, type(exc).__name__)
        finally:
            self._busy.discard(event_id)

    async def feed(self, event: dict[str, Any]) -> None:
        try:
            name, user = str(event.get("event_name") or ""), sender_of(event)
            if user and name.startswith(USER_EVENTS):
                await self.window.wrote(user, _when(event), shared_phone(event))
            raw = platform_event(event)
            data = None if raw is None else await telegram_update(raw, self.ids, next(self._update_ids))
            if data is None:
                return
            update = Update.model_validate(data, context={"bot": self.bot})
            await self.dispatcher.feed_update(self.bot, update, channel=CHANNEL)
        except Exception:  # one broken event must not stop the channel (the dispatcher told the person)
            log.exception("Zalo OA event not handled")

    async def settle(self, timeout: float = 10) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def close(self) -> None:
        await self.settle()
        await self.bot.session.close()


def _when(event: dict[str, Any]) -> datetime | None:
    stamp = str(event.get("timestamp") or "")
    return datetime.fromtimestamp(int(stamp) / 1000, timezone.utc) if stamp.isdigit() else None
