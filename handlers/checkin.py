"""Reception staff: check delegates in by camera link, photo, typed or scanned code, or by search;
undo a mistaken check-in; switch the check-in list; see arrival numbers (/stats)."""
from __future__ import annotations

import asyncio
import io
from html import escape

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.callbacks import Desk, DeskAction
from bot.screens.render import day
from bot.services import badge, checkin, tickets
from bot.services.pace import Pace
from bot.screens.ui import Button, column, show
from handlers.filters import HasRole
from models import Delegate
from models.account import STAFF

PART_KEY = "checkin_list"


class Reception(StatesGroup):
    desk = State()  # any text is a code or a name/phone to search


def part_name(conference: Event, code: str, lang: str) -> str:
    s = conference.part(code)
    return f"{day(s.starts_at.astimezone(conference.tz).date(), lang)} — {s.title.get(lang)}" if s else code


async def current_part(state: FSMContext, conference: Event) -> str:
    chosen = (await state.get_data()).get(PART_KEY)
    return chosen if chosen and conference.part(chosen) else checkin.default_part(conference)


def render(decision: checkin.Decision, conference: Event, lang: str) -> tuple[str, list[list[Button]] | None]:
    """The answer staff see: big, one glance, with what to do."""
    where = escape(part_name(conference, decision.part_code, lang))
    d = decision.delegate
    if decision.outcome == checkin.REFUSED:
        reason = {
            "not_a_code": _("this is not a check-in code"),
            "forged": _("unknown or forged code"),
            "unknown": _("no such registration"),
            "replaced": _("the code was replaced by a newer one: ask the delegate for the current code (/myqr)"),
            "cancelled": _("the registration was cancelled"),
        }[decision.reason]
        who = f"\n{escape(d.full_name)}" if d is not None and decision.reason in ("replaced", "cancelled") else ""
        heading = _("NOT VALID")
        return f"❌ <b>{heading}</b>: {reason}{who}\n<i>{where}</i>", None
    province, category = conference.province(d.province), conference.category(d.category)
    person = (f"<b>{escape(d.full_name)}</b>\n{escape(province.name.get(lang)) if province else ''} · "
              f"{escape(category.label.get(lang)) if category else ''}")
    if decision.outcome == checkin.ALREADY:
        at = decision.checkin.at.astimezone(conference.tz).strftime("%H:%M")
        by = escape(decision.by.display_name) if decision.by else "?"
        text = _("⚠️ <b>ALREADY CHECKED IN</b> at {time} by {staff}").format(time=at, staff=by)
        return f"{text}\n{person}\n<i>{where}</i>", None
    lodging = _("🏨 Lodging arranged by the host") if d.needs_lodging else _("No lodging requested")
    hand_over = _("Hand over: {items}.").format(items=escape(conference.hand_over.get(lang)))
    undo = [[Button(_("↩️ Undo this check-in"), Desk(action=DeskAction.undo, id=decision.checkin.id).pack())]]
    heading = _("CHECKED IN")
    return f"✅ <b>{heading}</b>\n{person}\n{lodging}\n{hand_over}\n<i>{where}</i>", undo


async def answer(target: Message | CallbackQuery, state: FSMContext, decision: checkin.Decision,
                 conference: Event, lang: str) -> None:
    text, menu = render(decision, conference, lang)
    await show(target, state, text, menu, strict=True)


async def decide_text(message: Message, here: Here, text: str, via: str) -> None:
    part_code = await current_part(here.state, here.conference)
    decision = await checkin.scan(here.session, here.conference, here.settings.secret_key, text, part_code,
                                  here.account, via)
    await answer(message, here.state, decision, here.conference, here.lang)


