"""Login links for the web pages: /desk (reception staff and organizers) opens the reception desk page
on a computer, /dashboard (organizers) the arrivals dashboard. Each link works once and expires soon;
the page it opens keeps the person signed in for a working day (bot/services/sign_in.py)."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.infra.routing import Feature
from bot.services import sign_in
from handlers.filters import HasRole, organizers_only
from models import Account
from models.account import ORGANIZER, STAFF


async def _send_link(message: Message, session: AsyncSession, account: Account, settings: Settings, role: str) -> None:
    token = await sign_in.create_login(session, account, role)
    link = escape(sign_in.login_url(settings, token))
    minutes = int(sign_in.LOGIN_LIFETIME.total_seconds() // 60)
    hours = int(sign_in.SESSION_LIFETIME.total_seconds() // 3600)
    if role == STAFF:
        text = _("🛎 Reception desk page. Open this link on the desk's computer within {minutes} minutes; it works "
                 "once and keeps that computer signed in for {hours} hours. Do not forward it.")
    else:
        text = _("📊 Arrivals dashboard. Open this link on your computer within {minutes} minutes; it works once "
                 "and keeps that computer signed in for {hours} hours. Do not forward it.")
    await message.answer(text.format(minutes=minutes, hours=hours) + f"\n{link}")


async def desk_link(message: Message, session: AsyncSession, account: Account, settings: Settings) -> None:
    await _send_link(message, session, account, settings, STAFF)


async def dashboard_link(message: Message, session: AsyncSession, account: Account, settings: Settings) -> None:
    await _send_link(message, session, account, settings, ORGANIZER)


async def not_staff(message: Message) -> None:
    await message.answer(_("The reception desk page is for the reception staff and the organizers. If you work "
                           "at reception, ask the organizers for a staff invitation."))


def create_router() -> Feature:
    router = Feature(name="web_login")
    router.message.filter(F.chat.type == "private")
    router.message.register(desk_link, Command("desk"), HasRole(STAFF))
    router.message.register(not_staff, Command("desk"))
    router.message.register(dashboard_link, Command("dashboard"), HasRole(ORGANIZER))
    router.message.register(organizers_only, Command("dashboard"))
    return router
