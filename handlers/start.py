"""/start, /help, /lang, /cancel, the main menu, and what an expired button gets."""
from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n, gettext as _

from bot.commands import commands_for
from bot.config import Settings
from bot.event import Event
from bot.i18n import language_from_telegram
from bot.services import registration as reg
from bot.services.accounts import set_language
from bot.services.invitations import PREFIX as INVITATION
from bot.services.nominees import PREFIX as NOMINEE
from bot.services.tickets import find_token
from bot.ui import Button, column, show
from handlers.callbacks import Go, Pick
from models import Account
from models.account import STAFF

CLAIM = "c"  # a registration to take over: bot.services.registration.claim_payload


async def main_menu(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str,
                    account: Account, session) -> None:
    own = await reg.own_delegate(session, conference, account)
    first = conference.sessions[0].starts_at.astimezone(conference.tz)
    last = conference.sessions[-1].starts_at.astimezone(conference.tz)
    if own:
        text = _("You are registered as <b>{name}</b>.").format(name=escape(own.full_name))
        buttons = [Button(_("📋 My registration"), Go(to="me").pack()),
                   Button(_("➕ Register another delegate"), Go(to="register_other").pack())]
    else:
        text = _("Welcome to the <b>{event}</b>, {first}–{last}, {city}.").format(
            event=escape(conference.name.get(lang)), first=f"{first:%d/%m}", last=f"{last:%d/%m/%Y}",
            city=escape(conference.city.get(lang))) + "\n" + _("Register here in a few steps.")
        buttons = [Button(_("📝 Register myself"), Go(to="register").pack()),
                   Button(_("👥 Register a delegate of my province"), Go(to="register_other").pack())]
        if await reg.delegates_of(session, conference, account):
            buttons.append(Button(_("📋 Registrations I made"), Go(to="me").pack()))
    buttons += [Button(_("📅 Agenda"), Go(to="schedule").pack()),
                Button(_("🌐 Tiếng Việt / English"), Go(to="lang").pack()), Button(_("❓ Help"), Go(to="help").pack())]
    await show(target, state, text, column(buttons))


async def ask_language(target: Message | CallbackQuery, state: FSMContext, suggested: str) -> None:
    options = [("vi", "🇻🇳 Tiếng Việt"), ("en", "🇬🇧 English")]
    options.sort(key=lambda o: o[0] != suggested)
    buttons = [Button(label, Pick(step="lang", key=code).pack()) for code, label in options]
    await show(target, state, "Chọn ngôn ngữ / Choose your language:", column(buttons, 2))


async def menu_expired(callback: CallbackQuery, state: FSMContext, conference: Event, lang: str,
                       account: Account, session, settings: Settings) -> None:
    """A button from an old menu (or from before a restart): say so, and show where the user is now."""
    from handlers.registration import ask, step_of

    await callback.answer(_("This menu has expired."))
    await callback.message.answer(_("This menu has expired. Here is where you are now:"))
    step = step_of(await state.get_state())
    if step:
        await ask(callback.message, state, conference, lang, step)
    else:
        await main_menu(callback.message, state, conference, lang, account, session)


async def start_with_link(message: Message, command: CommandObject, state: FSMContext, conference: Event,
                          i18n: I18n, session, account: Account, settings: Settings, roles: set[str],
                          bot: Bot) -> None:
    """Links into the bot: a check-in code (t…), an invitation (i…), a registration to take over (c…), a
    personal link from an imported list (n…)."""
    from handlers import checkin, roles as appointments, tickets
    from handlers.me import claim_record

    payload = command.args or ""
    lang = i18n.current_locale
    token = find_token(payload)
    other_link = payload.startswith((INVITATION, CLAIM, NOMINEE))
    # staff at the desk scan whatever QR is held up: anything but a check-in code is refused there, and
    # the desk stays open; away from the desk only their own kinds of link (invitations...) go through
    if STAFF in roles and (token or not other_link or await checkin.at_desk(state)):
        await checkin.staff_opened_code(message, state, conference, lang, session, account, settings,
                                        token or payload, other_link=other_link and not token)
        return
    if token:  # a code scanned with the phone camera; a delegate's conversation is left as it was
        await tickets.opened_code(message, state, conference, lang, session, account, settings, token)
        return
    await state.clear()
    if payload.startswith(INVITATION):
        await appointments.accept(message, session, account, settings, bot, i18n, payload[len(INVITATION):])
        return
    if payload.startswith(CLAIM):
        await claim_record(message, state, conference, lang, session, account, settings, payload)
        return
    if payload.startswith(NOMINEE):
        from handlers.registration import begin_as_nominee

        await begin_as_nominee(message, state, conference, lang, session, account, payload[len(NOMINEE):])
        return
    await message.answer(_("This link is not valid or has expired."))
    await main_menu(message, state, conference, i18n.current_locale, account, session)


