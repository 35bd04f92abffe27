"""What a broadcast or an agenda notice looks like: the text a delegate reads, the title of the organizer's
progress message, and its stop button. Shared by the organizer's /broadcast and the outbox sender."""
from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.screens.callbacks import Outbox, OutboxAction
from models import Broadcast
from models.outbox import AGENDA, TRANSPORT


def delegate_text(broadcast: Broadcast, lang: str) -> str:
    """What a recipient reads, in their language (Vietnamese when no English text was given)."""
    body = broadcast.text_en if lang == "en" and broadcast.text_en else broadcast.text_vi
    if broadcast.kind == AGENDA:
        return body
    return _("📣 <b>From the organizers</b>") + "\n\n" + body


def stop_button(broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("Stop this broadcast"), callback_data=Outbox(action=OutboxAction.cancel, id=broadcast_id).pack())]])


def progress_title(broadcast: Broadcast) -> str:
    """What the organizer's progress message is called: a broadcast, or the notice of an agenda change."""
    if broadcast.kind == TRANSPORT:
        return _("🚌 Transport notice #{id}").format(id=broadcast.id)
    return (_("🗓 Agenda change notice #{id}") if broadcast.kind == AGENDA
            else _("📣 Broadcast #{id}")).format(id=broadcast.id)
