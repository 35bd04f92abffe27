"""Venue questions typed outside any conversation: answered from the FAQ (or from live data: the agenda
as changed, the asker's own registration, the venue pin), offered as choices when unclear, and passed to
the organizers when unknown; an organizer's reply to the relayed question reaches the delegate. /venue
sends the venue pin. Registered after every conversation, so a registration step's answer is never
taken for a question."""
from __future__ import annotations

import asyncio
import logging
from html import escape

from aiogram import Bot, F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.routing import Feature
from bot.screens import listing
from bot.event import Event
from bot.middlewares import Here
from bot.screens.callbacks import Pick
from bot.screens.render import day
from bot.services import agenda, questions, registration as reg
from bot.services.faq import Answer, Choices, Entry, Faq, decide
from bot.screens.ui import Button, column, show
from handlers.conversation import ask, step_of
from handlers.filters import HasRole, organizers_only
from handlers.tickets import myqr
from models import Account, Question
from models.account import ORGANIZER
from models.base import MAX_ID
from models.question import ANSWERED, HANDED_OFF, OFFERED, UNKNOWN

log = logging.getLogger(__name__)
HANDOFF = "h"  # Pick key prefix: "h.<question id>" passes that question to the organizers


def ask_organizers_button(question: Question, label: str) -> Button:
    return Button(label, Pick(step="faq", key=f"{HANDOFF}.{question.id}").pack())


async def asked(message: Message, here: Here, faq: Faq) -> None:
    await reply_to_question(message, here, faq, message.text)


async def reply_to_question(message: Message, here: Here, faq: Faq, text: str, *, within: bool = False) -> bool:
    """Answer a typed question, or offer the closest topics, or offer to pass it on; True when answered.

    Every menu here is an aside (bot.screens.ui.show): the menu it is shown over still takes typed words. `within`
    a registration step, an answer comes without "Not what you asked?" (the step is asked again at once)."""
    state, session, conference, account = here.state, here.session, here.conference, here.account
    # in a worker thread: when the meaning model is asked, it takes tens of milliseconds of CPU
    decision = decide(await asyncio.to_thread(faq.search, text, organizer=ORGANIZER in here.roles))
    if isinstance(decision, Answer):
        question = await questions.record(session, conference, account, text, ANSWERED, decision.entry.id)
        await answer(message, here, decision.entry, question=None if within else question, asked=text)
        return True
    if isinstance(decision, Choices):
        question = await questions.record(session, conference, account, text, OFFERED)
        lang = here.lang
        buttons = [Button(e.title.get(lang), Pick(step="faq", key=e.id).pack()) for e in decision.entries]
        buttons.append(ask_organizers_button(question, _("None of these: ask the organizers")))
        await state.update_data(faq_question=question.id, faq_asked=text[:200])
        await show(message, state, _("Did you mean:"), column(buttons), strict=True, aside=True)
        return False
    question = await questions.record(session, conference, account, text, UNKNOWN)
    await show(message, state, _("I have no answer to that yet. Shall I pass your question to the organizers? "
                                 "Their answer will come here."),
               column([ask_organizers_button(question, _("✉️ Yes, ask the organizers")),
                       Button(_("No, thank you"), Pick(step="faq", key="no").pack())]), strict=True, aside=True)
    return False


async def picked(callback: CallbackQuery, callback_data: Pick, here: Here, faq: Faq, bot: Bot) -> None:
    """A topic chosen, a question passed on or not; then, during a registration, its step again."""
    await _picked(callback, callback_data.key, here, faq, bot)
    step = step_of(await here.state.get_state())
    if step:
        await ask(callback.message, here.state, here.conference, here.lang, step, warning=back_to_registration())


def back_to_registration() -> str:
    return _("Now, back to the registration:")


async def _picked(callback: CallbackQuery, key: str, here: Here, faq: Faq, bot: Bot) -> None:
    state = here.state
    await callback.answer()
    if key == "no":
        await show(callback, state, _("All right. Ask me anything else about the conference."), edit=True, aside=True)
        return
    if key.startswith(HANDOFF + "."):
        question_id = key[len(HANDOFF) + 1:]
        if not (question_id.isascii() and question_id.isdigit() and int(question_id) <= MAX_ID):  # forged
            await callback.message.answer(_("This menu has expired."))
            return
        await hand_off(callback, here, bot, int(question_id))
        return
    entry = faq.entry(key)
    if entry is None or (entry.restricted and ORGANIZER not in here.roles):
        await callback.message.answer(_("This menu has expired."))
        return
    data = await state.get_data()
    question = await questions.settle(here.session, data.get("faq_question", 0), here.account, ANSWERED, entry.id)
    within = step_of(await state.get_state()) is not None
    await answer(callback.message, here, entry, question=None if within else question,
                 asked=data.get("faq_asked", ""))


