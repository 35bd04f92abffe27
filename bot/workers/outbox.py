"""Sends the outbox: broadcasts and agenda change notices, oldest first, through the paced sender.

The database is the truth (bot/services/outbox.py): this worker only takes pending rows, sends,
and records the outcome. It wakes when a broadcast is confirmed, every few seconds otherwise, and
at start it picks up whatever a crash interrupted. The organizer's progress message is edited as
it goes, and a report names everyone not reached so the secretariat can phone them. It runs only in the
process holding the lease (bot/workers/lease.py); what became of each send is read by bot/workers/outcome.py,
as for the reminders (bot/workers/reminders.py: their own queue, with the same promise).
"""
from __future__ import annotations

import asyncio
import logging
import time
from html import escape

from aiogram import Bot
from aiogram.exceptions import (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramRetryAfter, TelegramServerError)
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy import select

from bot.screens import listing
from bot.channels.zalo.ids import is_zalo
from bot.event import Event
from bot.screens.broadcasts import delegate_text, progress_title, stop_button
from bot.services.accounts import mark_unreachable
from bot.workers.outcome import LATER, attempt
from bot.services import outbox, transport
from bot.screens.transport import notice as transport_notice
from models import Account, Broadcast, Database, OutboxMessage
from models.base import utcnow
from models.outbox import BLOCKED, CANCELLED, FAILED, PENDING, RUNNING, SENDING, SENT, TRANSPORT

log = logging.getLogger(__name__)
PARALLEL = 8  # sends in flight; few enough that a delegate's reply is never queued behind many
PROGRESS_EVERY = 3.0  # seconds between edits of the organizer's progress message
IDLE = 5.0  # seconds between looks at the outbox when nothing wakes the worker
REPORT_LIMIT = 3500  # characters of names per report message


