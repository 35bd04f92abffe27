"""The registration conversation: one delegate at a time, for oneself or for a colleague: the answers,
typed or pressed, the review, the confirmation. Its states and first question are in handlers/conversation.py.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from html import escape

from aiogram import F
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.routing import Feature
from bot.screens import listing
from bot.event import Event
from bot.middlewares import Here
from bot.screens.callbacks import Pick
from bot.screens.render import part_label
from bot.services import confirmations, lodging, nominees, questions, registration as reg, transport
from bot.services.vocabulary import is_question
from bot.services.faq import Answer, Faq, decide
from bot.services.fields import Refusal
from bot.services.phone import display_phone, normalize_phone
from bot.screens.ui import CONFIRMATION_KEY, done, show
from handlers import steps
from handlers.conversation import (Registration, ask, begin, command_during_registration, main_menu, menu_expired,
                                   step_of)
from handlers.me import after_batch, after_registration, show_card
from handlers.questions import back_to_registration, reply_to_question
from handlers.tickets import send_code
from models import Account, Delegate

PENDING_KEY = "typed_pending"  # a text typed at a step that may be the answer or a question
CLEAR_FAQ = 0.9  # the FAQ score (0-1, see bot.services.faq) above which a typed answer may be a question


async def begin_as_nominee(message: Message, here: Here, code: str) -> None:
    """A personal link from a province's list: the registration opens with the list's details filled in."""
    state, conference, lang, session, account = here.state, here.conference, here.lang, here.session, here.account
    nominee = await nominees.find(session, conference, code)
    if nominee is None:
        await message.answer(_("This link is not valid or has expired."))
        await main_menu(message, state, conference, lang, account, session, roles=here.roles)
        return
    if nominee.delegate_id is not None:
        await message.answer(_nominee_link_used())
        return
    own = await reg.own_delegate(session, conference, account)
    if own is not None:
        await message.answer(_("You are already registered as <b>{name}</b> (/me).").format(name=escape(own.full_name)))
        return
    draft = nominees.draft_from(nominee)
    category = conference.category(nominee.category)
    province = conference.province(nominee.province)
    await message.answer(_("Welcome, <b>{name}</b>. Your province's list has you as {category}, {province}. The "
                           "details from the list are filled in; please complete the rest.").format(
        name=escape(nominee.full_name), category=escape(category.label.get(lang)) if category else "",
        province=escape(province.name.get(lang)) if province else ""))
    missing = draft.missing()
    details = [step for step in steps.ORDER[:steps.ORDER.index("sessions")] if step in missing]
    await begin(message, state, conference, lang, for_self=True, draft=draft, queue=details + ["sessions"])
    await state.update_data(nominee=code)


async def begin_colleague(target: Message | CallbackQuery, here: Here) -> None:
    """A colleague of the delegation: the province of the one registered before is kept (changed on the review),
    and their arrival, travel and lodging are offered with one tap."""
    previous = await reg.last_registered(here.session, here.conference, here.account)
    draft = reg.Draft(province=previous.province) if previous else None
    await begin(target, here.state, here.conference, here.lang, for_self=False, draft=draft,
                queue=["category"] if previous else None)
    if previous is not None:
        await here.state.update_data(previous=reg.travel_of(previous))


def _nominee_link_used() -> str:
    return _("This personal link has already been used to register. Send /me to see your registration; if it "
             "was not you, please tell the organizers.")


def _answered(step: str, draft: reg.Draft) -> bool:
    """A step the draft needs no question for: no arrival day (so no time or travel), or the time typed with the
    day."""
    if step in ("arrival_time", "travel_mode") and not draft.arrival_date:
        return True
    if step == "room" and not draft.needs_lodging:  # a room is asked of those the host lodges only
        return True
    return step == "arrival_time" and bool(draft.arrival_time)


def _natural_next(step: str, draft: reg.Draft) -> str:
    following = steps.ORDER[steps.ORDER.index(step) + 1:] if step in steps.ORDER else ["confirm"]
    for candidate in following:
        # the suggested organization is filled in (and shown) already; the note is offered on the review
        if _answered(candidate, draft) or (candidate == "organization" and draft.organization) \
                or candidate in steps.ON_REVIEW or candidate == "departure" and _departure_known(draft) \
                or candidate == "room" and draft.room_share:  # carried over from a colleague ("same as")
            continue
        return candidate
    return "confirm"


def _departure_known(draft: reg.Draft) -> bool:
    """The departure is asked in the flow of those the host lodges (their nights), unless already given."""
    return not draft.needs_lodging or bool(draft.departure_date)


async def advance(target: Message | CallbackQuery, here: Here, done_step: str, notice: str = "") -> None:
    """The next question; `notice` (the phone number as read) heads it, and takes the share-contact keyboard
    away."""
    state, conference, lang = here.state, here.conference, here.lang
    data = await state.get_data()
    draft = reg.Draft.load(data["draft"])
    queue: list[str] = data.get("queue") or []
    while queue and _answered(queue[0], draft):
        queue.pop(0)
    if queue:
        following = queue.pop(0)
    elif data.get("mode") == "edit":
        following = "save"
    else:
        following = _natural_next(done_step, draft)
    await state.update_data(queue=queue)
    if following == "save":
        if notice:
            await _message_of(target).answer(notice, reply_markup=ReplyKeyboardRemove())
        await _save_changes(target, here, draft, data["delegate_id"])
        return
    warning = ""
    if following == "confirm" and draft.phone:
        twins = await reg.same_phone(here.session, conference, draft.phone)
        if len(twins) == 1:
            warning = _("⚠️ {names} is already registered with this phone number. If it is the same person, "
                        "cancel this registration; otherwise confirm.").format(names=escape(twins[0].full_name))
        elif twins:  # a secretariat may give its own number for all its colleagues: name a few, count the rest
            warning = _("⚠️ {count} registrations already have this phone number: {names}. If one of them is the "
                        "same person, cancel this registration; otherwise confirm.").format(
                count=len(twins), names=listing.names([escape(d.full_name) for d in twins]))
    await ask(target, state, conference, lang, following, warning="\n\n".join(filter(None, [notice, warning])),
              remove_keyboard=bool(notice))


log = logging.getLogger(__name__)


async def tell_organizers(target: Message | CallbackQuery, here: Here, delegate: Delegate) -> None:
    """A delegate who had a room changed their stay: the organizers are told (their list: /rooms, the
    dashboard), in both languages as a relayed question is."""
    province = here.conference.province(delegate.province)
    who = escape(delegate.full_name) + (f" ({escape(province.name.vi)})" if province else "")
    text = (f"🛏 <b>Đổi lịch lưu trú</b> / Stay changed — #{delegate.id} {who}. "
            "Ban Tổ chức xem lại phòng: /rooms. / Please review the room: /rooms.")
    chats = await questions.organizer_chats(here.session, here.settings.admin_ids, here.settings.organizers_chat_id)
    for chat_id in chats:
        try:
            await _message_of(target).bot.send_message(chat_id, text)
        except TelegramAPIError as exc:
            log.warning("stay change of delegate %s not told to %s: %s", delegate.id, chat_id, exc)


def _message_of(target: Message | CallbackQuery) -> Message:
    return target.message if isinstance(target, CallbackQuery) else target


async def _save_changes(target: Message | CallbackQuery, here: Here, draft: reg.Draft, delegate_id: int) -> None:
    state, conference, session, account = here.state, here.conference, here.session, here.account
    delegate = await reg.find_for(session, conference, account, delegate_id)
    await state.clear()
    if delegate is None or not delegate.active:
        await show(target, state, _("This registration is no longer available. Open /me to see yours."))
        return
    changed = await reg.update(session, conference, delegate, draft)
    note = _("Saved.") if changed else _("Nothing changed.")
    if changed & transport.ARRIVAL_FIELDS and await transport.pickup_changed(session, conference, delegate):
        note += " " + _("Your airport pick-up was planned for the arrival before: the organizers see the change "
                        "and will tell you your new pick-up.")
    if changed & reg.TICKET_FIELDS:
        note += " " + _("Your check-in code has been replaced; the old one no longer works.")
    if reg.ROOM_REVIEWED in changed:
        note += " " + _("The host had given a room for the former dates: Ban Tổ chức has been told and will "
                        "confirm the room again.")
        await tell_organizers(target, here, delegate)
    await show_card(target, here, delegate, header=f"✅ {note}")
    if changed & reg.TICKET_FIELDS:
        await send_code(_message_of(target), here.settings, conference, here.lang, account, delegate)


async def _accept(target: Message | CallbackQuery, here: Here, step: str, value: object, notice: str = "") -> None:
    data = await here.state.get_data()
    draft = reg.Draft.load(data["draft"])
    steps.store(draft, step, value)
    if step in ("province", "category"):  # the organization follows the category unless it was typed
        steps.follow_category(draft, here.conference)
    await here.state.update_data(draft=draft.dump())
    await advance(target, here, done_step=step, notice=notice)


async def _refuse(message: Message, state: FSMContext, conference: Event, lang: str, step: str,
                  refusal: Refusal) -> None:
    await message.answer(steps.refusal_text(refusal))
    await ask(message, state, conference, lang, step)


# --- typed answers -----------------------------------------------------------------------------

async def typed_answer(message: Message, raw_state: str, here: Here, faq: Faq) -> None:
    """A typed answer to a step; a question typed instead is answered and the step asked again, and when it
    could be either, the person says which (`which_meant`)."""
    step = step_of(raw_state)
    data = await here.state.get_data()
    draft = reg.Draft.load(data.get("draft"))
    if step == "full_name" and not data.get("for_self") and data.get("mode") == "new" and _lines(message.text):
        await _pasted_list(message, here, draft)
        return
    value = steps.read_text(step, message.text, draft, here.conference, here.lang)
    taken = steps.taken_as(step, message.text, value, lambda text: _clear_faq_answer(faq, text))
    if taken == steps.QUESTION:
        await _question_at_step(message, here, faq, step, message.text)
    elif taken == steps.DOUBT:
        await here.state.update_data({PENDING_KEY: [step, message.text]})
        await show(message, here.state, steps.doubt_text(step, message.text), steps.doubt_menu(), strict=True)
    else:
        await _take_typed(message, here, step, value)


async def _take_typed(message: Message, here: Here, step: str, value: object) -> None:
    if isinstance(value, Refusal):
        await _refuse(message, here.state, here.conference, here.lang, step, value)
        return
    if step == "room" and value[1] and await _roommate_elsewhere(message, here, value[1]):
        return
    await _accept(message, here, step, value, notice=f"📱 {display_phone(value)} ✓" if step == "phone" else "")


async def _roommate_elsewhere(message: Message, here: Here, name: str) -> bool:
    """A roommate named from another delegation: said, and the room asked again (True)."""
    draft = reg.Draft.load((await here.state.get_data()).get("draft"))
    other = await lodging.roommate_elsewhere(here.session, here.conference, name, draft.province or "")
    if other is None:
        return False
    province = here.conference.province(other.province)
    await message.answer(_("{name} is registered with another delegation ({province}): a room is shared within a "
                           "delegation only. Please type the name of a colleague of your delegation, or choose.")
                         .format(name=escape(other.full_name), province=escape(province.name.get(here.lang))
                                 if province else "—"))
    await ask(message, here.state, here.conference, here.lang, "room")
    return True


def _clear_faq_answer(faq: Faq, text: str) -> bool:
    """The venue questions answer this text by its words alone (no meaning model: the same each time), and it
    is nearly one of the FAQ's phrasings ("khách sạn", "wifi"), not a title that shares a few of their words."""
    matches = faq.search(text, meaning=False)
    return isinstance(decide(matches), Answer) and matches[0].score >= CLEAR_FAQ


