"""/agenda for organizers: move a part, change its place, cancel or restore it, or add one; see who is
affected; confirm. The change is stored on top of the event file, the delegates attending get a notice
in their language through the outbox, and the reminders are re-planned (bot/middlewares.py)."""
from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Text
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.callbacks import Agenda, AgendaAction, Pick
from bot.screens.render import change_notice, day
from bot.services import agenda, confirmations, outbox
from bot.services.fields import Refusal, day_and_time
from bot.text import clean
from bot.screens.ui import CONFIRMATION_KEY, Button, column, confirmation_key, done, show
from handlers.broadcast import start_progress
from handlers.filters import HasRole, organizers_only, organizers_only_button
from models.account import ORGANIZER
from models.outbox import AGENDA

PLACE_LIMIT = 200


class AgendaEdit(StatesGroup):
    time = State()
    place = State()
    title = State()  # of a new part
    confirm = State()


def _two_languages(raw: str) -> Text | None:
    """"Hội trường A | Hall A": Vietnamese, then English; one text serves both. None without the Vietnamese
    (blank, or "| Hall A")."""
    vi, _sep, en = (part.strip() for part in clean(raw).partition("|"))
    return Text(vi=vi, en=en or vi) if vi else None


async def current(session: AsyncSession, conference: Event, code: str) -> agenda.AgendaPart | None:
    return next((p for p in await agenda.parts(session, conference) if p.code == code), None)


def part_line(part: agenda.AgendaPart, conference: Event, lang: str) -> str:
    start = part.starts_at.astimezone(conference.tz)
    line = f"{day(start.date(), lang)} {start:%H:%M} — {part.title.get(lang)}"
    return ("❌ " + line) if part.cancelled else line


async def begin(message: Message, state: FSMContext, conference: Event, lang: str, session: AsyncSession) -> None:
    await state.clear()
    buttons = [Button(part_line(p, conference, lang), Agenda(action=AgendaAction.part, code=p.code).pack())
               for p in await agenda.parts(session, conference)]
    buttons.append(Button(_("➕ Add a part"), Agenda(action=AgendaAction.add).pack()))
    await show(message, state, _("🗓 <b>Change the agenda</b>\nWhich part?"), column(buttons))