class Postman:
    def __init__(self, bot: Bot, db: Database, conference: Event, i18n: I18n, default_language: str) -> None:
        self.bot, self.db, self.conference, self.i18n = bot, db, conference, i18n
        self.bots: dict[str, Bot] = {"telegram": bot}  # by account channel; the Zalo bridge adds its own
        self.default_language = default_language
        self.nudge = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.sent = 0

    async def start(self) -> None:
        if self.task is not None:
            return
        async with self.db.session() as session:
            again = await outbox.resume(session)
        if again:
            log.warning("outbox: %d messages were in flight when the bot stopped; they are sent again", again)
        self.task = asyncio.create_task(self.run(), name="outbox")

    async def recover(self) -> None:
        """Rows this worker had taken when a round failed are pending again (nothing else is in flight)."""
        try:
            async with self.db.session() as session:
                await outbox.resume(session)
        except Exception:
            log.exception("outbox: could not release the rows of a failed round")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

    def wake(self) -> None:
        self.nudge.set()

    async def run(self) -> None:
        while True:
            self.nudge.clear()
            try:
                pause = await self.round()
            except Exception:  # the worker must outlive a database hiccup
                log.exception("outbox round failed")
                pause = IDLE
                await self.recover()
            try:
                await asyncio.wait_for(self.nudge.wait(), pause)
            except TimeoutError:
                pass

    async def round(self) -> float:
        async with self.db.session() as session:
            ids = [b.id for b in await outbox.running(session, self.conference)]
        pause = IDLE
        for broadcast_id in ids:
            pause = min(pause, await self.deliver(broadcast_id))
        return pause

    async def deliver(self, broadcast_id: int) -> float:
        """Send what is pending; returns how long to wait before looking again."""
        shown = 0.0
        while True:
            async with self.db.session() as session:
                broadcast = await session.get(Broadcast, broadcast_id)
                if broadcast.status != RUNNING:  # cancelled meanwhile
                    await self.conclude(session, broadcast)
                    return IDLE
                rows = await outbox.claim(session, broadcast_id, PARALLEL)  # small: a stop takes effect at once
                if not rows:
                    counts = await outbox.counts(session, broadcast_id)
                    if counts[PENDING] or counts[SENDING]:  # some wait for a retry after a fault
                        retry_at = await outbox.next_retry_at(session, broadcast_id)
                        return max(0.5, (retry_at - utcnow()).total_seconds()) if retry_at else IDLE
                    await outbox.finish(session, broadcast)
                    await self.conclude(session, broadcast)
                    return IDLE
                accounts = {a.id: a for a in (await session.scalars(
                    select(Account).where(Account.id.in_([r.account_id for r in rows])))).unique()}
                session.expunge_all()
            gate = asyncio.Semaphore(PARALLEL)

            async def one(row: OutboxMessage) -> None:
                async with gate:
                    await self.send(broadcast, row, accounts[row.account_id])

            await asyncio.gather(*(one(row) for row in rows))
            if time.monotonic() - shown >= PROGRESS_EVERY:
                shown = time.monotonic()
                async with self.db.session() as session:
                    await self.show_progress(broadcast, await outbox.counts(session, broadcast_id))

    async def text_for(self, broadcast: Broadcast, account: Account) -> str:
        lang = account.language or self.default_language
        entries = None
        if broadcast.kind == TRANSPORT:  # each chat its own seats, as they stand when the notice goes out
            async with self.db.session() as session:
                entries = await transport.of_account(session, self.conference, account.id)
        with self.i18n.context(), self.i18n.use_locale(lang):
            return transport_notice(self.conference, entries, lang) if entries is not None \
                else delegate_text(broadcast, lang)

    async def send(self, broadcast: Broadcast, row: OutboxMessage, account: Account) -> None:
        text = await self.text_for(broadcast, account)
        chat, bot = int(account.chat_id), self.bots[account.channel]
        if broadcast.media_kind == "photo":
            sending = bot.send_photo(chat, broadcast.media_file_id, caption=text)
        elif broadcast.media_kind == "document":
            sending = bot.send_document(chat, broadcast.media_file_id, caption=text)
        else:
            sending = bot.send_message(chat, text)
        outcome = await attempt(sending)
        async with self.db.session() as session:
            if outcome.status == LATER:
                status = await outbox.try_later(session, row, outcome.error)
                log.warning("broadcast %s to account %s: %s (%s)", broadcast.id, account.id, outcome.error, status)
                return
            if outcome.status == BLOCKED:
                await mark_unreachable(session, account.id)
            await outbox.settle(session, row.id, outcome.status, outcome.error)
        if outcome.status == SENT:
            self.sent += 1
        else:
            log.info("broadcast %s not delivered to account %s: %s", broadcast.id, account.id, outcome.error)

    def progress_text(self, broadcast: Broadcast, counts: dict[str, int]) -> str:
        total = sum(counts.values())
        title = progress_title(broadcast)
        state = {RUNNING: _("sending…"), CANCELLED: _("cancelled")}.get(broadcast.status, _("finished"))
        return "\n".join([
            f"<b>{title}</b>: {state}",
            _("Sent: {sent} of {total}").format(sent=counts[SENT], total=total),
            _("Pending: {pending}").format(pending=counts[PENDING] + counts[SENDING]),
            _("Not reached: {failed}").format(failed=counts[BLOCKED] + counts[FAILED]),
        ])

    async def organizer_bot(self, broadcast: Broadcast) -> Bot:
        """The bot of the chat the broadcast was confirmed in: an organizer may work on Zalo (its Bot Platform
        bot or the host's OA: the account's channel tells)."""
        if not is_zalo(int(broadcast.progress_chat_id)):
            return self.bots["telegram"]
        async with self.db.session() as session:
            channel = await session.scalar(select(Account.channel).where(
                Account.chat_id == str(broadcast.progress_chat_id)).limit(1))
        return self.bots.get(channel or "zalo", self.bots.get("zalo", self.bot))

    async def show_progress(self, broadcast: Broadcast, counts: dict[str, int]) -> None:
        if not broadcast.progress_chat_id or not broadcast.progress_message_id:
            return
        if is_zalo(int(broadcast.progress_chat_id)) and broadcast.status == RUNNING:
            return  # Zalo cannot edit: each edit would be one more message; the final counts come at the end
        with self.i18n.context(), self.i18n.use_locale(broadcast.progress_language):
            text = self.progress_text(broadcast, counts)
            markup = stop_button(broadcast.id) if broadcast.status == RUNNING else None
        try:
            await (await self.organizer_bot(broadcast)).edit_message_text(
                text, chat_id=int(broadcast.progress_chat_id), message_id=broadcast.progress_message_id,
                reply_markup=markup)
        except TelegramBadRequest:  # "message is not modified", or deleted by the organizer
            pass
        except (TelegramForbiddenError, TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
            log.info("progress of broadcast %s not shown: %s", broadcast.id, exc)

    async def conclude(self, session, broadcast: Broadcast) -> None:
        """The final progress, and a report naming everyone not reached."""
        counts = await outbox.counts(session, broadcast.id)
        missed = await outbox.not_reached(session, broadcast.id)
        await self.show_progress(broadcast, counts)
        if not broadcast.progress_chat_id:
            return
        with self.i18n.context(), self.i18n.use_locale(broadcast.progress_language):
            for text in report(broadcast, counts, missed):
                try:
                    await (await self.organizer_bot(broadcast)).send_message(int(broadcast.progress_chat_id), text)
                except (TelegramBadRequest, TelegramForbiddenError) as exc:
                    log.warning("report of broadcast %s not delivered: %s", broadcast.id, exc)
                    return


def report(broadcast: Broadcast, counts: dict[str, int], missed: list[OutboxMessage]) -> list[str]:
    total = sum(counts.values())
    if broadcast.status == CANCELLED:
        head = _("Broadcast #{id} stopped: {sent} of {total} chats had received it.")
    else:
        head = _("Broadcast #{id} finished: {sent} of {total} chats reached.")
    head = head.format(id=broadcast.id, sent=counts[SENT], total=total)
    if not missed:
        return [head]
    head += "\n" + _("Not reached ({count}); please contact them another way:").format(count=len(missed))
    why = {BLOCKED: _("has blocked the bot"), FAILED: _("Telegram refused the message")}
    # one chat may stand for a whole delegation: its names are cut short, the chat is still one line
    lines = [f"• {escape(listing.clip(row.names or '?'))} — {why[row.status]}" for row in missed]
    messages, current = [], head
    for line in lines:
        if len(current) + len(line) + 1 > REPORT_LIMIT:
            messages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    messages.append(current)
    return messages