async def _question_at_step(message: Message, here: Here, faq: Faq, step: str, text: str) -> None:
    """The question answered (or its topics offered, or passing it on offered: then the step comes back
    after that choice, see handlers.questions.picked); the step asked again."""
    if await reply_to_question(message, here, faq, text, within=True):
        await ask(message, here.state, here.conference, here.lang, step, warning=back_to_registration())


async def which_meant(callback: CallbackQuery, callback_data: Pick, raw_state: str | None, here: Here,
                      faq: Faq) -> None:
    """The answer to "your answer, or a question?" about the text typed at a step."""
    step = step_of(raw_state)
    data = await here.state.get_data()
    asked_at, text = data.get(PENDING_KEY) or (None, None)
    if step is None or asked_at != step or not text:  # a doubt about another step's answer: long gone
        await menu_expired(callback, here.state, here.conference, here.lang, here.account, here.session)
        return
    await callback.answer()
    await here.state.update_data({PENDING_KEY: None})
    if callback_data.key == steps.QUESTION:
        await _question_at_step(callback.message, here, faq, step, text)
        return
    draft = reg.Draft.load(data.get("draft"))
    await _take_typed(callback.message, here, step, steps.read_text(step, text, draft, here.conference, here.lang))


async def shared_contact(message: Message, here: Here) -> None:
    phone = normalize_phone(message.contact.phone_number)
    if phone is None:
        await _refuse(message, here.state, here.conference, here.lang, "phone", Refusal("phone"))
        return
    await _accept(message, here, "phone", phone, notice=f"📱 {display_phone(phone)} ✓")


