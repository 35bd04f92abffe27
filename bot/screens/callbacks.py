"""Callback data of every button, in one place (each fits Telegram's 64 bytes).

The handlers, the workers (a broadcast's stop button) and the channels share this contract. Each action is
an enum whose values are the strings on the wire: buttons already sent in chats keep working, and an
action no button carries does not unpack, so the fallback answers it ("this menu has expired").
"""
from enum import Enum
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


class CardAction(str, Enum):
    show = "show"
    change = "change"  # the menu of fields
    field = "field"  # change one field (group)
    qr = "qr"
    link = "link"  # the take-over link for a colleague's record
    cancel = "cancel"  # asks first
    cancel_yes = "cancel_yes"
    all_records = "list"


class Card(CallbackData, prefix="d"):
    """An action on a delegate record shown by /me."""

    action: CardAction
    id: RecordId = 0
    field: str = ""


class GoTo(str, Enum):
    me = "me"
    register = "register"
    register_other = "register_other"
    schedule = "schedule"
    help = "help"
    lang = "lang"


class Go(CallbackData, prefix="go"):
    """Main-menu shortcuts; each does what the command of the same name does."""

    to: GoTo


class DeskAction(str, Enum):
    pick = "pick"  # a search result: check them in
    undo = "undo"
    switch_part = "list"


class Desk(CallbackData, prefix="ck"):
    """Reception: pick a search result, undo a check-in, switch the check-in list."""

    action: DeskAction
    id: RecordId = 0
    code: str = ""


class InviteAction(str, Enum):
    revoke = "revoke"


class Invite(CallbackData, prefix="inv"):
    """Organizers: revoke an open invitation."""

    action: InviteAction
    id: RecordId = 0


class OutboxAction(str, Enum):
    cancel = "cancel"


class Outbox(CallbackData, prefix="ob"):
    """Organizers: stop a running broadcast from its progress message."""

    action: OutboxAction
    id: RecordId = 0


class AgendaAction(str, Enum):
    part = "part"  # show one part with what can be changed
    time = "time"
    place = "place"
    cancel = "cancel"
    restore = "restore"
    add = "add"


class Agenda(CallbackData, prefix="ag"):
    """Organizers changing the agenda: the part and what to do with it."""

    action: AgendaAction
    code: str = ""


class RolesAction(str, Enum):
    remove = "remove"


class Roles(CallbackData, prefix="rl"):
    """Organizers: remove an appointed role."""

    action: RolesAction
    id: RecordId = 0
    role: str = ""
