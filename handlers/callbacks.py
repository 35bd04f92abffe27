"""Callback data of every button, in one place (each fits Telegram's 64 bytes)."""
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from models.base import MAX_ID

# a record's id; forged data with an id no row can have matches no handler (the fallback answers it)
RecordId = Annotated[int, Field(ge=0, le=MAX_ID)]


class Pick(CallbackData, prefix="p"):
    """An answer to a conversation step (registration steps, language)."""

    step: str
    key: str


class Card(CallbackData, prefix="d"):
    """An action on a delegate record shown by /me."""

    action: str  # show | change | field | cancel | cancel_yes | link | list | new
    id: RecordId = 0
    field: str = ""


class Go(CallbackData, prefix="go"):
    """Main-menu shortcuts; each does what the command of the same name does."""

    to: str  # me | register | register_other | schedule | help | lang


class Desk(CallbackData, prefix="ck"):
    """Reception: pick a search result, undo a check-in, switch the check-in list."""

    action: str  # pick | undo | list
    id: RecordId = 0
    code: str = ""


class Invite(CallbackData, prefix="inv"):
    """Organizers: revoke an open invitation."""

    action: str  # revoke
    id: RecordId = 0


class Outbox(CallbackData, prefix="ob"):
    """Organizers: stop a running broadcast from its progress message."""

    action: str  # cancel
    id: RecordId = 0


class Agenda(CallbackData, prefix="ag"):
    """Organizers changing the agenda: the part and what to do with it."""

    action: str  # part | time | place | cancel | restore | add
    code: str = ""


class Roles(CallbackData, prefix="rl"):
    """Organizers: remove an appointed role."""

    action: str  # remove
    id: RecordId = 0
    role: str = ""