async def typed_at_menu(message: Message, raw_state: str, here: Here, faq: Faq) -> None:
    """Text at the review (or "what to change") that named none of its buttons: a question is answered and
    the menu shown again; anything else is asked to choose."""
    step = step_of(raw_state)
    if step == "confirm" and not is_question(message.text) and steps.diets_named(message.text, here.conference,
                                                                                  here.lang):
        await _typed_note(message, here)
        return
    refusal = Refusal("choose")
    if steps.taken_as(step, message.text, refusal, lambda text: _clear_faq_answer(faq, text)) == steps.QUESTION:
        await _question_at_step(message, here, faq, step, message.text)
        return
    await _refuse(message, here.state, here.conference, here.lang, step, refusal)


async def _typed_note(message: Message, here: Here) -> None:
    """A diet typed at the review ("an chay", "khong an thit heo, an chay"): the note it is, its diets ticked, and
    the review again."""
    draft = reg.Draft.load((await here.state.get_data()).get("draft"))
    value = steps.read_text("note", message.text, draft, here.conference, here.lang)
    if isinstance(value, Refusal):
        await _refuse(message, here.state, here.conference, here.lang, "note", value)
        return
    await _accept(message, here, "note", value)


async def not_text(message: Message, state: FSMContext, raw_state: str, conference: Event, lang: str) -> None:
    """A photo, sticker, voice message… where an answer was expected: say so and ask again."""
    await message.answer(_("I can only read a typed answer here."))
    await ask(message, state, conference, lang, step_of(raw_state))


