"""Where a user is in the chat: the main menu, or the registration step they are at.

Every feature comes back here: a registration begun from the menu, from /me or from a personal link; a
conversation stopped; a button from an old menu. So this module imports no other feature's module, and
they all may import it.

The conversation state holds the draft, a queue of steps still to ask (for "change this field")
and the mode: "new" (ends with a confirmation) or "edit" (an existing record, saved at once).
"""
from __future__ import annotations

from html import escape

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import HOME, home_role
from bot.event import Event
from bot.screens.callbacks import Go, GoTo, Run
from bot.services import confirmations, registration as reg
from bot.services.vocabulary import AGENDA, HELP, LANGUAGE, MY_REGISTRATION, REGISTER_OTHER, REGISTER_SELF
from bot.screens.ui import CONFIRMATION_KEY, Button, column, show
from handlers import steps
from models import Account, Delegate
from models.account import STAFF


class Registration(StatesGroup):
    province = State()
    category = State()
    full_name = State()
    position = State()
    organization = State()
    phone = State()
    sessions = State()
    arrival_date = State()
    arrival_time = State()
    travel_mode = State()
    lodging = State()
    departure = State()
    room = State()
    note = State()
    salutation = State()
    companions = State()
    confirm = State()
    change = State()


def step_of(raw_state: str | None) -> str | None:
    if raw_state and raw_state.startswith("Registration:"):
        return raw_state.split(":", 1)[1]
    return None


async def ask(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str, step: str,
              *, edit: bool = False, warning: str = "", remove_keyboard: bool = False) -> None:
    """Ask a step; `remove_keyboard` takes a reply keyboard (the share-contact button) away, with this question
    when it has no buttons of its own (a message carries one keyboard), else with `warning` sent before it."""
    data = await state.get_data()
    draft = reg.Draft.load(data.get("draft"))
    await state.set_state(getattr(Registration, step))
    p = steps.adapt(steps.prompt(step, draft, conference, lang, data.get("for_self", False)), step, data, draft,
                    conference, lang)
    reply_keyboard = p.reply_keyboard
    if remove_keyboard and p.menu is None and reply_keyboard is None:
        reply_keyboard = ReplyKeyboardRemove()
    elif remove_keyboard:
        message = target.message if isinstance(target, CallbackQuery) else target
        await message.answer(warning or "✓", reply_markup=ReplyKeyboardRemove())
        warning = ""
    text = f"{warning}\n\n{p.text}" if warning else p.text
    await show(target, state, text, p.menu, edit=edit, strict=p.strict, reply_keyboard=reply_keyboard)


async def begin(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str, *,
                for_self: bool, draft: reg.Draft | None = None, delegate_id: int | None = None,
                queue: list[str] | None = None) -> None:
    """Start a new registration, or (with delegate_id) change fields of an existing one."""
    await state.clear()
    await state.update_data(draft=(draft or reg.Draft()).dump(), for_self=for_self, delegate_id=delegate_id,
                            queue=list(queue or []), mode="edit" if delegate_id else "new",
                            **{CONFIRMATION_KEY: None if delegate_id else confirmations.new_key()})
    first = (queue or ["province"])[0]
    await state.update_data(queue=list(queue or [])[1:])
    await ask(target, state, conference, lang, first)


async def command_during_registration(message: Message, state: FSMContext, raw_state: str, conference: Event,
                                      lang: str) -> None:
    """A command that is not a way out: it is not an answer either."""
    await message.answer(_("Please finish this registration first, or send /cancel to stop it."))
    await ask(message, state, conference, lang, step_of(raw_state))


def register_buttons() -> list[Button]:
    return [Button(_("📝 Register myself"), Go(to=GoTo.register).pack(), REGISTER_SELF),
            Button(_("👥 Register a delegate of my province"), Go(to=GoTo.register_other).pack(), REGISTER_OTHER)]


async def main_menu(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str,
                    account: Account, session: AsyncSession, *, roles: frozenset[str] = frozenset()) -> None:
    """The home of whoever this is: a delegate's menu, or (`roles`) the reception staff's or organizers'."""
    records = await reg.delegates_of(session, conference, account)  # one read for both questions below
    own = reg.own_among(records, account)
    if home_role(roles):
        await role_home(target, state, conference, lang, own, home_role(roles))
        return
    first = conference.parts[0].starts_at.astimezone(conference.tz)
    last = conference.parts[-1].starts_at.astimezone(conference.tz)
    if own:
        text = _("You are registered as <b>{name}</b>.").format(name=escape(own.full_name))
        buttons = [Button(_("📋 My registration"), Go(to=GoTo.me).pack(), MY_REGISTRATION),
                   Button(_("➕ Register another delegate"), Go(to=GoTo.register_other).pack(), REGISTER_OTHER)]
    else:
        text = _("Welcome to the <b>{event}</b>, {first}–{last}, {city}.").format(
            event=escape(conference.name.get(lang)), first=f"{first:%d/%m}", last=f"{last:%d/%m/%Y}",
            city=escape(conference.city.get(lang))) + "\n" + _("Register here in a few steps.")
        buttons = register_buttons()
        if records:
            buttons.append(Button(_("📋 Registrations I made"), Go(to=GoTo.me).pack()))
    buttons += [Button(_("📅 Agenda"), Go(to=GoTo.schedule).pack(), AGENDA),
                Button(_("🌐 Tiếng Việt / English"), Go(to=GoTo.lang).pack(), LANGUAGE),
                Button(_("❓ Help"), Go(to=GoTo.help).pack(), HELP)]
    await show(target, state, text, column(buttons))


async def role_home(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str,
                    own: Delegate | None, role: str) -> None:
    """Reception staff and organizers: their work first, their own registration one tap away."""
    heading = _("🛎 <b>Reception</b> · {event}") if role == STAFF else _("🗂 <b>Organizers</b> · {event}")
    text = heading.format(event=escape(conference.short_name.get(lang))) + "\n" + _("Please choose:")
    if own:
        text += "\n" + _("Registered as <b>{name}</b>.").format(name=escape(own.full_name))
    work = [Button(str(s.label), Run(command=s.command).pack()) for s in HOME[role]]
    mine = (Button(_("📋 My registration"), Go(to=GoTo.me).pack()) if own else
            Button(_("📝 Register myself"), Go(to=GoTo.register).pack()))
    rest = [mine, Button(_("🌐 Tiếng Việt / English"), Go(to=GoTo.lang).pack()),
            Button(_("❓ Help"), Go(to=GoTo.help).pack())]
    await show(target, state, text, column(work, 2) + column(rest))


async def menu_expired(callback: CallbackQuery, state: FSMContext, conference: Event, lang: str,
                       account: Account, session: AsyncSession, *, roles: frozenset[str] = frozenset()) -> None:
    """A button from an old menu (or from before a restart): say so, and show where the user is now."""
    await callback.answer(_("This menu has expired."))
    await callback.message.answer(_("This menu has expired. Here is where you are now:"))
    step = step_of(await state.get_state())
    if step:
        await ask(callback.message, state, conference, lang, step)
    else:
        await main_menu(callback.message, state, conference, lang, account, session, roles=roles)
