"""Organizers make reception staff: a one-time, expiring, revocable invitation link to forward."""
from __future__ import annotations


from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, gettext as _

from bot.commands import publish_for_chat
from bot.event import Event
from bot.services import invitations
from bot.services.accounts import roles_of
from bot.config import Settings
from bot.ui import Button, column, show
from handlers.callbacks import Invite
from handlers.filters import HasRole
from models import Account
from models.account import ORGANIZER, STAFF


async def invite_staff(message: Message, session, account: Account, bot: Bot, conference: Event, i18n: I18n) -> None:
    invitation = await invitations.create(session, STAFF, account)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invitations.payload(invitation)}"
    until = invitation.expires_at.astimezone(conference.tz).strftime("%d/%m %H:%M")
    await message.answer(_("Reception staff invitation, for one person, valid until {until}. Forward this link to "
                           "them; opening it makes them reception staff:").format(until=until) + f"\n{link}")


async def list_invitations(message: Message, state: FSMContext, session, conference: Event) -> None:
    open_ones = await invitations.open_invitations(session)
    if not open_ones:
        await message.answer(_("There is no open invitation."))
        return
    buttons = [Button(_("Revoke invitation #{id} ({role}, until {until})").format(
        id=i.id, role=i.role, until=i.expires_at.astimezone(conference.tz).strftime("%d/%m %H:%M")),
        Invite(action="revoke", id=i.id).pack()) for i in open_ones]
    await show(message, state, _("Open invitations:"), column(buttons))


async def revoke(callback: CallbackQuery, callback_data: Invite, session) -> None:
    revoked = await invitations.revoke(session, callback_data.id)
    await callback.answer(_("Invitation revoked.") if revoked else _("This invitation was already used or revoked."))
    if revoked:
        await callback.message.answer(_("Invitation #{id} revoked; its link no longer works.").format(id=revoked.id))


async def accept(message: Message, session, account: Account, settings: Settings, bot: Bot, i18n: I18n,
                 code: str) -> None:
    result = await invitations.accept(session, account, code)
    if isinstance(result, str):
        text = {
            "used": _("This invitation has already been used."),
            "expired": _("This invitation has expired; ask the organizers for a new one."),
            "revoked": _("This invitation was revoked by the organizers."),
        }.get(result, _("This link is not valid or has expired."))
        await message.answer(text)
        return
    roles = roles_of(account, settings.admin_ids)
    await publish_for_chat(bot, i18n, int(account.chat_id), roles, i18n.current_locale)
    await message.answer(_("✅ You are now reception staff. Send /checkin to open the reception desk, /help for "
                           "your commands.") if result.role == STAFF else _("✅ You are now an organizer."))


async def not_organizer(message: Message) -> None:
    await message.answer(_("This command is for the organizers."))


def create_router() -> Router:
    router = Router(name="staff")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(invite_staff, Command("invite_staff"), organizer)
    router.message.register(list_invitations, Command("invites"), organizer)
    router.message.register(not_organizer, Command("invite_staff", "invites"))
    router.callback_query.register(revoke, Invite.filter(), organizer)
    return router