async def answer(message: Message, here: Here, entry: Entry, *, question: Question | None, asked: str) -> None:
    """An entry's answer: from live data when it names a source, else its text. The way out when it is not
    what was asked (a button; on Zalo a numbered choice) sits on the answer itself: one message."""
    session, conference, lang, account = here.session, here.conference, here.lang, here.account
    text = None
    if entry.source == "venue":
        text = await send_venue(message, conference, lang, last=False)
    elif entry.source == "schedule":
        text = await schedule_answer(session, conference, lang, asked)
    elif entry.source == "programme":
        text = await programme_answer(session, conference, lang)
    elif entry.source == "my_registration":
        text = await registration_answer(session, conference, lang, account)
    elif entry.source == "registration_count" and ORGANIZER in here.roles:
        text = await count_answer(session, conference, lang)
    elif entry.source == "my_qr":
        await myqr(message, here)
    elif entry.answer:
        text = escape(entry.answer.get(lang))
    way_out = [[ask_organizers_button(question, _("✉️ Not what I asked: ask the organizers"))]] if question else None
    if text:
        await show(message, here.state, text, way_out, strict=True, aside=True)
    elif way_out:  # the answer was pictures (the check-in codes): the way out follows them
        await show(message, here.state, _("Not what you asked?"), way_out, strict=True, aside=True)


async def send_venue(message: Message, conference: Event, lang: str, *, last: bool = True) -> str:
    """The pin, then its address and directions (sent here unless `last` is False: then returned, for the
    caller to send with its own buttons)."""
    venue = conference.venue
    await message.answer_venue(latitude=venue.latitude, longitude=venue.longitude, title=venue.name.get(lang)[:256],
                               address=venue.address.get(lang)[:256])
    lines = [f"📍 <b>{escape(venue.name.get(lang))}</b>", escape(venue.address.get(lang))]
    if venue.directions:
        lines.append(_("🚗 How to get there: {directions}").format(directions=escape(venue.directions.get(lang))))
    if venue.provisional:
        lines.append(_("(The organizers will confirm the venue.)"))
    if last:
        await message.answer("\n".join(lines))
    return "\n".join(lines)


async def schedule_answer(session: AsyncSession, conference: Event, lang: str, asked: str) -> str:
    """The agenda as it stands (changes included); only the day asked about, if the question names one."""
    tz = conference.tz
    parts = await agenda.parts(session, conference)
    wanted = questions.day_asked(asked)
    on_day = [p for p in parts if p.starts_at.astimezone(tz).day == wanted]
    lines = []
    for part in on_day or parts:
        start = part.starts_at.astimezone(tz)
        end = f"–{part.ends_at.astimezone(tz):%H:%M}" if part.ends_at else ""
        title = escape(part.title.get(lang)) + (" — " + _("cancelled") if part.cancelled else "")
        lines.append(f"🕑 <b>{day(start.date(), lang)}, {start:%H:%M}{end}</b>: {title}\n   📍 "
                     f"{escape(part.place.get(lang))}")
    return "\n".join(lines) + "\n\n" + _("/schedule shows the whole agenda.")


async def programme_answer(session: AsyncSession, conference: Event, lang: str) -> str:
    lines = []
    for part in await agenda.parts(session, conference):
        if part.programme:
            start = part.starts_at.astimezone(conference.tz)
            lines.append(f"<b>{escape(part.title.get(lang))}</b> — {day(start.date(), lang)}, {start:%H:%M}")
            lines += [f"{n}. {escape(item.get(lang))}" for n, item in enumerate(part.programme, 1)]
    return "\n".join(lines) or _("The programme has not been published yet.")


async def registration_answer(session: AsyncSession, conference: Event, lang: str, account: Account) -> str:
    mine = [d for d in await reg.delegates_of(session, conference, account) if d.active]
    if not mine:
        return _("You have not registered yet. Send /start to register; it takes a few minutes.")
    lines = []
    for delegate in mine:
        province = conference.province(delegate.province)
        lines.append(f"• <b>{escape(delegate.full_name)}</b> — {escape(province.name.get(lang) if province else '')}")
    return "\n".join([_("Yes. Registrations you made or that are yours:"), *listing.within(lines),
                      _("/me to review or change them, /myqr for the check-in codes.")])


