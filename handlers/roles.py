"""Who may do what: organizers appoint reception staff and other organizers by one-time, expiring,
revocable invitation links (/invite_staff, /invite_organizer), see who holds which role and remove
appointed ones (/roles). Organizers from ADMIN_IDS are set by the configuration only."""
from __future__ import annotations

from html import escape


from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.routing import Feature
from bot.screens import listing
from bot.commands import publish_for_chat
from bot.config import Settings
from bot.event import Event
from bot.middlewares import Here
from bot.screens.callbacks import Invite, InviteAction, Pick, Roles, RolesAction
from bot.services import invitations
from bot.services.accounts import from_configuration, remove_role, roles_of, with_roles
from bot.screens.ui import Button, column, show
from handlers.filters import HasRole, organizers_only, organizers_only_button
from models import Account
from models.account import ORGANIZER, SECRETARIAT, STAFF


async def invite_staff(message: Message, session: AsyncSession, account: Account, bot: Bot, conference: Event) -> None:
    await _invite(message, session, account, bot, conference, STAFF)


async def invite_organizer(message: Message, session: AsyncSession, account: Account, bot: Bot,
                           conference: Event) -> None:
    await _invite(message, session, account, bot, conference, ORGANIZER)


async def invite_secretariat(message: Message, state: FSMContext, lang: str, conference: Event) -> None:
    """A province's secretariat: the province first."""
    buttons = [Button(p.name.get(lang), Pick(step="secretariat", key=p.code).pack(), (p.name.vi, p.name.en))
               for p in conference.provinces]
    await show(message, state, _("The secretariat of which province? Its invitation lets one person import that "
                                 "province's list (/import) and register its delegation."), column(buttons, 2))


async def secretariat_chosen(callback: CallbackQuery, callback_data: Pick, here: Here, bot: Bot) -> None:
    await callback.answer()
    province = here.conference.province(callback_data.key)
    if province is None:
        return
    await _invite(callback.message, here.session, here.account, bot, here.conference, SECRETARIAT + province.code)


async def _invite(message: Message, session: AsyncSession, account: Account, bot: Bot, conference: Event,
                  role: str) -> None:
    invitation = await invitations.create(session, role, account)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invitations.payload(invitation)}"
    until = invitation.expires_at.astimezone(conference.tz).strftime("%d/%m %H:%M")
    if role.startswith(SECRETARIAT):
        text = _("Invitation for the {role}, for one person, valid until {until}. Forward this link to them:").format(
            role=escape(role_name(role, conference)), until=until)
        await message.answer(f"{text}\n{link}")
        return
    text = (_("Reception staff invitation, for one person, valid until {until}. Forward this link to them; opening "
              "it makes them reception staff:") if role == STAFF else
            _("Organizer invitation, for one person, valid until {until}. Forward this link to them; opening it "
              "makes them an organizer (broadcasts, agenda, lists, roles):"))
    await message.answer(text.format(until=until) + f"\n{link}")


def role_name(role: str, conference: Event | None = None) -> str:
    if role.startswith(SECRETARIAT):
        province = conference.province(role[len(SECRETARIAT):]) if conference else None
        return _("secretariat of {province}").format(province=province.name.vi if province else role[len(SECRETARIAT):])
    return _("organizer") if role == ORGANIZER else _("reception staff")


async def list_roles(message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
                     conference: Event) -> None:
    lines, buttons = [], []
    for holder in await with_roles(session, settings.admin_ids):
        who = escape(holder.display_name or holder.user_id) + (f" (@{escape(holder.username)})"
                                                              if holder.username else "")
        if holder.channel in ("zalo", "zalo_oa"):
            who += " (Zalo)"  # Zalo staff are removed here too; the channel's name needs no translation
        appointed = sorted(r.role for r in holder.roles)
        held = [role_name(r, conference) for r in appointed]
        if from_configuration(holder, settings.admin_ids):
            held.insert(0, _("organizer (ADMIN_IDS)"))
        lines.append(f"• {who}: {', '.join(dict.fromkeys(held))}")
        buttons += [Button(_("Remove {name}: {role}").format(name=holder.display_name or holder.user_id,
                                                              role=role_name(r, conference)),
                           Roles(action=RolesAction.remove, id=holder.id, role=r).pack()) for r in appointed]
    lines = [_("<b>Who holds which role</b>"), *listing.within(lines),
             _("Appoint more with /invite_staff or /invite_organizer.")]
    await show(message, state, "\n".join(lines), column(buttons) if buttons else None)


