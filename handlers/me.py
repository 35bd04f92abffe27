"""/me: the registrations an account made (its own and its delegation's); change, cancel, hand over."""
from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, gettext as _

from bot.config import Settings
from bot.event import Event
from bot.services import registration as reg
from bot.ui import Button, column, done, show
from handlers import steps
from handlers.callbacks import Card, Go
from handlers.render import draft_card
from handlers.tickets import send_code
from models import Account, Delegate

PAGE = 20  # registrations listed at a time by /me


def _who(delegate: Delegate, account: Account) -> str:
    return _("(you)") if delegate.account_id == account.id else ""


async def list_records(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str,
                       session, account: Account, settings: Settings, page: int = 0) -> None:
    await state.clear()
    delegates = await reg.delegates_of(session, conference, account)
    if not delegates:
        buttons = [Button(_("📝 Register myself"), Go(to="register").pack()),
                   Button(_("👥 Register a delegate of my province"), Go(to="register_other").pack())]
        await show(target, state, _("You have no registration yet."), column(buttons))
        return
    if len(delegates) == 1:
        await show_card(target, state, conference, lang, account, delegates[0], settings)
        return
    # a secretariat may register dozens: a page at a time keeps the list readable and within a message
    pages = -(-len(delegates) // PAGE)
    page = min(max(page, 0), pages - 1)
    lines, buttons = [], []
    for n, d in enumerate(delegates[page * PAGE:(page + 1) * PAGE], 1):
        status = "" if d.active else " — " + _("cancelled")
        lines.append(f"{n}. {escape(d.full_name)} {_who(d, account)}{status}")
        buttons.append(Button(f"{d.full_name}{' ✖' if not d.active else ''}", Card(action="show", id=d.id).pack()))
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
        buttons += [Button(label, Card(action="list", id=to).pack()) for label, to in
                    ((_("◀️ Previous page"), page - 1), (_("Next page ▶️"), page + 1)) if 0 <= to < pages]
    buttons.append(Button(_("➕ Register another delegate"), Go(to="register_other").pack()))
    text = _("Registrations you made ({count}):").format(count=len(delegates)) + "\n" + "\n".join(lines)
    await show(target, state, text, column(buttons))


async def show_card(target: Message | CallbackQuery, state: FSMContext, conference: Event, lang: str,
                    account: Account, delegate: Delegate, settings: Settings, *, header: str = "") -> None:
    card = draft_card(reg.Draft.of(delegate), conference, lang)
    status = _("✅ Registered") if delegate.active else _("✖ Cancelled")
    text = "\n".join(filter(None, [header, f"<b>{status}</b> {_who(delegate, account)}", "", card]))
    buttons: list[Button] = []
    if delegate.active:
        buttons.append(Button(_("✏️ Change"), Card(action="change", id=delegate.id).pack()))
        buttons.append(Button(_("🎫 Check-in code (QR)"), Card(action="qr", id=delegate.id).pack()))
        if delegate.claim_code and delegate.account_id is None:
            buttons.append(Button(_("🔗 Link for this delegate"), Card(action="link", id=delegate.id).pack()))
        buttons.append(Button(_("🗑 Cancel this registration"), Card(action="cancel", id=delegate.id).pack()))
    buttons.append(Button(_("📋 All my registrations"), Card(action="list").pack()))
    await show(target, state, text, column(buttons))


async def _claim_link(bot: Bot, settings: Settings, delegate: Delegate) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={reg.claim_payload(settings.secret_key, delegate)}"


async def after_registration(callback: CallbackQuery, state: FSMContext, conference: Event, lang: str,
                             account: Account, delegate: Delegate, settings: Settings) -> None:
    if delegate.account_id == account.id:
        header = _("✅ Thank you, your registration is confirmed.")
    else:
        header = _("✅ {name} is registered.").format(name=escape(delegate.full_name))
    await show_card(callback, state, conference, lang, account, delegate, settings, header=header)
    await send_code(callback.message, callback.bot, settings, conference, lang, account, delegate)
    if delegate.account_id is None:
        await _send_link(callback.message, callback.bot, settings, delegate)


async def _send_link(message: Message, bot: Bot, settings: Settings, delegate: Delegate) -> None:
    link = await _claim_link(bot, settings, delegate)
    text = _("If {name} uses Telegram, forward this link to them: opening it lets them manage their own "
             "registration.").format(name=escape(delegate.full_name)) + f"\n{link}"
    if settings.zalo_bot_token:  # Zalo opens no links into a bot: a code to type does the same
        text += "\n\n" + _("If they use Zalo, they send this code to the conference's Zalo bot: {code}").format(
            code=f"DK {delegate.claim_code}")
    await message.answer(text)


async def claimed(message: Message, state: FSMContext, conference: Event, lang: str, session, account: Account,
                  settings: Settings, delegate: Delegate) -> None:
    """A record taken over (by link on Telegram, by "DK" code on Zalo): the new owner checks it."""
    if account.language is None:
        account.language = lang
        await session.commit()
    await show_card(message, state, conference, lang, account, delegate, settings,
                    header=_("✅ This registration is now yours. Please check it:"))


async def claim_record(message: Message, state: FSMContext, conference: Event, lang: str, session,
                       account: Account, settings: Settings, payload: str) -> None:
    result = await reg.claim(session, conference, settings.secret_key, account, payload)
    if isinstance(result, Delegate):
        await claimed(message, state, conference, lang, session, account, settings, result)
        return
    text = {
        "cancelled": _("This registration was cancelled. You can register again with /start."),
        "already_registered": _("You already have a registration of your own; see /me."),
    }.get(result, _("This link is not valid or has already been used. Ask the person who registered you for "
                    "help."))
    await message.answer(text)


async def me_command(message: Message, state: FSMContext, conference: Event, i18n: I18n, session,
                     account: Account, settings: Settings) -> None:
    from handlers.registration import command_during_registration, step_of

    raw_state = await state.get_state()
    if step_of(raw_state):
        await command_during_registration(message, state, raw_state, conference, i18n)
        return
    await list_records(message, state, conference, i18n.current_locale, session, account, settings)


async def card_action(callback: CallbackQuery, callback_data: Card, state: FSMContext, conference: Event,
                      i18n: I18n, session, account: Account, settings: Settings) -> None:
    from handlers.registration import begin
    from handlers.start import menu_expired

    lang = i18n.current_locale
    if callback_data.action == "list":
        await callback.answer()
        await list_records(callback, state, conference, lang, session, account, settings, page=callback_data.id)
        return
    delegate = await reg.find_for(session, conference, account, callback_data.id)
    if delegate is None or (not delegate.active and callback_data.action != "show"):
        await menu_expired(callback, state, conference, lang, account, session, settings)
        return
    await callback.answer()
    action = callback_data.action
    if action == "show":
        await show_card(callback, state, conference, lang, account, delegate, settings)
    elif action == "change":
        buttons = [Button(label, Card(action="field", id=delegate.id, field=name).pack())
                   for name, label in steps.field_labels().items()]
        buttons.append(Button(_("⬅️ Back"), Card(action="show", id=delegate.id).pack()))
        await show(callback, state, _("What would you like to change for {name}?").format(
            name=escape(delegate.full_name)), column(buttons, 2))
    elif action == "field" and callback_data.field in steps.GROUPS:
        group = steps.GROUPS[callback_data.field]
        await begin(callback, state, conference, lang, for_self=delegate.account_id == account.id,
                    draft=reg.Draft.of(delegate), delegate_id=delegate.id, queue=group)
    elif action == "cancel":
        buttons = [Button(_("Yes, cancel it"), Card(action="cancel_yes", id=delegate.id).pack()),
                   Button(_("No, keep it"), Card(action="show", id=delegate.id).pack())]
        await show(callback, state, _("Cancel the registration of {name}? Their check-in code will stop "
                                      "working.").format(name=escape(delegate.full_name)), column(buttons))
    elif action == "cancel_yes":
        await reg.cancel(session, delegate)
        await show(callback, state, _("The registration of {name} is cancelled.").format(
            name=escape(delegate.full_name)))
        await list_records(callback.message, state, conference, lang, session, account, settings)
        await done(callback, state, _("This registration is already cancelled."))
    elif action == "link":
        await _send_link(callback.message, callback.bot, settings, delegate)
    elif action == "qr":
        await send_code(callback.message, callback.bot, settings, conference, lang, account, delegate)
    else:
        await show_card(callback, state, conference, lang, account, delegate, settings)


def create_router() -> Router:
    router = Router(name="me")
    router.message.filter(F.chat.type == "private")
    router.message.register(me_command, Command("me"))
    router.callback_query.register(card_action, Card.filter())
    return router