async def add_pressed(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(AgendaEdit.title)
    await state.update_data(ag_code="", ag_action=AgendaAction.add.value)
    await callback.message.answer(_("Send the title of the new part. For both languages: "
                                    "<code>Tiếng Việt | English</code>. /cancel to stop."))


async def part_in_agenda(callback: CallbackQuery, callback_data: Agenda, conference: Event,
                         session: AsyncSession) -> dict | bool:
    """The part a button names, as the agenda stands now; a part no longer in it is `part_gone`'s."""
    part = await current(session, conference, callback_data.code)
    return {"part": part} if part is not None else False


async def part_gone(callback: CallbackQuery) -> None:
    await callback.answer()
    await callback.message.answer(_("This part is no longer in the agenda; send /agenda again."))


async def part_pressed(callback: CallbackQuery, callback_data: Agenda, here: Here, part: agenda.AgendaPart) -> None:
    """One part: when and where, who attends, and what can be changed."""
    await callback.answer()
    state, conference, lang, code = here.state, here.conference, here.lang, part.code
    await state.update_data(ag_code=code, ag_action=callback_data.action.value)
    people = await outbox.recipients(here.session, conference, f"part:{code}")
    start = part.starts_at.astimezone(conference.tz)
    end = f"–{part.ends_at.astimezone(conference.tz):%H:%M}" if part.ends_at else ""
    text = "\n".join([f"<b>{escape(part.title.get(lang))}</b>", f"🕑 {day(start.date(), lang)}, {start:%H:%M}{end}",
                      f"📍 {escape(part.place.get(lang))}",
                      _("Attending: {delegates} delegates").format(delegates=sum(p.delegates for p in people))])
    toggle = (Button(_("↩️ Restore this part"), Agenda(action=AgendaAction.restore, code=code).pack())
              if part.cancelled else
              Button(_("❌ Cancel this part"), Agenda(action=AgendaAction.cancel, code=code).pack()))
    await show(callback, state, text, column([
        Button(_("🕑 Change the time"), Agenda(action=AgendaAction.time, code=code).pack()),
        Button(_("📍 Change the place"), Agenda(action=AgendaAction.place, code=code).pack()), toggle]), edit=True)


async def time_pressed(callback: CallbackQuery, callback_data: Agenda, state: FSMContext, part: agenda.AgendaPart) -> None:
    await callback.answer()
    await state.update_data(ag_code=part.code, ag_action=callback_data.action.value)
    await state.set_state(AgendaEdit.time)
    await callback.message.answer(_("Send the new start time: <code>08:30</code> for the same day, or "
                                    "<code>27/7 14:00</code> for another day. The length of the part stays "
                                    "the same."))


async def place_pressed(callback: CallbackQuery, callback_data: Agenda, state: FSMContext, part: agenda.AgendaPart) -> None:
    await callback.answer()
    await state.update_data(ag_code=part.code, ag_action=callback_data.action.value)
    await state.set_state(AgendaEdit.place)
    await callback.message.answer(_("Send the new place. For both languages: "
                                    "<code>Hội trường A | Hall A</code>."))


async def cancel_or_restore_pressed(callback: CallbackQuery, callback_data: Agenda, here: Here,
                                    part: agenda.AgendaPart) -> None:
    await callback.answer()
    await here.state.update_data(ag_code=part.code, ag_action=callback_data.action.value)
    await confirm(callback.message, here)


async def got_title(message: Message, state: FSMContext) -> None:
    title = _two_languages(message.text or "")
    if title is None or len(title.vi) > PLACE_LIMIT or len(title.en) > PLACE_LIMIT:
        await message.answer(_("Please send a title of at most {limit} characters.").format(limit=PLACE_LIMIT))
        return
    await state.update_data(ag_title=[title.vi, title.en])
    await state.set_state(AgendaEdit.time)
    await message.answer(_("When does it start? For example <code>27/7 19:00</code>."))


async def got_time(message: Message, here: Here) -> None:
    state, conference, session = here.state, here.conference, here.session
    data = await state.get_data()
    part = await current(session, conference, data["ag_code"]) if data.get("ag_code") else None
    base = (part.starts_at if part else conference.parts[0].starts_at).astimezone(conference.tz)
    moment = day_and_time(message.text or "", base.date())
    if isinstance(moment, Refusal):
        await message.answer(_("I could not read that time. Please write it like <code>08:30</code> or "
                               "<code>27/7 14:00</code>."))
        return
    starts = moment.replace(tzinfo=conference.tz)
    if starts.date() not in conference.arrival_days():
        await message.answer(_("That day is outside the conference; please check the date."))
        return
    await state.update_data(ag_starts=starts.isoformat())
    if data.get("ag_action") == "add":
        await state.set_state(AgendaEdit.place)
        await message.answer(_("Where? For both languages: <code>Hội trường A | Hall A</code>."))
        return
    await confirm(message, here)


async def got_place(message: Message, here: Here) -> None:
    place = _two_languages(message.text or "")
    if place is None or len(place.vi) > PLACE_LIMIT or len(place.en) > PLACE_LIMIT:
        await message.answer(_("Please send a place of at most {limit} characters.").format(limit=PLACE_LIMIT))
        return
    await here.state.update_data(ag_place=[place.vi, place.en])
    await confirm(message, here)


def _proposal(data: dict, part: agenda.AgendaPart | None, conference: Event) -> agenda.AgendaPart:
    """The part as it will be once the change is made."""
    starts = datetime.fromisoformat(data["ag_starts"]) if data.get("ag_starts") else None
    place = Text(vi=data["ag_place"][0], en=data["ag_place"][1]) if data.get("ag_place") else None
    if part is None:  # a new part
        title = Text(vi=data["ag_title"][0], en=data["ag_title"][1])
        return agenda.AgendaPart("", title, starts, None, place or conference.venue.name, (), for_everyone=True)
    ends = part.ends_at + (starts - part.starts_at) if starts and part.ends_at else part.ends_at
    cancelled = {"cancel": True, "restore": False}.get(data.get("ag_action"), part.cancelled)
    return agenda.AgendaPart(part.code, part.title, starts or part.starts_at, ends, place or part.place, part.programme,
                       cancelled, part.for_everyone)


async def confirm(message: Message, here: Here) -> None:
    state, conference, session = here.state, here.conference, here.session
    data = await state.get_data()
    part = await current(session, conference, data["ag_code"]) if data.get("ag_code") else None
    new = _proposal(data, part, conference)
    audience = f"part:{part.code}" if part else outbox.ALL
    people = await outbox.recipients(session, conference, audience)
    await confirmation_key(state)
    await state.set_state(AgendaEdit.confirm)
    notice = change_notice(conference, part, new, here.lang)
    text = "\n\n".join([notice, _("This notice goes to {chats} chats ({delegates} delegates), each in their "
                                  "language, and their reminders move with the part.").format(
        chats=len(people), delegates=sum(p.delegates for p in people))])
    await show(message, state, text, column([Button(_("✅ Confirm and notify"), Pick(step="ag_go", key="yes").pack()),
                                             Button(_("Cancel"), Pick(step="ag_go", key="no").pack())]))


async def decided(callback: CallbackQuery, callback_data: Pick, here: Here, i18n: I18n, postman=None) -> None:
    state, conference, session, account = here.state, here.conference, here.session, here.account
    await callback.answer()
    data = await state.get_data()
    await state.clear()
    if callback_data.key != "yes" or "ag_action" not in data:
        await callback.message.answer(_("The agenda was not changed."))
        return
    already = _("This agenda change is already made.")
    if not await confirmations.take(session, data.get(CONFIRMATION_KEY) or confirmations.new_key(),
                                    confirmations.AGENDA):  # the same update handled again
        await callback.message.answer(already)
        return
    part = await current(session, conference, data["ag_code"]) if data.get("ag_code") else None
    new = _proposal(data, part, conference)
    if part is None:
        row = await agenda.add(session, conference, account, title=new.title, starts_at=new.starts_at,
                               place=new.place, commit=False)
        audience = outbox.ALL
    else:
        row = await agenda.change(session, conference, part.code, account, starts_at=new.starts_at,
                                  ends_at=new.ends_at, place=new.place, cancelled=new.cancelled, commit=False)
        audience = f"part:{part.code}"
    new = await current(session, conference, row.part_code)
    notices = {}
    for lang in ("vi", "en"):
        with i18n.use_locale(lang):
            notices[lang] = change_notice(conference, part, new, lang)
    people = await outbox.recipients(session, conference, audience)
    notice = await outbox.create(session, conference, people, audience=audience, kind=AGENDA, text_vi=notices["vi"],
                                 text_en=notices["en"], by=account, progress_language=here.lang)
    await callback.message.answer(_("✅ The agenda is changed; /schedule shows it."))
    await start_progress(callback.message, session, notice, len(people))
    if postman is not None:
        postman.wake()
    await done(callback, state, already)


def create_router() -> Feature:
    router = Feature(name="agenda_changes")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(begin, Command("agenda"), organizer)
    router.message.register(organizers_only, Command("agenda"))
    typed = F.text & ~F.text.startswith("/")
    router.message.register(got_title, AgendaEdit.title, typed, organizer)
    router.message.register(got_time, AgendaEdit.time, typed, organizer)
    router.message.register(got_place, AgendaEdit.place, typed, organizer)
    router.callback_query.register(add_pressed, Agenda.filter(F.action == AgendaAction.add), organizer)
    for actions, handler in (({AgendaAction.part}, part_pressed), ({AgendaAction.time}, time_pressed),
                             ({AgendaAction.place}, place_pressed),
                             ({AgendaAction.cancel, AgendaAction.restore}, cancel_or_restore_pressed)):
        router.callback_query.register(handler, Agenda.filter(F.action.in_(actions)), organizer, part_in_agenda)
    router.callback_query.register(part_gone, Agenda.filter(), organizer)
    router.callback_query.register(organizers_only_button, Agenda.filter())
    router.callback_query.register(decided, Pick.filter(F.step == "ag_go"), AgendaEdit.confirm, organizer)
    return router
