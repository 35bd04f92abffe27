"""/start, /help, /lang, /cancel, the links into the bot, and the main menu's buttons."""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram import Bot, Dispatcher, F
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import COMMANDS, help_sections
from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.i18n import known_language, language_from_telegram
from bot.screens.callbacks import Go, GoTo, Pick, Run
from bot.services import registration as reg
from bot.services.accounts import set_language
from bot.services.invitations import PREFIX as INVITATION
from bot.services.nominees import PREFIX as NOMINEE
from bot.services.tickets import find_token
from bot.screens.ui import Button, column, show
from handlers import agenda, checkin, roles as appointments, tickets
from handlers.conversation import ask, begin, main_menu, step_of
from handlers.me import claim_record, list_records
from handlers.registration import begin_as_nominee, begin_colleague
from models import Account
from models.account import STAFF

CLAIM = "c"  # a registration to take over: bot.services.registration.claim_payload
OTHER_LINKS = (INVITATION, CLAIM, NOMINEE)


async def ask_language(target: Message | CallbackQuery, state: FSMContext, suggested: str) -> None:
    options = [("vi", "🇻🇳 Tiếng Việt"), ("en", "🇬🇧 English")]
    options.sort(key=lambda o: o[0] != suggested)
    buttons = [Button(label, Pick(step="lang", key=code).pack()) for code, label in options]
    await show(target, state, "Chọn ngôn ngữ / Choose your language:", column(buttons, 2))


async def staff_scan(message: Message, command: CommandObject, state: FSMContext, roles: set[str]) -> bool:
    """Staff at the desk scan whatever QR is held up: anything but a check-in code is refused there, and the
    desk stays open; away from the desk only their own kinds of link (invitations...) go through."""
    payload = command.args or ""
    return STAFF in roles and bool(find_token(payload) or not payload.startswith(OTHER_LINKS)
                                   or await checkin.at_desk(state))


async def staff_opened_link(message: Message, command: CommandObject, here: Here) -> None:
    token = find_token(command.args)
    await checkin.staff_opened_code(message, here, token or command.args,
                                    other_link=not token and command.args.startswith(OTHER_LINKS))


async def opened_code(message: Message, command: CommandObject, here: Here) -> None:
    """A code scanned with the phone camera; a delegate's conversation is left as it was."""
    await tickets.opened_code(message, here, find_token(command.args))


async def opened_invitation(message: Message, command: CommandObject, here: Here, bot: Bot, i18n: I18n) -> None:
    await here.state.clear()
    await appointments.accept(message, here, bot, i18n, command.args[len(INVITATION):])


async def opened_claim(message: Message, command: CommandObject, here: Here) -> None:
    await here.state.clear()
    await claim_record(message, here, command.args)


async def opened_nominee_link(message: Message, command: CommandObject, here: Here) -> None:
    await here.state.clear()
    await begin_as_nominee(message, here, command.args[len(NOMINEE):])


async def start_with_link(message: Message, here: Here) -> None:
    """A link into the bot that is none of the kinds above."""
    await here.state.clear()
    await message.answer(_("This link is not valid or has expired."))
    await home(message, here)


async def start(message: Message, here: Here, i18n: I18n) -> None:
    state = here.state
    step = step_of(await state.get_state())
    if step:  # never throw away answers already given
        await message.answer(_("Let us continue your registration (send /cancel to stop it)."))
        await ask(message, state, here.conference, i18n.current_locale, step)
        return
    await state.clear()
    if here.account.language is None:
        known = known_language(message.from_user.language_code)
        if known is None:  # neither Vietnamese nor English on the phone: ask (the menu keeps the switch)
            await ask_language(message, state, language_from_telegram(message.from_user.language_code,
                                                                      i18n.default_locale))
            return
        await set_language(here.session, here.account, known)
        with i18n.use_locale(known):
            await home(message, here, known)
        return
    await home(message, here)


async def home(target: Message | CallbackQuery, here: Here, lang: str | None = None) -> None:
    """The main menu of whoever this is: a delegate's, or the reception staff's or organizers' own."""
    await main_menu(target, here.state, here.conference, lang or here.lang, here.account, here.session,
                    roles=here.roles)


async def lang_command(message: Message, state: FSMContext, lang: str) -> None:
    await ask_language(message, state, "en" if lang == "vi" else "vi")


async def language_chosen(callback: CallbackQuery, callback_data: Pick, here: Here, i18n: I18n) -> None:
    state, conference, session, account = here.state, here.conference, here.session, here.account
    lang = callback_data.key if callback_data.key in ("vi", "en") else i18n.default_locale
    await set_language(session, account, lang)
    await callback.answer()
    with i18n.use_locale(lang):
        await show(callback, state, _("Language: English") if lang == "en" else "Ngôn ngữ: Tiếng Việt", edit=True)
        step = step_of(await state.get_state())
        if step:  # switching language in the middle of a registration keeps the answers
            await ask(callback.message, state, conference, lang, step)
        else:
            await home(callback.message, here, lang)


