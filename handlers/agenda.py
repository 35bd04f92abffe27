"""/schedule (the agenda as it stands), /calendar (an .ics file), /reminders (on or off)."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.callbacks import Pick
from bot.screens.render import day
from bot.services import agenda, registration as reg
from bot.screens.ui import Button, show
from models import Account
from models.base import utcnow


async def attending(session: AsyncSession, conference: Event, account: Account) -> set[str]:
    return {code for d in await reg.delegates_of(session, conference, account) if d.active for code in d.part_codes}


async def schedule(message: Message, conference: Event, lang: str, session: AsyncSession, account: Account) -> None:
    parts = await agenda.parts(session, conference)
    mine = await attending(session, conference, account)
    tz = conference.tz
    lines = [f"📅 <b>{escape(conference.short_name.get(lang))}</b>"]
    now, upcoming = agenda.now_and_next(parts)
    if now:
        lines.append(_("▶️ Now: {title}").format(title=escape(now.title.get(lang))))
    if upcoming and (now or upcoming.starts_at.astimezone(tz).date() == utcnow().astimezone(tz).date()):
        lines.append(_("⏭ Next: {title} at {time}").format(title=escape(upcoming.title.get(lang)),
                                                           time=upcoming.starts_at.astimezone(tz).strftime("%H:%M")))
    for part in parts:
        start = part.starts_at.astimezone(tz)
        mark = "✅" if part.attended_by(mine) and mine else "▫️"
        title = escape(part.title.get(lang))
        if part.cancelled:
            title = f"<s>{title}</s> — " + _("cancelled")
        lines.append(f"\n{mark} <b>{day(start.date(), lang)}, {start:%H:%M}</b>  {title}")
        lines.append(f"   📍 {escape(part.place.get(lang))}")
        lines += [f"   {n}. {escape(item.get(lang))}" for n, item in enumerate(part.programme, 1)]
    if mine:
        lines.append("\n" + _("✅ = the parts you (or the delegates you registered) attend. /calendar adds them to "
                              "your phone's calendar."))
    await message.answer("\n".join(lines))


async def calendar(message: Message, conference: Event, lang: str, session: AsyncSession, account: Account) -> None:
    mine = await attending(session, conference, account)
    if not mine:
        await message.answer(_("Register first (/start): the calendar holds the parts you attend."))
        return
    chosen = [p for p in await agenda.parts(session, conference) if p.attended_by(mine)]
    data = agenda.calendar(conference, chosen, lang)
    await message.answer_document(BufferedInputFile(data, filename=f"{conference.id}.ics"),
                                  caption=_("Open this file to add the conference to your calendar."))


def describe_offsets(conference: Event) -> str:
    said = []
    for reminder in conference.reminders:
        if reminder.day_before_at:
            said.append(_("the day before at {time}").format(time=reminder.day_before_at))
        else:
            said.append(_("{minutes} minutes before").format(minutes=reminder.minutes_before))
    return ", ".join(said)


async def reminders_command(message: Message, state: FSMContext, conference: Event, account: Account) -> None:
    await reminders_menu(message, state, conference, account)


async def reminders_menu(target: Message | CallbackQuery, state: FSMContext, conference: Event,
                         account: Account) -> None:
    if account.reminders:
        text = _("🔔 Reminders are on, for each part you attend: {when}.").format(when=describe_offsets(conference))
        button = Button(_("🔕 Turn reminders off"), Pick(step="reminders", key="off").pack())
    else:
        text = _("🔕 Reminders are off.")
        button = Button(_("🔔 Turn reminders on"), Pick(step="reminders", key="on").pack())
    await show(target, state, text, [[button]], edit=True)


async def reminders_switched(callback: CallbackQuery, callback_data: Pick, here: Here, reminders=None) -> None:
    here.account.reminders = callback_data.key == "on"
    await here.session.commit()
    if reminders is not None:
        reminders.replan_soon()
    await callback.answer()
    await reminders_menu(callback, here.state, here.conference, here.account)


def create_router() -> Feature:
    router = Feature(name="agenda")
    router.message.filter(F.chat.type == "private")
    router.message.register(schedule, Command("schedule"))
    router.message.register(calendar, Command("calendar"))
    router.message.register(reminders_command, Command("reminders"))
    router.callback_query.register(reminders_switched, Pick.filter(F.step == "reminders"))
    return router
