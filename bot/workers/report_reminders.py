"""Reminders to the provinces whose six-month report is still missing, at the offsets the event file sets
(`province_reports.reminders`), to each secretariat of the province. Woken every minute by the reminders
worker (bot/workers/reminders.py), in the process holding the lease.

The reminders' promise: a reminder is taken (a report_reminder_deliveries row, unique per province, offset
and recipient) before it is sent and settled after, so two runs never both send it; a fault on the way
gives it back to be tried again; a row a killed process left `sending` is given back at start and sent
again (a message in flight at that instant may come twice). Once the conference has begun they stop.
"""
from __future__ import annotations

import asyncio
import logging
from html import escape

from aiogram import Bot
from aiogram.utils.i18n import I18n, gettext as _

from bot.event import Event
from bot.services import province_reports
from bot.services.accounts import mark_unreachable
from bot.workers.outcome import BLOCKED, FAILED, LATER, attempt
from models import Account, Database

log = logging.getLogger(__name__)


class ReportReminders:
    def __init__(self, bots: dict[str, Bot], db: Database, conference: Event, i18n: I18n,
                 default_language: str) -> None:
        self.bots, self.db, self.conference, self.i18n = bots, db, conference, i18n
        self.default_language = default_language
        self.lock = asyncio.Lock()
        self.sent = 0

    async def reclaim(self) -> None:
        async with self.lock, self.db.session() as session:
            again = await province_reports.reclaim(session, self.conference)
        if again:
            log.warning("report reminders: %d sends were interrupted when the bot stopped; they are sent again", again)

    async def wave(self) -> None:
        async with self.lock:
            async with self.db.session() as session:
                due = await province_reports.due_reminders(session, self.conference)
            for item in due:
                await self.send(item)

    async def send(self, due: province_reports.DueReminder) -> None:
        async with self.db.session() as session:
            if not await province_reports.take(session, self.conference, due):
                return  # another run has it
            account = await session.get(Account, due.account_id)
            bot = self.bots.get(account.channel)
            if bot is None:
                await province_reports.settle(session, self.conference, due, FAILED)
                return
            outcome = await attempt(bot.send_message(int(account.chat_id), self.render(due, account)))
            if outcome.status == LATER:
                log.warning("report reminder to account %s not sent (%s); tried again", account.id, outcome.error)
                await province_reports.settle(session, self.conference, due, None)
                return
            if outcome.status == BLOCKED:
                await mark_unreachable(session, account.id)
            elif outcome.status != FAILED:
                self.sent += 1
            await province_reports.settle(session, self.conference, due, outcome.status)

    def render(self, due: province_reports.DueReminder, account: Account) -> str:
        lang = account.language or self.default_language
        rules, province = self.conference.province_reports, self.conference.province(due.province)
        with self.i18n.context(), self.i18n.use_locale(lang):
            return _("🔔 <b>Six-month report</b>: the report of {province} has not been received yet; it is due "
                     "{due}. Send /report, then the file (PDF, DOC or DOCX, at most {limit} MB).").format(
                province=escape(province.name.get(lang) if province else due.province),
                due=rules.due.astimezone(self.conference.tz).strftime("%d/%m/%Y %H:%M"), limit=rules.max_size_mb)
