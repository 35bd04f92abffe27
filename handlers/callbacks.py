"""Callback data of every button, in one place (each fits Telegram's 64 bytes)."""
from aiogram.filters.callback_data import CallbackData


class Pick(CallbackData, prefix="p"):
    """An answer to a conversation step (registration steps, language)."""

    step: str
    key: str


class Card(CallbackData, prefix="d"):
    """An action on a delegate record shown by /me."""

    action: str  # show | change | field | cancel | cancel_yes | link | list | new
    id: int = 0
    field: str = ""


class Go(CallbackData, prefix="go"):
    """Main-menu shortcuts; each does what the command of the same name does."""

    to: str  # me | register | register_other | schedule | help | lang


class Desk(CallbackData, prefix="ck"):
    """Reception: pick a search result, undo a check-in, switch the check-in list."""

    action: str  # pick | undo | list
    id: int = 0
    code: str = ""


class Invite(CallbackData, prefix="inv"):
    """Organizers: revoke an open invitation."""

    action: str  # revoke
    id: int = 0