async def help_command(message: Message, state: FSMContext, roles: set[str]) -> None:
    await send_help(message, state, roles)


async def send_help(target: Message | CallbackQuery, state: FSMContext, roles: set[str]) -> None:
    """The commands this person uses: a role's own under its heading, then the few everyone uses."""
    sections, others = help_sections(roles)
    blocks = []
    for heading, listed in sections:
        lines = [f"<b>{heading}</b>"] if heading else []
        blocks.append("\n".join(lines + [f"/{c.name} — {c.description}" for c in listed]))
    if others:
        blocks.append(_("Also: {commands}").format(commands=" ".join(f"/{c.name}" for c in others)))
    text = _("Commands:") + "\n" + "\n\n".join(blocks) + "\n\n" + _(
        "In every menu you can tap a button, or type its number or its name (with or without diacritics).")
    await show(target, state, text)


async def cancel_command(message: Message, here: Here) -> None:
    had = await here.state.get_state()
    await here.state.clear()
    text = _("Stopped; nothing was saved.") if had else _("There is nothing to stop.")
    await message.answer(text, reply_markup=ReplyKeyboardRemove())
    await home(message, here)


async def run_shortcut(callback: CallbackQuery, callback_data: Run, dispatcher: Dispatcher, **data) -> None:
    """A button of a role's home menu does what its command does: the command, as if typed, goes through the
    routers with their own role checks (a forwarded or forged button gets what typing the command gets)."""
    await callback.answer()
    if callback_data.command not in {c.name for c in COMMANDS} or callback.message is None:
        return
    typed = Message(message_id=callback.message.message_id, date=datetime.now(timezone.utc),
                    chat=callback.message.chat, from_user=callback.from_user,
                    text=f"/{callback_data.command}").as_(data["bot"])
    extra = {k: v for k, v in data.items() if k not in ("handler", "event_update", "callback_data")}
    await dispatcher.propagate_event(update_type="message", event=typed, event_update=data.get("event_update"),
                                     **extra)


async def go_register(callback: CallbackQuery, here: Here) -> None:
    await callback.answer()
    if await reg.own_delegate(here.session, here.conference, here.account):
        await callback.message.answer(_("You are already registered."))
        await list_records(callback, here)
        return
    await begin(callback, here.state, here.conference, here.lang, for_self=True)


async def go_register_other(callback: CallbackQuery, here: Here) -> None:
    await callback.answer()
    await begin_colleague(callback, here)


async def go_me(callback: CallbackQuery, here: Here) -> None:
    await callback.answer()
    await list_records(callback, here)


async def go_schedule(callback: CallbackQuery, conference: Event, lang: str, session: AsyncSession,
                      account: Account) -> None:
    await callback.answer()
    await agenda.schedule(callback.message, conference, lang, session, account)


async def go_lang(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    await callback.answer()
    await ask_language(callback, state, "en" if lang == "vi" else "vi")


async def go_help(callback: CallbackQuery, state: FSMContext, roles: set[str]) -> None:
    await callback.answer()
    await send_help(callback, state, roles)


def create_router() -> Feature:
    router = Feature(name="start")
    router.message.filter(F.chat.type == "private")
    link = CommandStart(deep_link=True)
    router.message.register(staff_opened_link, link, staff_scan)
    router.message.register(opened_code, CommandStart(deep_link=True, magic=F.args.func(find_token)))
    router.message.register(opened_invitation, CommandStart(deep_link=True, magic=F.args.startswith(INVITATION)))
    router.message.register(opened_claim, CommandStart(deep_link=True, magic=F.args.startswith(CLAIM)))
    router.message.register(opened_nominee_link, CommandStart(deep_link=True, magic=F.args.startswith(NOMINEE)))
    router.message.register(start_with_link, link)
    router.message.register(start, CommandStart())
    router.message.register(lang_command, Command("lang"))
    router.callback_query.register(language_chosen, Pick.filter(F.step == "lang"))
    router.message.register(help_command, Command("help"))
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(run_shortcut, Run.filter())
    for to, handler in ((GoTo.register, go_register), (GoTo.register_other, go_register_other), (GoTo.me, go_me),
                        (GoTo.schedule, go_schedule), (GoTo.lang, go_lang), (GoTo.help, go_help)):
        router.callback_query.register(handler, Go.filter(F.to == to))
    return router