async def count_answer(session: AsyncSession, conference: Event, lang: str) -> str:
    counts = await questions.registered_by_province(session, conference)
    lines = [_("<b>{count} delegates registered</b>").format(count=sum(counts.values()))]
    for province in conference.provinces:
        if counts.get(province.code):
            lines.append(f"• {escape(province.name.get(lang))}: {counts[province.code]}")
    return "\n".join(lines)


async def hand_off(callback: CallbackQuery, here: Here, bot: Bot, question_id: int) -> None:
    session, conference, account, settings = here.session, here.conference, here.account, here.settings
    question = await questions.settle(session, question_id, account, HANDED_OFF)
    if question is None:
        await callback.message.answer(_("This menu has expired."))
        return
    delegate = await reg.own_delegate(session, conference, account)
    province = conference.province(delegate.province) if delegate else None
    who = escape(delegate.full_name if delegate else account.display_name or "?")
    if province:
        who += f" ({escape(province.name.vi)})"
    text = (f"❓ <b>Câu hỏi #{question.id}</b> / Question #{question.id} — {who}:\n{escape(question.text)}\n\n"
            "<i>Trả lời tin nhắn này (Reply) để gửi câu trả lời cho đại biểu. / Reply to this message to "
            "answer the delegate.</i>")
    relayed = 0
    for chat_id in await questions.organizer_chats(session, settings.admin_ids, settings.organizers_chat_id):
        try:
            sent = await bot.send_message(chat_id, text)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.warning("question %s not relayed to %s: %s", question.id, chat_id, exc.message)
            continue
        await questions.remember_relay(session, question, chat_id, sent.message_id)
        relayed += 1
    await show(callback, here.state, _("✉️ Your question has been passed to the organizers; their answer will come "
                                  "here.") if relayed else
               _("Sorry, no organizer can be reached right now; please try again later."), edit=True, aside=True)


async def organizer_replied(message: Message, session: AsyncSession, i18n: I18n, account: Account | None,
                            postman=None) -> None:
    """A reply to a relayed question (in an organizer's chat or the organizers' group) goes to the asker."""
    question = await questions.relayed(session, message.chat.id, message.reply_to_message.message_id)
    if question is None:  # a reply to some other message: not for this handler
        raise SkipHandler
    if not message.text:
        await message.reply(_("Please answer in text."))
        return
    asker = await session.get(Account, question.account_id) if question.account_id else None
    if asker is None:
        await message.reply(_("The delegate can no longer be reached."))
        return
    first = await questions.reply(session, question, message.text, account)
    with i18n.use_locale(asker.language or i18n.default_locale):
        text = (_("💬 <b>The organizers' answer</b> to your question “{question}”:").format(
            question=escape(question.text[:200])) + "\n" + escape(message.text))
    bot = postman.bots.get(asker.channel, message.bot) if postman else message.bot
    try:
        await bot.send_message(int(asker.chat_id), text)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        await message.reply(_("Not delivered: {reason}").format(reason=escape(exc.message)))
        return
    await message.reply(_("✅ Sent to the delegate.") if first else
                        _("✅ Sent to the delegate (another answer had been sent before)."))


async def venue_command(message: Message, conference: Event, lang: str) -> None:
    await send_venue(message, conference, lang)


async def open_questions(message: Message, conference: Event, session: AsyncSession) -> None:
    listed = await questions.open_questions(session, conference)
    if not listed:
        await message.answer(_("No open questions: the FAQ answered everything so far."))
        return
    lines = []
    for q in listed:
        at = q.asked_at.astimezone(conference.tz).strftime("%d/%m %H:%M")
        mark = "✉️" if q.outcome == HANDED_OFF else "❔"
        lines.append(f"{mark} #{q.id} {at}: {escape(q.text[:150])}")
    await message.answer("\n".join([_("<b>Questions the FAQ could not answer</b> (newest first; add phrasings or "
                                      "entries to the FAQ file for them):"), *listing.within(lines)]))


def create_router() -> Feature:
    router = Feature(name="questions")
    router.message.register(organizer_replied, F.reply_to_message & F.chat.type.in_({"group", "supergroup"}))
    private = F.chat.type == "private"
    router.message.register(venue_command, Command("venue"), private)
    router.message.register(open_questions, Command("questions"), private, HasRole(ORGANIZER))
    router.message.register(organizers_only, Command("questions"), private)
    router.message.register(organizer_replied, private, F.reply_to_message, HasRole(ORGANIZER),
                            F.reply_to_message.from_user.is_bot)
    router.message.register(asked, private, StateFilter(None), F.text, ~F.text.startswith("/"))
    router.callback_query.register(picked, Pick.filter(F.step == "faq"))
    return router
