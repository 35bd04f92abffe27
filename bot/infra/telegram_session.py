"""How a Bot API call is written on the wire: aiogram's own session, with the same requests made for less CPU.

Every message the bot sends is a form posted to Telegram. aiogram builds it with aiohttp's FormData, which
percent-encodes it through urllib one byte at a time in Python (60 to 100 µs for a Vietnamese menu of a few
hundred characters), and turns the keyboard into JSON through a recursion over every button and the json
module. Here the same bytes come out of one `str.translate` over a table made once, keyboards are made plain in
a tighter loop and written by orjson, and the bot's defaults (HTML, link previews off) are made into text once:
the form costs half of what it did, a whole send a third less (bench/send.py); a menu shown again reuses its
keyboard's form text. Telegram's answers are read by orjson (a sent message's echoed keyboard left out), then
exactly as aiogram reads them, errors (429, 403, 400) included; calls that carry a file are left
to aiogram (multipart). The JSON in the form has no spaces after ":" and ",", and non-ASCII letters go as UTF-8
rather than \\u escapes: the same JSON for Telegram.
"""
from __future__ import annotations

from typing import Any

import orjson
from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup
from aiohttp import FormData
from aiohttp.payload import BytesPayload

FORM = "application/x-www-form-urlencoded"
# urllib.parse.quote_plus, a byte at a time: these stay, a space is "+", every other byte is %XX
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_QUOTED = {byte: chr(byte) if byte in _UNRESERVED else "+" if byte == 0x20 else f"%{byte:02X}"
           for byte in range(256)}


def form_quote(value: str) -> str:
    """What urlencode (quote_plus, UTF-8) makes of a value: its UTF-8 bytes, read one char per byte, mapped."""
    return value.encode().decode("latin-1").translate(_QUOTED)


def form_field(key: str, value: str) -> str:
    return f"{form_quote(key)}={form_quote(value)}"


def form_body(fields: list[tuple[str, str]], written: tuple[str, ...] = ()) -> bytes:
    """The same bytes as aiohttp's FormData (urllib's urlencode) for fields that are all text; `written`:
    fields already made into form text (form_field)."""
    return "&".join([*(form_field(key, value) for key, value in fields), *written]).encode()


def json_text(value: Any) -> str:
    """aiogram puts JSON into the form as text (keyboards, entities, link preview options)."""
    return orjson.dumps(value).decode()


MARKUP = {"reply_markup"}
MARKUPS_KEPT = 1024  # keyboards whose form text is kept (the menus' cache in bot/screens/ui.py holds 512)
PLAIN = {str, int, bool, float}  # what a keyboard holds that orjson writes as aiogram's JSON would


class NeedsAiogram(Exception):
    """Something in a value that only aiogram's prepare_value turns into JSON (a file, a default, a date)."""


def plain(value: Any) -> Any:
    """A keyboard as aiogram sends it: its dicts and lists without the None in them. Only text, numbers, dicts
    and lists pass; anything else (NeedsAiogram) is left to aiogram."""
    kind = type(value)
    if kind is dict:
        return {key: plain(item) for key, item in value.items() if item is not None}
    if kind is list:
        return [plain(item) for item in value if item is not None]
    if kind in PLAIN:
        return value
    raise NeedsAiogram(kind)


def read_answer(content: str | bytes) -> Any:
    """Telegram's answer, by orjson. A message the bot sent or edited comes back with the keyboard it was sent
    with: the bot has that keyboard and never reads it again, and reading it into aiogram's objects was most of
    reading the answer (34 buttons: 83 µs of 15 + 68), so it is left out. Updates keep theirs."""
    data = orjson.loads(content)
    result = data.get("result") if type(data) is dict else None
    if type(result) is dict and "message_id" in result:
        result.pop("reply_markup", None)
    return data


class TelegramSession(AiohttpSession):
    """AiohttpSession (connection pool, timeouts, errors, answers read into aiogram's types) with a cheaper
    form for calls that carry no file and orjson for the JSON."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_loads=read_answer, json_dumps=json_text, **kwargs)
        self._defaults: dict[str, tuple[Any, Any]] = {}  # a default's name: (the bot's value, its form value)
        self._markups: dict[int, tuple[InlineKeyboardMarkup, str]] = {}  # id: (the keyboard, its form text)

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData | BytesPayload:  # type: ignore[override]
        files: dict[str, Any] = {}
        fields = []
        markup = getattr(method, "reply_markup", None)
        known = self._markups.get(id(markup)) if isinstance(markup, InlineKeyboardMarkup) else None
        dumped = method.model_dump(warnings=False, exclude=MARKUP if known else None)
        written = None  # the keyboard's form value, when it is made here
        for key, value in dumped.items():  # aiogram's own steps, in its order
            value = self.form_value(value, bot, files)
            if value:
                fields.append((key, value))
                written = value if key == "reply_markup" else written
        if files:  # a photo or a document: multipart, as aiogram writes it
            return super().build_form_data(bot, method)
        if known:
            return BytesPayload(form_body(fields, (known[1],)), content_type=FORM)
        if isinstance(markup, InlineKeyboardMarkup) and written is not None:
            self.remember(markup, written)
        return BytesPayload(form_body(fields), content_type=FORM)

    def remember(self, markup: InlineKeyboardMarkup, value: str) -> None:
        """A keyboard's form text, for the next send of the same object (bot/screens/ui.py keyboard gives the
        same object for the same menu). The object is held, so its id names no other while it is here."""
        if len(self._markups) >= MARKUPS_KEPT:
            self._markups.clear()
        self._markups[id(markup)] = (markup, form_field("reply_markup", value))

    def form_value(self, value: Any, bot: Bot, files: dict[str, Any]) -> Any:
        """aiogram's prepare_value, with a keyboard made plain here (its recursion was a third of a send's
        form) and whatever else left to aiogram."""
        if isinstance(value, Default):
            return self.default_value(bot, value.name, files)
        if type(value) in (dict, list):
            try:
                return json_text(plain(value))
            except NeedsAiogram:
                pass
        return self.prepare_value(value, bot=bot, files=files)

    def default_value(self, bot: Bot, name: str, files: dict[str, Any]) -> Any:
        """The bot's default (link previews off, HTML) goes into every message: made into form text once."""
        chosen = bot.default[name]
        known = self._defaults.get(name)
        if known is None or known[0] is not chosen:
            known = self._defaults[name] = (chosen, self.prepare_value(chosen, bot=bot, files=files))
        return known[1]
