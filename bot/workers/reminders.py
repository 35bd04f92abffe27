"""The reminders worker: APScheduler wakes the reminder sender; what to send is always read from the database.

One job, re-planned to the next due reminder whenever something changes (start, a registration,
an agenda change) and after every wave; a safety re-plan every few minutes; the staff's morning
summary at 07:00 local time on the conference days. It runs only in the process holding the lease
(bot/workers/lease.py), beside the outbox worker (bot/workers/outbox.py).

Reminders have an outbox of their own, with the outbox's promise: a crash loses none, and a message in flight
at the instant of a crash may come twice. What is due is computed from the data when it is due (the agenda as
changed, who turned reminders off, the parts each delegate attends), one message per chat and part naming
everyone that chat registered, so the queue is the reminder_deliveries table rather than outbox rows written
ahead: a row is taken (`sending`) before the send, given back after a fault on the way, and settled with the
outcome (bot/workers/outcome.py, the same reading of a send's answer as the outbox). Rows a killed process
left `sending` are given back when the worker starts (logged: which sends were interrupted) and before every
wave, so they are sent again; a reminder whose part has begun is dropped and recorded `expired`. The text is
rendered at send time and says how soon the part begins ("in 60 minutes", "tomorrow at 08:00").
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone, tzinfo
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.utils.i18n import I18n, gettext as _, ngettext
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.screens import listing
from bot.event import Event
from bot.screens.render import day, stay_card
from bot.workers.outcome import BLOCKED, FAILED, LATER, attempt
from bot.workers.report_reminders import ReportReminders
from bot.services import lodging, reminders
from bot.services.accounts import mark_unreachable, role_holders
from bot.services.agenda import parts
from models import Account, Database, Delegate
from models.account import STAFF
from models.base import utcnow
from models.delegate import CONFIRMED
from models.reminder import EXPIRED

log = logging.getLogger(__name__)
NAMES_SHOWN = 15  # a reminder names at most this many delegates (a message holds 4,096 characters)
JOB = "reminders"
# sends in flight: 8 keep up with 30 a second (2,000 in 66.5 s, the floor); a killed process leaves them taken,
# and the next start sends them again (those that had arrived come twice)
PARALLEL = 8
IN_MINUTES = 120  # a part beginning within this many minutes: "in 45 minutes"; later: "today at 10:00"


class ReminderScheduler:
    def __init__(self, bot: Bot, db: Database, conference: Event, i18n: I18n, admin_ids: frozenset[int],
                 default_language: str) -> None:
        self.bot, self.db, self.conference, self.i18n = bot, db, conference, i18n
        self.bots: dict[str, Bot] = {"telegram": bot}  # by account channel; the Zalo bridge adds its own
        self.admin_ids, self.default_language = admin_ids, default_language
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self.wave_lock = asyncio.Lock()
        self.sent = 0
        self.reports = ReportReminders(self.bots, db, conference, i18n, default_language)

    async def start(self) -> None:
        if self.scheduler.state != STATE_STOPPED:
            return
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)  # a fresh one: this process may hold it again
        self.scheduler.start()
        # a registration taken by another process is seen here within a minute (and at once in this one)
        self.scheduler.add_job(self.replan, "interval", minutes=1, id="replan", coalesce=True)
        self.scheduler.add_job(self.morning_summary, CronTrigger(hour=7, minute=0, timezone=self.conference.tz),
                               id="summary", coalesce=True, misfire_grace_time=3600)
        async with self.wave_lock, self.db.session() as session:  # no send of this process is in flight
            await self.reclaim(session, "when the bot stopped")
            await reminders.skip_begun(session, self.conference)  # missed while the bot was down, too late now
        await self.reports.reclaim()
        # the provinces still missing their report: looked at every minute (the offsets are days or hours)
        self.scheduler.add_job(self.reports.wave, "interval", minutes=1, id="province-reports", coalesce=True,
                               max_instances=1, next_run_time=utcnow())
        await self.replan()

    async def reclaim(self, session, when: str) -> None:
        """Reminders taken and never settled (a killed process, a fault): sent again, or expired; logged."""
        interrupted = await reminders.reclaim(session)
        if interrupted.again:
            log.warning("reminders: %d sends were interrupted %s; they are sent again (%s)", len(interrupted.again),
                        when, reminders.described(interrupted.again))
        if interrupted.expired:
            log.warning("reminders: %d sends were interrupted %s and their part has begun; dropped (%s)",
                        len(interrupted.expired), when, reminders.described(interrupted.expired))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def replan_soon(self) -> None:
        """Something changed (a registration, the agenda): look again within a second, without holding up
        the handler; a burst of registrations makes one re-plan, not one each."""
        if self.scheduler.running and self.scheduler.get_job("replan-now") is None:
            self.scheduler.add_job(self.replan, "date", run_date=utcnow() + timedelta(seconds=1), id="replan-now")

    async def replan(self) -> None:
        async with self.db.session() as session:
            due = await reminders.plan(session, self.conference)
        if not due:
            if self.scheduler.get_job(JOB):
                self.scheduler.remove_job(JOB)
            return
        run_at = max(due[0].due_at, utcnow())
        self.scheduler.add_job(self.wave, "date", run_date=run_at, id=JOB, replace_existing=True,
                               misfire_grace_time=None, coalesce=True)

    async def wave(self) -> None:
        """Send every reminder that is due now (a late one too, if its part has not begun)."""
        async with self.wave_lock:
            async with self.db.session() as session:
                await self.reclaim(session, "by a fault")  # none, unless a send of this process failed midway
                now = utcnow()
                due = [d for d in await reminders.plan(session, self.conference) if d.due_at <= now]
            gate = asyncio.Semaphore(PARALLEL)

            async def one(group: list[reminders.Due]) -> None:
                async with gate:
                    await self.send(group)

            await asyncio.gather(*(one(group) for group in reminders.by_message(due)))
        await self.replan()

    async def send(self, group: list[reminders.Due]) -> None:
        """One message for one reminder of one part to one chat: a secretariat that registered ten delegates
        gets one, naming them, not ten. Each delegate's reminder is still taken and settled on its own row. Too
        late (the part has begun, e.g. after a long wait for Telegram): dropped, recorded expired."""
        async with self.db.session() as session:
            taken = [due for due in group if await reminders.take(session, due)]
            if not taken:
                return  # another run has them
            if utcnow() >= taken[0].part.starts_at:
                log.info("reminder for %s to account %s expired: the part has begun", taken[0].part.code,
                         taken[0].account_id)
                await reminders.settle(session, taken, EXPIRED)
                return
            account = await session.get(Account, taken[0].account_id)
            ids = list(dict.fromkeys(due.delegate_id for due in taken))  # two offsets of one part: one message
            delegates = [await session.get(Delegate, delegate_id) for delegate_id in ids]
            stay = await lodging.stay_of(session, self.conference, delegates[0]) if len(delegates) == 1 else None
            text = self.render(taken[0].part, account, delegates, stay)
            outcome = await attempt(self.bots[account.channel].send_message(int(account.chat_id), text))
            if outcome.status == LATER:
                log.warning("reminder to account %s not sent (%s); it is tried again", account.id, outcome.error)
                await reminders.release(session, taken)
                return
            if outcome.status == BLOCKED:
                await mark_unreachable(session, account.id)
            elif outcome.status == FAILED:
                log.warning("reminder to account %s refused: %s", account.id, outcome.error)
            else:
                self.sent += 1
            await reminders.settle(session, taken, outcome.status)

    def render(self, part, account: Account, delegates: list[Delegate], stay=None) -> str:
        """The reminder; `stay` (hotel, room) when the one delegate it is for has a room."""
        lang = account.language or self.default_language
        venue, tz = self.conference.venue, self.conference.tz
        start = part.starts_at.astimezone(tz)
        with self.i18n.context(), self.i18n.use_locale(lang):
            lines = [_("🔔 <b>Reminder</b>: {title}").format(title=escape(part.title.get(lang))),
                     f"🕑 {day(start.date(), lang)}, {start:%H:%M}",
                     begins(part.starts_at, utcnow(), tz, lang),
                     f"📍 {escape(part.place.get(lang))}, {escape(venue.address.get(lang))}"]
            if venue.directions:
                lines.append(_("🚗 How to get there: {directions}").format(
                    directions=escape(venue.directions.get(lang))))
            if stay:
                lines.append(stay_card(*stay, lang))
            others = [escape(d.full_name) for d in delegates if d.account_id != account.id]
            if others:
                lines.append(_("(for {name}, whom you registered)").format(name=listing.names(others, NAMES_SHOWN)))
            lines.append(_("/schedule for the whole agenda, /reminders to turn reminders off."))
        return "\n".join(lines)

    async def morning_summary(self) -> None:
        """Staff and organizers: who is expected today and how many are registered for each part."""
        today = utcnow().astimezone(self.conference.tz).date()
        days = self.conference.arrival_days()
        if not days[0] <= today <= days[-1]:
            return
        async with self.db.session() as session:
            delegates = (await session.scalars(select(Delegate).where(
                Delegate.event_id == self.conference.id, Delegate.status == CONFIRMED))).all()
            agenda = await parts(session, self.conference)
            holders = [h for h in await role_holders(session, self.admin_ids) if STAFF in h.roles]
        arriving = [d for d in delegates if d.arrival_date == today]
        for chat_id, _roles, lang, channel in holders:
            bot = self.bots.get(channel)
            if bot is None:
                continue
            lang = lang or self.default_language
            with self.i18n.context(), self.i18n.use_locale(lang):
                lines = [_("☀️ <b>Today, {day}</b>: {count} delegates expected to arrive").format(
                    day=day(today, lang), count=len(arriving))]
                for part in agenda:
                    count = sum(1 for d in delegates if part.attended_by(d.part_codes))
                    lines.append(f"• {escape(part.title.get(lang))}: {count}")
            try:
                await bot.send_message(chat_id, "\n".join(lines))
            except (TelegramBadRequest, TelegramForbiddenError):
                continue

    def next_wave_at(self):
        job = self.scheduler.get_job(JOB)
        return job.next_run_time if job else None



def begins(start: datetime, now: datetime, tz: tzinfo, lang: str) -> str:
    """How soon a part begins, as a reminder says it: "in 60 minutes", "today at 10:00", "tomorrow at 08:00"."""
    minutes = max(1, round((start - now).total_seconds() / 60))
    local = start.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    if minutes <= IN_MINUTES:
        return ngettext("⏰ Begins in {count} minute", "⏰ Begins in {count} minutes", minutes).format(count=minutes)
    if days == 0:
        return _("⏰ Begins today at {time}").format(time=f"{local:%H:%M}")
    if days == 1:
        return _("⏰ Begins tomorrow at {time}").format(time=f"{local:%H:%M}")
    return _("⏰ Begins on {day} at {time}").format(day=day(local.date(), lang), time=f"{local:%H:%M}")
