"""A fake Telegram Bot API server for end-to-end tests of the bot."""

from .errors import ApiError, InvalidRequest
from .html import HtmlError, parse_html
from .models import Call, CallbackAnswer, FakeMessage, Rejection, StoredFile, UploadedFile
from .server import FakeTelegram
from .spec import SPEC_ENV, load_spec
from .user import FakeUser

__all__ = [
    "SPEC_ENV",
    "ApiError",
    "Call",
    "CallbackAnswer",
    "FakeMessage",
    "FakeTelegram",
    "FakeUser",
    "HtmlError",
    "InvalidRequest",
    "Rejection",
    "StoredFile",
    "UploadedFile",
    "load_spec",
    "parse_html",
]
