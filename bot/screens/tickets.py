"""A delegate's check-in code as it is handed out: the link inside the QR, and the lines under it on the badge.
The chat (send_code) and the Zalo picture page draw the same badge from these."""
from __future__ import annotations

from aiogram import Bot

from bot.config import Settings
from bot.event import Event
from bot.services import tickets
from models import Delegate


async def code_link(bot: Bot, settings: Settings, delegate: Delegate) -> str:
    me = await bot.me()
    token = tickets.issue(settings.secret_key, delegate.event_id, delegate.id, delegate.ticket_version)
    return f"https://t.me/{me.username}?start={token}"


def badge_lines(delegate: Delegate, conference: Event, lang: str) -> list[str]:
    province, category = conference.province(delegate.province), conference.category(delegate.category)
    return [delegate.full_name, province.name.get(lang) if province else "",
            category.label.get(lang) if category else ""]
