"""Texts longer than Telegram takes: a message is split, an edit is shortened.

Telegram refuses (400) a message text over 4,096 characters and a caption over 1,024, counted after the
HTML is parsed: tags do not count, `&amp;` counts as one, and a character outside the Basic Multilingual
Plane (most emoji) as two (UTF-16). A refused reply is lost, and the person is left on a question they never
saw. Handlers bound the texts they build from rows (bot/screens/listing.py); this is the net under them, used by the
sender (bot/infra/sender.py) for every call:

- a message is split at line breaks (else at a space, else anywhere between two characters), never inside a
  tag or an entity; the tags open at a cut are closed at the end of the part and opened again at the start
  of the next, so each part is valid HTML on its own; the keyboard goes with the last part;
- a caption too long keeps its first part on the photo or document; the rest follows as messages;
- an edit cannot become two messages: its text is shortened and ends with "…"; so is the answer to a button
  press (200 characters).

Plain texts (no parse mode) are split the same way. Texts in Markdown, or with explicit entities, which the
bot does not send, are left as they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.methods import (AnswerCallbackQuery, EditMessageCaption, EditMessageText, SendAnimation, SendAudio,
                             SendDocument, SendMessage, SendPhoto, SendVideo, SendVoice, TelegramMethod)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200  # the text of a callback query's answer (a notice or an alert), plain
ELLIPSIS = "…"
WITH_CAPTION = (SendPhoto, SendDocument, SendVideo, SendAnimation, SendAudio, SendVoice)
# a tag, an entity Telegram decodes (numeric, or one of its four names; the ";" may be left out), a character
_ATOM = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|&(?:#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);?|.",
                   re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible(text: str, html: bool = True) -> str:
    """What the person reads."""
    return unescape(_TAG.sub("", text)) if html else text


@dataclass
class _Cut:
    index: int  # pieces of the current part before the cut
    size: int  # units shown before the cut
    open_tags: list[tuple[str, str]]  # (name, opening tag) open at the cut


class _Splitter:
    """Walks the text piece by piece (a tag, an entity, a character), cutting a part when the next visible
    piece would not fit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[tuple[str, list[tuple[str, str]]]] = []  # (text before closing tags, tags to close)
        self.current: list[str] = []
        self.size = 0
        self.open_tags: list[tuple[str, str]] = []
        self.line: _Cut | None = None  # after the last line break
        self.word: _Cut | None = None  # after the last space

    def feed(self, raw: str, shown: str, tag: str = "", closing: bool = False) -> None:
        if tag:
            self._tag(raw, tag, closing)
            return
        width = units(shown)
        if self.size + width > self.limit:
            self._cut()
        self.current.append(raw)
        self.size += width
        if shown in ("\n", " "):
            cut = _Cut(len(self.current), self.size, list(self.open_tags))
            self.line, self.word = (cut, self.word) if shown == "\n" else (self.line, cut)

    def _tag(self, raw: str, tag: str, closing: bool) -> None:
        self.current.append(raw)
        if not closing:
            self.open_tags.append((tag.lower(), raw))
        elif self.open_tags and self.open_tags[-1][0] == tag.lower():
            self.open_tags.pop()

    def _cut(self) -> None:
        """At the last line break or space if that keeps at least half the part, else here."""
        here = _Cut(len(self.current), self.size, list(self.open_tags))
        cut = next((c for c in (self.line, self.word) if c is not None and c.size >= self.limit // 2), here)
        self.parts.append(("".join(self.current[:cut.index]), cut.open_tags))
        self.current = [raw for _name, raw in cut.open_tags] + self.current[cut.index:]
        self.size -= cut.size
        self.line = self.word = None

    def finish(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return [*self.parts, ("".join(self.current), [])]


def _walk(text: str, limit: int, html: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    splitter = _Splitter(limit)
    if not html:
        for char in text:
            splitter.feed(char, char)
        return splitter.finish()
    for match in _ATOM.finditer(text):
        raw = match.group(0)
        if match.group(2):
            splitter.feed(raw, "", tag=match.group(2), closing=bool(match.group(1)))
        else:
            splitter.feed(raw, unescape(raw + ("" if raw.endswith(";") or len(raw) == 1 else ";")))
    return splitter.finish()


def _closed(body: str, open_tags: list[tuple[str, str]]) -> str:
    return body + "".join(f"</{name}>" for name, _raw in reversed(open_tags))


def split(text: str, limit: int = TEXT_LIMIT, *, html: bool = True) -> list[str]:
    """The text in parts of at most `limit` visible units, each valid on its own; one part if it fits."""
    if units(text) <= limit:  # tags and entities only ever make the visible text shorter
        return [text]
    parts = [_closed(body, tags) for body, tags in _walk(text, limit, html)]
    return [part for part in parts if visible(part, html).strip()] or [text]


def shorten(text: str, limit: int = TEXT_LIMIT, *, html: bool = True) -> str:
    """The beginning of the text, ending with "…", in at most `limit` visible units."""
    if units(text) <= limit:
        return text
    parts = _walk(text, limit - units(ELLIPSIS), html)
    if len(parts) == 1:
        return text
    body, tags = parts[0]
    return _closed(body.rstrip() + ELLIPSIS, tags)


# --- Bot API calls ------------------------------------------------------------------------------------------

def _mode(bot: Bot, method: TelegramMethod) -> str | None:
    """'html', 'plain', or None for a text this module leaves alone (Markdown, explicit entities)."""
    if getattr(method, "entities", None) or getattr(method, "caption_entities", None):
        return None
    mode = getattr(method, "parse_mode", None)
    if isinstance(mode, Default):
        mode = bot.default[mode.name]
    mode = str(getattr(mode, "value", mode) or "").lower()
    return {"": "plain", "html": "html"}.get(mode)


def fit(bot: Bot, method: TelegramMethod) -> list[TelegramMethod]:
    """The calls that carry `method` within Telegram's limits: itself when it fits."""
    mode = _mode(bot, method)
    if mode is None:
        return [method]
    html = mode == "html"
    if isinstance(method, AnswerCallbackQuery) and method.text:
        text = shorten(method.text, ALERT_LIMIT, html=False)
        return [method if text == method.text else method.model_copy(update={"text": text})]
    if isinstance(method, EditMessageText):
        text = shorten(method.text, TEXT_LIMIT, html=html)
        return [method if text == method.text else method.model_copy(update={"text": text})]
    if isinstance(method, EditMessageCaption) and method.caption:
        caption = shorten(method.caption, CAPTION_LIMIT, html=html)
        return [method if caption == method.caption else method.model_copy(update={"caption": caption})]
    if isinstance(method, SendMessage):
        parts = split(method.text, TEXT_LIMIT, html=html)
        return [method] if len(parts) == 1 else _in_parts(method, parts)
    if isinstance(method, WITH_CAPTION) and method.caption:
        head, *rest = split(method.caption, CAPTION_LIMIT, html=html)
        if not rest:
            return [method]
        follow = SendMessage(chat_id=method.chat_id, text="".join(rest), parse_mode=method.parse_mode,
                             message_thread_id=method.message_thread_id, reply_markup=method.reply_markup,
                             disable_notification=method.disable_notification,
                             protect_content=method.protect_content)
        return [method.model_copy(update={"caption": head, "reply_markup": None}),
                *_in_parts(follow, split(follow.text, TEXT_LIMIT, html=html))]
    return [method]


def _in_parts(method: SendMessage, texts: list[str]) -> list[SendMessage]:
    """The message in parts: the reply (if any) on the first, the keyboard on the last."""
    calls = []
    for n, text in enumerate(texts):
        change = {"text": text}
        if n < len(texts) - 1:
            change["reply_markup"] = None
        if n > 0:
            change.update(reply_parameters=None, reply_to_message_id=None)
        calls.append(method.model_copy(update=change))
    return calls