async def start(message: Message, state: FSMContext, conference: Event, i18n: I18n, session,
                account: Account) -> None:
    from handlers.registration import ask, step_of

    step = step_of(await state.get_state())
    if step:  # never throw away answers already given
        await message.answer(_("Let us continue your registration (send /cancel to stop it)."))
        await ask(message, state, conference, i18n.current_locale, step)
        return
    await state.clear()
    if account.language is None:
        await ask_language(message, state, language_from_telegram(message.from_user.language_code,
                                                                  i18n.default_locale))
        return
    await main_menu(message, state, conference, i18n.current_locale, account, session)


async def lang_command(message: Message, state: FSMContext, i18n: I18n) -> None:
    await ask_language(message, state, "en" if i18n.current_locale == "vi" else "vi")


async def language_chosen(callback: CallbackQuery, callback_data: Pick, state: FSMContext, conference: Event,
                          i18n: I18n, session, account: Account) -> None:
    lang = callback_data.key if callback_data.key in ("vi", "en") else i18n.default_locale
    await set_language(session, account, lang)
    await callback.answer()
    with i18n.use_locale(lang):
        await show(callback, state, _("Language: English") if lang == "en" else "Ngôn ngữ: Tiếng Việt", edit=True)
        from handlers.registration import ask, step_of

        step = step_of(await state.get_state())
        if step:  # switching language in the middle of a registration keeps the answers
            await ask(callback.message, state, conference, lang, step)
        else:
            await main_menu(callback.message, state, conference, lang, account, session)


async def help_command(message: Message, state: FSMContext, roles: set[str]) -> None:
    await send_help(message, state, roles)


async def send_help(target: Message | CallbackQuery, state: FSMContext, roles: set[str]) -> None:
    lines = [f"/{c.name} — {c.description}" for c in commands_for(roles)]
    text = _("Commands:") + "\n" + "\n".join(lines) + "\n\n" + _(
        "In every menu you can tap a button, or type its number or its name (with or without diacritics).")
    await show(target, state, text)


async def cancel_command(message: Message, state: FSMContext, conference: Event, i18n: I18n, session,
                         account: Account) -> None:
    had = await state.get_state()
    await state.clear()
    text = _("Stopped; nothing was saved.") if had else _("There is nothing to stop.")
    await message.answer(text, reply_markup=ReplyKeyboardRemove())
    await main_menu(message, state, conference, i18n.current_locale, account, session)


async def go(callback: CallbackQuery, callback_data: Go, state: FSMContext, conference: Event, i18n: I18n,
             session, account: Account, roles: set[str], settings: Settings) -> None:
    from handlers.me import list_records
    from handlers.registration import begin

    lang = i18n.current_locale
    await callback.answer()
    if callback_data.to == "register":
        own = await reg.own_delegate(session, conference, account)
        if own:
            await callback.message.answer(_("You are already registered."))
            await list_records(callback, state, conference, lang, session, account, settings)
            return
        await begin(callback, state, conference, lang, for_self=True)
    elif callback_data.to == "register_other":
        await begin(callback, state, conference, lang, for_self=False)
    elif callback_data.to == "me":
        await list_records(callback, state, conference, lang, session, account, settings)
    elif callback_data.to == "schedule":
        from handlers.agenda import schedule

        await schedule(callback.message, conference, i18n, session, account)
    elif callback_data.to == "lang":
        await ask_language(callback, state, "en" if lang == "vi" else "vi")
    else:
        await send_help(callback, state, roles)


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(start_with_link, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(lang_command, Command("lang"))
    router.callback_query.register(language_chosen, Pick.filter(F.step == "lang"))
    router.message.register(help_command, Command("help"))
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(go, Go.filter())
    return router
