"""/me: the registrations an account made (its own and its delegation's); change, cancel, hand over."""
from __future__ import annotations

from html import escape

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.callbacks import Card, CardAction, Go, GoTo
from bot.screens.render import draft_card, stay_card
from bot.screens.transport import seat_lines
from bot.services import lodging, registration as reg, transport
from bot.screens.ui import Button, column, done, show
from handlers import steps
from handlers.conversation import begin, command_during_registration, register_buttons, step_of
from handlers.tickets import send_code
from models import Account, Delegate

PAGE = 20  # registrations listed at a time by /me


def _who(delegate: Delegate, account: Account) -> str:
    return _("(you)") if delegate.account_id == account.id else ""


async def list_records(target: Message | CallbackQuery, here: Here, page: int = 0) -> None:
    await here.state.clear()
    delegates = await reg.delegates_of(here.session, here.conference, here.account)
    if not delegates:
        await show(target, here.state, _("You have no registration yet."), column(register_buttons()))
        return
    if len(delegates) == 1:
        await show_card(target, here, delegates[0])
        return
    # a secretariat may register dozens: a page at a time keeps the list readable and within a message
    pages = -(-len(delegates) // PAGE)
    page = min(max(page, 0), pages - 1)
    lines, buttons = [], []
    for n, d in enumerate(delegates[page * PAGE:(page + 1) * PAGE], 1):
        status = "" if d.active else " — " + _("cancelled")
        lines.append(f"{n}. {escape(d.full_name)} {_who(d, here.account)}{status}")
        label = f"{d.full_name}{' ✖' if not d.active else ''}"
        buttons.append(Button(label, Card(action=CardAction.show, id=d.id).pack()))
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
        buttons += [Button(label, Card(action=CardAction.all_records, id=to).pack()) for label, to in
                    ((_("◀️ Previous page"), page - 1), (_("Next page ▶️"), page + 1)) if 0 <= to < pages]
    buttons.append(Button(_("➕ Register another delegate"), Go(to=GoTo.register_other).pack()))
    text = _("Registrations you made ({count}):").format(count=len(delegates)) + "\n" + "\n".join(lines)
    await show(target, here.state, text, column(buttons))


async def show_card(target: Message | CallbackQuery, here: Here, delegate: Delegate, *, header: str = "",
                    another: bool = False, new: bool = False) -> None:
    """A record's card. `new`: stored by this update, so the host has given it no room and no seat yet (both
    are read otherwise)."""
    card = draft_card(reg.Draft.of(delegate), here.conference, here.lang)
    looked_up = delegate.active and not new
    stay = await lodging.stay_of(here.session, here.conference, delegate) if looked_up else None
    card += "\n" + stay_card(*stay, here.lang) if stay else ""
    status = _("✅ Registered") if delegate.active else _("✖ Cancelled")
    rides = seat_lines(here.conference, await transport.of_delegate(here.session, delegate.id), here.lang) \
        if looked_up else []
    text = "\n".join(filter(None, [header, f"<b>{status}</b> {_who(delegate, here.account)}", "", card,
                                   "\n" + "\n".join(rides) if rides else ""]))
    buttons = [another_button()] if another else []
    if delegate.active:
        buttons.append(Button(_("✏️ Change"), Card(action=CardAction.change, id=delegate.id).pack()))
        buttons.append(Button(_("🎫 Check-in code (QR)"), Card(action=CardAction.qr, id=delegate.id).pack()))
        if delegate.claim_code and delegate.account_id is None:
            buttons.append(Button(_("🔗 Link for this delegate"), Card(action=CardAction.link, id=delegate.id).pack()))
        buttons.append(Button(_("🗑 Cancel this registration"), Card(action=CardAction.cancel, id=delegate.id).pack()))
    buttons.append(Button(_("📋 All my registrations"), Card(action=CardAction.all_records).pack()))
    await show(target, here.state, text, column(buttons))


def another_button() -> Button:
    return Button(_("➕ Add another colleague"), Go(to=GoTo.register_other).pack())


async def _claim_link(bot: Bot, settings: Settings, delegate: Delegate) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={reg.claim_payload(settings.secret_key, delegate)}"


async def after_registration(callback: CallbackQuery, here: Here, delegate: Delegate, *, new: bool) -> None:
    """A confirmed registration: its card, its check-in code, and a colleague's take-over link. `new`: stored by
    this update (not found stored already: the same review confirmed again)."""
    if delegate.account_id == here.account.id:
        header = _("✅ Thank you, your registration is confirmed.")
    else:
        header = _("✅ {name} is registered.").format(name=escape(delegate.full_name))
    await show_card(callback, here, delegate, header=header, another=delegate.account_id is None, new=new)
    await send_code(callback.message, here.settings, here.conference, here.lang, here.account, delegate)
    if delegate.account_id is None:
        await _send_link(callback.message, callback.bot, here.settings, delegate)


async def after_batch(callback: CallbackQuery, here: Here, delegates: list[Delegate]) -> None:
    """Colleagues confirmed together: one message with each one's take-over link, then their check-in codes."""
    lines = [_("✅ {count} delegates are registered. Forward to each their link (Telegram) or code (Zalo), and "
               "their check-in code below:").format(count=len(delegates))]
    for delegate in delegates:  # bullets: on Zalo, numbered lines are the menu's
        code = f" · Zalo: DK {delegate.claim_code}" if here.settings.zalo_bot_token else ""
        link = await _claim_link(callback.bot, here.settings, delegate)
        lines.append(f"• <b>{escape(delegate.full_name)}</b>: {link}{code}")
    buttons = [another_button(), Button(_("📋 All my registrations"), Card(action=CardAction.all_records).pack())]
    await show(callback, here.state, "\n".join(lines), column(buttons))
    for delegate in delegates:
        await send_code(callback.message, here.settings, here.conference, here.lang, here.account, delegate)


async def _send_link(message: Message, bot: Bot, settings: Settings, delegate: Delegate) -> None:
    link = await _claim_link(bot, settings, delegate)
    text = _("If {name} uses Telegram, forward this link to them: opening it lets them manage their own "
             "registration.").format(name=escape(delegate.full_name)) + f"\n{link}"
    if settings.zalo_bot_token:  # Zalo opens no links into a bot: a code to type does the same
        text += "\n\n" + _("If they use Zalo, they send this code to the conference's Zalo bot: {code}").format(
            code=f"DK {delegate.claim_code}")
    await message.answer(text)


async def claimed(message: Message, here: Here, delegate: Delegate) -> None:
    """A record taken over (by link on Telegram, by "DK" code on Zalo): the new owner checks it."""
    if here.account.language is None:
        here.account.language = here.lang
        await here.session.commit()
    await show_card(message, here, delegate, header=_("✅ This registration is now yours. Please check it:"))


async def claim_record(message: Message, here: Here, payload: str) -> None:
    result = await reg.claim(here.session, here.conference, here.settings.secret_key, here.account, payload)
    if isinstance(result, Delegate):
        await claimed(message, here, result)
        return
    text = {
        "cancelled": _("This registration was cancelled. You can register again with /start."),
        "already_registered": _("You already have a registration of your own; see /me."),
    }.get(result, _("This link is not valid or has already been used. Ask the person who registered you for "
                    "help."))
    await message.answer(text)


async def me_command(message: Message, here: Here) -> None:
    raw_state = await here.state.get_state()
    if step_of(raw_state):
        await command_during_registration(message, here.state, raw_state, here.conference, here.lang)
        return
    await list_records(message, here)


async def own_record(callback: CallbackQuery, callback_data: Card, conference: Event, session: AsyncSession,
                     account: Account) -> dict | bool:
    """The record a card button names, if it is one of this account's (a cancelled one can only be shown).
    Any other press is the fallback's: "this menu has expired"."""
    delegate = await reg.find_for(session, conference, account, callback_data.id)
    if delegate is None or (not delegate.active and callback_data.action != CardAction.show):
        return False
    return {"delegate": delegate}


async def all_records(callback: CallbackQuery, callback_data: Card, here: Here) -> None:
    await callback.answer()
    await list_records(callback, here, page=callback_data.id)


async def show_record(callback: CallbackQuery, here: Here, delegate: Delegate) -> None:
    await callback.answer()
    await show_card(callback, here, delegate)


async def choose_field(callback: CallbackQuery, state: FSMContext, delegate: Delegate) -> None:
    await callback.answer()
    buttons = [Button(label, Card(action=CardAction.field, id=delegate.id, field=name).pack(),
                      steps.FIELD_WORDS.get(name, ())) for name, label in steps.field_labels().items()]
    buttons.append(Button(_("⬅️ Back"), Card(action=CardAction.show, id=delegate.id).pack()))
    await show(callback, state, _("What would you like to change for {name}?").format(
        name=escape(delegate.full_name)), column(buttons, 2))


async def change_field(callback: CallbackQuery, callback_data: Card, here: Here, delegate: Delegate) -> None:
    await callback.answer()
    await begin(callback, here.state, here.conference, here.lang, for_self=delegate.account_id == here.account.id,
                draft=reg.Draft.of(delegate), delegate_id=delegate.id, queue=steps.GROUPS[callback_data.field])


async def ask_to_cancel(callback: CallbackQuery, state: FSMContext, delegate: Delegate) -> None:
    await callback.answer()
    buttons = [Button(_("Yes, cancel it"), Card(action=CardAction.cancel_yes, id=delegate.id).pack()),
               Button(_("No, keep it"), Card(action=CardAction.show, id=delegate.id).pack())]
    await show(callback, state, _("Cancel the registration of {name}? Their check-in code will stop "
                                  "working.").format(name=escape(delegate.full_name)), column(buttons))


async def cancel_record(callback: CallbackQuery, here: Here, delegate: Delegate) -> None:
    await callback.answer()
    await reg.cancel(here.session, delegate)
    await show(callback, here.state, _("The registration of {name} is cancelled.").format(
        name=escape(delegate.full_name)))
    await list_records(callback.message, here)
    await done(callback, here.state, _("This registration is already cancelled."))


async def take_over_link(callback: CallbackQuery, settings: Settings, delegate: Delegate) -> None:
    await callback.answer()
    await _send_link(callback.message, callback.bot, settings, delegate)


async def code_of_record(callback: CallbackQuery, here: Here, delegate: Delegate) -> None:
    await callback.answer()
    await send_code(callback.message, here.settings, here.conference, here.lang, here.account, delegate)


def create_router() -> Feature:
    router = Feature(name="me")
    router.message.filter(F.chat.type == "private")
    router.message.register(me_command, Command("me"))
    router.callback_query.register(all_records, Card.filter(F.action == CardAction.all_records))
    for action, handler in ((CardAction.show, show_record), (CardAction.change, choose_field),
                            (CardAction.cancel, ask_to_cancel), (CardAction.cancel_yes, cancel_record),
                            (CardAction.link, take_over_link), (CardAction.qr, code_of_record)):
        router.callback_query.register(handler, Card.filter(F.action == action), own_record)
    changeable = (F.action == CardAction.field) & F.field.in_(steps.GROUPS)
    router.callback_query.register(change_field, Card.filter(changeable), own_record)
    # a field no change button names any more: the record again, as a stale press always showed it
    router.callback_query.register(show_record, Card.filter(F.action == CardAction.field), own_record)
    return router