async def staff_opened_code(message: Message, here: Here, payload: str, *, other_link: bool = False) -> None:
    """Staff scanned a code with the phone camera: the deep link opened the bot. Whatever it held (a check-in
    code, a damaged one, an invitation), the desk stays open on its list and the answer has the one look
    of a check-in answer, so the next delegate in the queue is scanned without a detour."""
    part_code = await current_part(here.state, here.conference)
    decision = await checkin.scan(here.session, here.conference, here.settings.secret_key, payload, part_code,
                                  here.account, "link")
    text, menu = render(decision, here.conference, here.lang)
    if other_link:  # an invitation or a registration link: it still works once the desk is closed
        text += "\n" + _("To open this link for yourself, close the desk with /cancel, then open the link again.")
    await show(message, here.state, text, menu, strict=True)


async def at_desk(state: FSMContext) -> bool:
    return await state.get_state() == Reception.desk.state


async def desk(message: Message, state: FSMContext, conference: Event, lang: str, session: AsyncSession) -> None:
    await state.set_state(Reception.desk)
    await show_desk(message, state, conference, lang, session)


async def show_desk(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str,
                    session: AsyncSession) -> None:
    code = await current_part(state, conference)
    count = await checkin.checked_in_count(session, code, conference)
    text = "\n".join([
        _("🛎 <b>Reception desk</b> — list: {name} ({count} checked in)").format(
            name=escape(part_name(conference, code, lang)), count=count),
        _("Scan a code with the phone camera, send a photo of it, paste or scan the code here, or type part "
          "of a name or a whole phone number. /cancel closes the desk."),
    ])
    buttons = [Button(("• " if s.code == code else "") + part_name(conference, s.code, lang),
                      Desk(action=DeskAction.switch_part, code=s.code).pack()) for s in conference.parts]
    await show(target, state, text, column(buttons), strict=True)


async def desk_text(message: Message, here: Here, search_pace: Pace) -> None:
    if tickets.find_token(message.text) or tickets.is_foreign_code(message.text):  # a foreign QR: refused
        await decide_text(message, here, message.text, "token")
        return
    await find(message, here, message.text, search_pace)


async def find_command(message: Message, command: CommandObject, here: Here, search_pace: Pace) -> None:
    if not command.args:  # the desk searches whatever is typed next
        await here.state.set_state(Reception.desk)
        await show(message, here.state, _("🔎 Type a part of the name or the whole phone number, e.g. nguyen an or "
                                          "0905 123 456. /cancel closes the desk."))
        return
    await find(message, here, command.args, search_pace)


async def find(message: Message, here: Here, query: str, search_pace: Pace) -> None:
    conference, lang = here.conference, here.lang
    found = await checkin.search(here.session, conference, query, here.account, search_pace)
    if found.refused == "too_fast":
        await message.answer(_("Too many searches in a short time. Please wait {seconds} s and search again; "
                               "scanning codes works as usual.").format(seconds=found.retry_after))
        return
    if found.refused == "whole_phone":
        await message.answer(_("To find a delegate by phone, type the whole number, e.g. 0905 123 456."))
        return
    if not found.delegates:
        await message.answer(_("No registered delegate matches «{query}».").format(query=escape(query[:100])))
        return
    buttons = []
    for d in found.delegates:
        province = conference.province(d.province)
        buttons.append(Button(f"{d.full_name} — {province.name.get(lang) if province else ''}",
                              Desk(action=DeskAction.pick, id=d.id).pack()))
    await show(message, here.state, _("Choose the delegate to check in:"), column(buttons))


async def scanned_text(message: Message, here: Here) -> None:
    """A code typed or scanned (a USB scanner types the link and Enter) outside the desk."""
    await decide_text(message, here, message.text, "token")


async def photo(message: Message, here: Here, bot: Bot) -> None:
    buffer = io.BytesIO()
    await bot.download(message.photo[-1], destination=buffer)
    codes = [c for c in await asyncio.to_thread(badge.read_codes, buffer.getvalue()) if tickets.find_token(c)]
    if not codes:
        await message.answer(_("I found no check-in code in this photo. Hold the phone closer and steadier, "
                               "or type the delegate's name."))
        return
    for code in codes:
        await decide_text(message, here, code, "photo")