async def remove(callback: CallbackQuery, callback_data: Roles, here: Here, bot: Bot, i18n: I18n) -> None:
    session, account, settings = here.session, here.account, here.settings
    holder = await session.get(Account, callback_data.id)
    if holder is None or (holder.id == account.id and callback_data.role == ORGANIZER):
        await callback.answer(_("You cannot remove your own organizer role."), show_alert=True)
        return
    if not await remove_role(session, holder, callback_data.role):  # a double tap, or another organizer
        await callback.answer(_("That role had already been removed."))
        return
    await callback.answer()
    await callback.message.answer(_("{name} is no longer {role}.").format(
        name=escape(holder.display_name or holder.user_id), role=role_name(callback_data.role, here.conference)))
    lang = holder.language or i18n.default_locale
    await publish_for_chat(bot, i18n, int(holder.chat_id), roles_of(holder, settings.admin_ids), lang)


async def list_invitations(message: Message, state: FSMContext, session: AsyncSession, conference: Event) -> None:
    open_ones = await invitations.open_invitations(session)
    if not open_ones:
        await message.answer(_("There is no open invitation."))
        return
    buttons = [Button(_("Revoke invitation #{id} ({role}, until {until})").format(
        id=i.id, role=i.role, until=i.expires_at.astimezone(conference.tz).strftime("%d/%m %H:%M")),
        Invite(action=InviteAction.revoke, id=i.id).pack()) for i in open_ones]
    await show(message, state, _("Open invitations:"), column(buttons))


async def revoke(callback: CallbackQuery, callback_data: Invite, session: AsyncSession) -> None:
    revoked = await invitations.revoke(session, callback_data.id)
    await callback.answer(_("Invitation revoked.") if revoked else _("This invitation was already used or revoked."))
    if revoked:
        await callback.message.answer(_("Invitation #{id} revoked; its link no longer works.").format(id=revoked.id))


async def accept(message: Message, here: Here, bot: Bot, i18n: I18n, code: str) -> None:
    account = here.account
    result = await invitations.accept(here.session, account, code)
    if isinstance(result, str):
        text = {
            "used": _("This invitation has already been used."),
            "expired": _("This invitation has expired; ask the organizers for a new one."),
            "revoked": _("This invitation was revoked by the organizers."),
        }.get(result, _("This link is not valid or has expired."))
        await message.answer(text)
        return
    roles = roles_of(account, here.settings.admin_ids)
    await publish_for_chat(bot, i18n, int(account.chat_id), roles, here.lang)
    if result.role.startswith(SECRETARIAT):
        await message.answer(_("✅ You are now the {role}: send /import with the province's list, or register "
                               "the delegation from /start; /report sends the province's six-month report.").format(role=escape(role_name(result.role,
                                                                                           here.conference))))
        return
    await message.answer(_("✅ You are now reception staff. Send /start for your menu, /checkin to open the "
                           "reception desk, /help for your commands.") if result.role == STAFF else
                         _("✅ You are now an organizer. Send /start for your menu, /help for your commands."))


def create_router() -> Feature:
    router = Feature(name="staff")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(invite_staff, Command("invite_staff"), organizer)
    router.message.register(invite_organizer, Command("invite_organizer"), organizer)
    router.message.register(invite_secretariat, Command("invite_secretariat"), organizer)
    router.callback_query.register(secretariat_chosen, Pick.filter(F.step == "secretariat"), organizer)
    router.message.register(list_invitations, Command("invites"), organizer)
    router.message.register(list_roles, Command("roles"), organizer)
    router.message.register(organizers_only, Command("invite_staff", "invite_organizer", "invite_secretariat", "invites",
                                                     "roles"))
    router.callback_query.register(revoke, Invite.filter(F.action == InviteAction.revoke), organizer)
    router.callback_query.register(remove, Roles.filter(F.action == RolesAction.remove), organizer)
    router.callback_query.register(organizers_only_button, Invite.filter())
    router.callback_query.register(organizers_only_button, Roles.filter())
    return router
