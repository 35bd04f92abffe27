"""Who may use a handler, and what everyone else is told."""
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from models.account import ORGANIZER, secretariat_of


class HasRole(Filter):
    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, roles: set[str] | None = None) -> bool:
        return self.role in (roles or set())


class CanImport(Filter):
    """Organizers, and a province's secretariat (for its own province's list)."""

    async def __call__(self, event: TelegramObject, roles: set[str] | None = None) -> bool:
        return ORGANIZER in (roles or set()) or bool(secretariat_of(roles or set()))


class OnZalo(Filter):
    """An update the Zalo bridge fed (bot/channels/zalo): for the few things Zalo cannot do at all (files)."""

    async def __call__(self, event: TelegramObject, channel: str | None = None) -> bool:
        return channel in ("zalo", "zalo_oa")


async def organizers_only(message: Message) -> None:
    """An organizer's command from someone without the role."""
    await message.answer(_("This command is for the organizers."))


async def organizers_only_button(callback: CallbackQuery) -> None:
    """An organizer's button (forwarded, forged or from before a role was removed)."""
    await callback.answer(_("This is for the organizers."), show_alert=True)