def list_of_conference(callback: CallbackQuery, callback_data: Desk, conference: Event) -> bool:
    return conference.part(callback_data.code) is not None


async def list_switched(callback: CallbackQuery, callback_data: Desk, state: FSMContext, conference: Event,
                        lang: str, session: AsyncSession) -> None:
    await state.update_data({PART_KEY: callback_data.code})
    await callback.answer(part_name(conference, callback_data.code, lang))
    await show_desk(callback, state, conference, lang, session)


async def picked(callback: CallbackQuery, callback_data: Desk, here: Here) -> None:
    delegate = await here.session.get(Delegate, callback_data.id)
    if delegate is None or delegate.event_id != here.conference.id:
        await callback.answer(_("This menu has expired."))
        return
    await callback.answer()
    part_code = await current_part(here.state, here.conference)
    decision = await checkin.check_in(here.session, delegate, part_code, here.account, "search")
    await answer(callback.message, here.state, decision, here.conference, here.lang)


async def undone(callback: CallbackQuery, callback_data: Desk, here: Here) -> None:
    session = here.session
    taken_back = await checkin.undo(session, callback_data.id, here.account)
    if taken_back is None:
        await callback.answer(_("Nothing to undo: this check-in was already taken back."))
        return
    await callback.answer()
    delegate = await session.get(Delegate, taken_back.delegate_id)
    await show(callback, here.state, _("↩️ Check-in of {name} undone ({list}).").format(
        name=escape(delegate.full_name),
        list=escape(part_name(here.conference, taken_back.part_code, here.lang))), edit=True)


async def desk_menu_expired(callback: CallbackQuery) -> None:
    """A list no longer in the agenda."""
    await callback.answer(_("This menu has expired."))


async def stats_command(message: Message, conference: Event, lang: str, session: AsyncSession) -> None:
    """Registered and checked in per list, then under its own heading per province and per category."""
    def province(code: str) -> str:
        found = conference.province(code)
        return found.name.get(lang) if found else code

    def category(code: str) -> str:
        found = conference.category(code)
        return found.label.get(lang) if found else code

    lines = [_("📊 <b>Registered and checked in</b>")]
    for s in await checkin.stats(session, conference):
        lines.append(f"\n<b>{escape(part_name(conference, s.part_code, lang))}</b>: {s.checked_in}/{s.registered}")
        for heading, counts, named in ((_("By province"), s.by_province, province),
                                       (_("By category"), s.by_category, category)):
            lines += [f"<i>{heading}</i>"] if counts else []
            lines += [f"  {escape(named(code))}: {arrived}/{registered}"
                      for code, (registered, arrived) in counts.items()]
    await message.answer("\n".join(lines))


async def not_staff(message: Message) -> None:
    await message.answer(_("This command is for the reception staff and the organizers."))


async def not_staff_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This is for the reception staff and the organizers."), show_alert=True)


def create_router() -> Feature:
    router = Feature(name="checkin")
    router.message.filter(F.chat.type == "private")
    staff = HasRole(STAFF)
    router.message.register(desk, Command("checkin"), staff)
    router.message.register(find_command, Command("find"), staff)
    router.message.register(stats_command, Command("stats"), staff)
    router.message.register(not_staff, Command("checkin", "find", "stats"))
    router.message.register(photo, F.photo, staff)
    router.message.register(desk_text, Reception.desk, F.text, ~F.text.startswith("/"), staff)
    router.message.register(scanned_text, F.text.func(lambda text: bool(text and tickets.find_token(text))), staff)
    router.callback_query.register(list_switched, Desk.filter(F.action == DeskAction.switch_part), staff,
                                   list_of_conference)
    router.callback_query.register(picked, Desk.filter(F.action == DeskAction.pick), staff)
    router.callback_query.register(undone, Desk.filter(F.action == DeskAction.undo), staff)
    router.callback_query.register(desk_menu_expired, Desk.filter(), staff)
    router.callback_query.register(not_staff_button, Desk.filter())
    return router
