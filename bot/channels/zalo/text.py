"""What a Telegram message becomes in a Zalo chat: plain text, menus as numbered lines, ≤2,000 characters.

Zalo's html parse mode is unverified, so the bot's Telegram HTML is turned into readable plain text:
tags dropped, entities decoded, a link's address kept beside its words. A menu becomes "1. …" lines
under a bilingual heading; bot.screens.ui's TypedMenuAnswer turns the typed number (or label) back into the
button's press, so the numbering follows the buttons row by row exactly as bot.screens.ui remembers them.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from icalendar import Calendar

from bot.event import Event
from bot.screens.render import day

LIMIT = 2000  # Zalo's sendMessage text limit
_NUMBERED = re.compile(r"^(\d+)\. ", re.MULTILINE)


class _Plain(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int]] = []  # href, where its words start

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            words = "".join(self.parts[start:])
            if href and href != words and not href.startswith("tg://"):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Telegram HTML (the bot's default parse mode) as the text a person should read."""
    parser = _Plain()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def zalo_wording(text: str) -> str:
    """The handlers speak of Telegram's buttons ("tap"); on Zalo the same sentences say "reply with the
    number". Both sides go through gettext, so this works in the chat's language."""
    for telegram, zalo in _wording().items():
        text = text.replace(telegram, zalo)
    return text


def _wording() -> dict[str, str]:
    return {
        _("In every menu you can tap a button, or type its number or its name (with or without diacritics)."):
            _("In every menu, reply with the number or the name of your choice (with or without diacritics)."),
        _("Please choose one of the options: tap a button, or type its number or name."):
            _("Please choose one of the options: reply with its number or name."),
        _("Tap a button, or type its number or name."): _("Reply with the number or the name of your choice."),
        _("Which parts will you attend? Tap to tick, then Done. Or type the numbers, e.g. 1, 3, or «all»."):
            _("Which parts will you attend? Reply with their numbers, e.g. 1, 3, or «all»."),
        _("Your mobile number? Tap the button below to share it, or type it (e.g. 0905 123 456)."):
            _("Your mobile number?"),
    }


def menu_text(markup: object, text: str = "") -> str:
    """The lines a keyboard becomes under `text`; '' when there is nothing to add."""
    if isinstance(markup, InlineKeyboardMarkup):
        labels = [b.text for row in markup.inline_keyboard for b in row if b.callback_data]
        links = [f"{b.text}: {b.url}" for row in markup.inline_keyboard for b in row if b.url]
        lines = ([_("Reply with a number:")] + [f"{n}. {label}" for n, label in enumerate(labels, 1)]
                 if labels and not already_numbered(text, len(labels)) else [])
        return "\n".join(lines + links)
    if isinstance(markup, ReplyKeyboardMarkup):
        buttons = [b for row in markup.keyboard for b in row]
        lines = []
        if any(getattr(b, "request_contact", False) for b in buttons):
            lines.append(_("Type your phone number, e.g. 0905 123 456."))
        typed = [b.text for b in buttons if not _requests_data(b)]  # typing the label is the same as a tap
        if typed:
            lines += [_("Reply with one of:")] + [f"• {label}" for label in typed]
        return "\n".join(lines)
    return ""  # ReplyKeyboardRemove, ForceReply: nothing to show


def already_numbered(text: str, count: int) -> bool:
    """The text itself lists the options as 1…count (a category question shows the full names): a second
    list of the same numbers would only make a phone screen longer."""
    return [int(n) for n in _NUMBERED.findall(text)] == list(range(1, count + 1))


def _requests_data(button) -> bool:
    return any(getattr(button, name, None) for name in ("request_contact", "request_location", "request_poll",
                                                        "request_users", "request_chat", "web_app"))


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line breaks (else at spaces); no empty piece."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single line too long: cut at its last space that fits
            cut = line.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            head, line = line[:cut], line[cut:].lstrip(" ")
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    pieces.append(current)
    return [p.strip("\n") for p in pieces if p.strip()]


def calendar_lines(ics: bytes, conference: Event) -> str:
    """The events of an .ics file (the /calendar export) as lines to read, in the conference's time zone."""
    from aiogram.utils.i18n import I18n

    lang = I18n.get_current().current_locale
    lines = []
    for item in Calendar.from_ical(ics).walk("VEVENT"):
        start = item.decoded("dtstart").astimezone(conference.tz)
        lines.append(f"• {day(start.date(), lang)}, {start:%H:%M} — {item.get('summary')}")
        if item.get("location"):
            lines.append(f"   📍 {item.get('location')}")
    return "\n".join(lines)
