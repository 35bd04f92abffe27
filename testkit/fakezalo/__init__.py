"""A fake Zalo Bot Platform API server for end-to-end tests of the Zalo bridge.

It speaks the protocol as ../shared/zalo-bot-api.md describes it, and is strict where the bridge could go
wrong: one update per getUpdates (no offset, no update_id), 408 after an idle long poll, text of 1–2,000
characters, no parameter Zalo does not know (a leaked reply_markup is refused), photos only by URL (which
it fetches: it must serve a picture), no Telegram HTML in plain text. Requests the bot should never have
made are kept in `rejected`; tests assert it is empty.
"""
from .models import Call, Rejection, ZaloMessage
from .server import FakeZalo
from .user import FakeZaloUser

__all__ = ["Call", "FakeZalo", "FakeZaloUser", "Rejection", "ZaloMessage"]