def _lines(text: str) -> list[str]:
    """The lines of a pasted list (two or more), else []."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines if len(lines) > 1 else []


async def _pasted_list(message: Message, here: Here, draft: reg.Draft) -> None:
    """Colleagues pasted one a line (name, position, phone): checked as an imported list is, then asked the
    shared questions once and reviewed together."""
    entries, errors = nominees.pasted(here.conference, _lines(message.text), draft.province, draft.category)
    if errors:
        text = _("Please correct the list and paste it again:") + "\n" + "\n".join(
            escape(nominees.describe(e, here.lang)) for e in errors[:10])
        await message.answer(text)
        await ask(message, here.state, here.conference, here.lang, "full_name")
        return
    batch = [{"full_name": e.full_name, "position": e.position, "phone": e.phone} for e in entries]
    draft.full_name, draft.position, draft.phone = batch[0]["full_name"], batch[0]["position"], batch[0]["phone"]
    await here.state.update_data(draft=draft.dump(), batch=batch)
    await advance(message, here, done_step="position")


# --- button presses (and typed presses, see bot.screens.ui) ----------------------------------------------

async def pressed(callback: CallbackQuery, callback_data: Pick, raw_state: str | None, here: Here) -> None:
    state, conference, lang = here.state, here.conference, here.lang
    step = step_of(raw_state)
    if step != callback_data.step:
        await menu_expired(callback, state, conference, lang, here.account, here.session, roles=here.roles)
        return
    await callback.answer()
    if step == "sessions":
        await _toggle_part(callback, here, callback_data.key)
    elif step == "confirm":
        await _confirm(callback, here, callback_data.key)
    elif step == "arrival_date" and callback_data.key == "same":
        await _same_as_previous(callback, here)
    elif step == "change":
        if callback_data.key not in steps.GROUPS:
            await ask(callback, state, conference, lang, "change")
            return
        await state.update_data(queue=steps.GROUPS[callback_data.key][1:] + ["confirm"])
        await ask(callback, state, conference, lang, steps.GROUPS[callback_data.key][0])
    else:
        draft = reg.Draft.load((await state.get_data()).get("draft"))
        value = steps.read_pick(step, callback_data.key, draft, conference, lang)
        if value is None:
            await ask(callback, state, conference, lang, step)
            return
        await _accept(callback, here, step, value)
        await done(callback, state, _("Already chosen."))  # a double tap: said beside the button, nothing more


async def _same_as_previous(callback: CallbackQuery, here: Here) -> None:
    data = await here.state.get_data()
    previous = data.get("previous")
    if not previous:
        await ask(callback, here.state, here.conference, here.lang, "arrival_date")
        return
    draft = reg.Draft.load(data["draft"])
    for name in ("arrival_date", "arrival_time", "travel_mode", "needs_lodging", "departure_date", "departure_time",
                 "room_share"):
        setattr(draft, name, previous.get(name))
    queue = [step for step in data.get("queue") or [] if step not in ("arrival_time", "travel_mode", "lodging")]
    await here.state.update_data(draft=draft.dump(), queue=queue)
    await advance(callback, here, done_step="lodging")


async def _toggle_part(callback: CallbackQuery, here: Here, key: str) -> None:
    state, conference, lang = here.state, here.conference, here.lang
    draft = reg.Draft.load((await state.get_data()).get("draft"))
    if key == "all":
        draft.parts = [s.code for s in conference.parts]
        await state.update_data(draft=draft.dump())
        await advance(callback, here, done_step="sessions")
        return
    if key == "done":
        if not draft.parts:
            await callback.message.answer(steps.refusal_text(Refusal("sessions")))
            await ask(callback, state, conference, lang, "sessions")
            return
        await advance(callback, here, done_step="sessions")
        return
    if conference.part(key) is None:
        await ask(callback, state, conference, lang, "sessions")
        return
    added = key not in draft.parts
    draft.parts = sorted(set(draft.parts) ^ {key}, key=[s.code for s in conference.parts].index)
    await state.update_data(draft=draft.dump())
    part = part_label(conference.part(key), conference, lang)
    notice = (_("Added: {part}") if added else _("Removed: {part}")).format(part=part)  # a typed number says so
    await ask(callback, state, conference, lang, "sessions", edit=True, warning=notice)


async def _confirm(callback: CallbackQuery, here: Here, key: str) -> None:
    state, conference, lang, session, account = here.state, here.conference, here.lang, here.session, here.account
    if key == "change":
        await ask(callback, state, conference, lang, "change")
        return
    if key == "note":
        await state.update_data(queue=["confirm"])
        await ask(callback, state, conference, lang, "note")
        return
    if key in ("ong", "ba"):  # the form of address, offered on the review
        data = await state.get_data()
        await state.update_data(draft={**data["draft"], "salutation": key})
        await ask(callback, state, conference, lang, "confirm")
        return
    if key == "cancel":
        await state.clear()
        await show(callback, state, _("Registration stopped; nothing was saved."))
        await main_menu(callback, state, conference, lang, account, session, roles=here.roles)
        return
    data = await state.get_data()
    draft = reg.Draft.load(data["draft"])
    problems = reg.check_draft(conference, draft)
    if problems:  # e.g. the event file changed under a long conversation
        await state.update_data(queue=problems[1:] + ["confirm"])
        await ask(callback, state, conference, lang, problems[0] if problems[0] in steps.ORDER else "province")
        return
    already = _("This registration is already confirmed.")
    review = data.get(CONFIRMATION_KEY) or confirmations.new_key()
    if data.get("batch"):
        await _confirm_batch(callback, here, draft, data["batch"], review)
        return
    delegate, new = await _store(session, conference, account, draft, data, review)
    await state.clear()
    if delegate is None:  # another press of this review stored it; or someone else used the personal link
        used_link = data.get("nominee") and not await confirmations.taken(session, review)
        await callback.message.answer(_nominee_link_used() if used_link else already)
        return
    await after_registration(callback, here, delegate, new=new)
    await done(callback, state, already)


async def _confirm_batch(callback: CallbackQuery, here: Here, draft: reg.Draft, batch: list[dict],
                         review: str) -> None:
    drafts = [replace(draft, **person) for person in batch]
    stored = await reg.register_all(here.session, here.conference, drafts, registrant=here.account,
                                    confirmation=review)
    await here.state.clear()
    if not stored:
        await callback.message.answer(_("This registration is already confirmed."))
        return
    await after_batch(callback, here, stored)
    await done(callback, here.state, _("This registration is already confirmed."))


async def _store(session: AsyncSession, conference: Event, account: Account, draft: reg.Draft, data: dict,
                 key: str) -> tuple[Delegate | None, bool]:
    """The confirmed registration (stored once, however often confirmed), and whether this call stored it; None
    if the review's `key` was taken by another press, or if it came from a nominee's personal link that was
    used meanwhile."""
    nominee = data.get("nominee")
    stored = await reg.stored_already(session, conference, draft, registrant=account)
    if stored.same is not None:  # confirmed twice
        if nominee:
            await nominees.attach(session, conference, nominee, stored.same)
        return stored.same, False
    for_self = bool(data.get("for_self")) and stored.own is None
    if nominee:
        return await nominees.register(session, conference, nominee, draft, registrant=account, for_self=for_self,
                                       confirmation=key), True
    return await reg.register(session, conference, draft, registrant=account, for_self=for_self,
                              confirmation=key), True


def create_router() -> Feature:
    router = Feature(name="registration")
    router.message.filter(F.chat.type == "private")
    menus_only = (Registration.confirm, Registration.change)
    free_text = [s for s in Registration.__states__ if s not in menus_only]
    router.message.register(command_during_registration, StateFilter(Registration), F.text.startswith("/"))
    router.message.register(typed_answer, StateFilter(*free_text), F.text)
    router.message.register(shared_contact, Registration.phone, F.contact)
    router.message.register(typed_at_menu, StateFilter(*menus_only), F.text)
    router.message.register(not_text, StateFilter(Registration))
    router.callback_query.register(pressed, Pick.filter(F.step.in_(set(steps.ORDER) | {"change"})))
    router.callback_query.register(which_meant, Pick.filter(F.step == steps.WHICH))
    return router
