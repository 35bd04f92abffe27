"""What a delegate may type into each field, and why an answer is refused.

A refusal is a reason code with its numbers; the handlers turn it into a polite sentence in the
user's language. Nothing here knows about chats.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.text import clean, has_emoji, strip_marks

LIMITS = {"full_name": 80, "position": 100, "organization": 150, "note": 500, "companions": 200, "roommate": 80}
MIN_LENGTH = 2


@dataclass(frozen=True)
class Refusal:
    reason: str  # empty | too_short | too_long | emoji | digits | no_letters | phone | time
    numbers: dict[str, int] = field(default_factory=dict)


def text_field(name: str, raw: str | None) -> str | Refusal:
    """A free-text answer, cleaned, or the reason it cannot be used."""
    value = clean(raw or "")
    limit = LIMITS[name]
    if not value:
        return Refusal("empty")
    if len(value) > limit:
        return Refusal("too_long", {"limit": limit, "length": len(value)})
    if name in ("note", "companions"):
        return value
    if len(value) < MIN_LENGTH:
        return Refusal("too_short", {"minimum": MIN_LENGTH})
    if not any(ch.isalpha() for ch in value):
        return Refusal("no_letters")
    if name == "roommate":
        value = roommate_name(value)
    if name in ("full_name", "roommate"):
        if has_emoji(value):
            return Refusal("emoji")
        if any(ch.isdigit() for ch in value):
            return Refusal("digits")
    return value


_TIME = re.compile(
    r"^(\d{1,2})(?:\s*(?:[:hg.]|gio)?\s*(\d{2}))?\s*(?:h|g|gio|phut|p)?\s*(am|pm|sang|chieu|toi)?$"
)


def arrival_time(raw: str) -> time | Refusal:
    """14:30, 14h30, 14h, 1430, 2pm, 9 sáng, 7 tối → a time of day."""
    match = _TIME.match(strip_marks(clean(raw).lower()))
    if not match:
        return Refusal("time")
    hour, minute, part = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if part in ("pm", "chieu", "toi") and hour < 12:
        hour += 12
    elif part in ("am", "sang") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return Refusal("time")
    return time(hour, minute)


_DAY_PREFIX = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{4}))?\s+(.+)$")


def day_and_time(raw: str, default_day: date) -> datetime | Refusal:
    """"08:30" (on `default_day`) or "28/7 08:30" or "28/7/2023 8h30" → a naive local date and time."""
    text = clean(raw)
    match = _DAY_PREFIX.match(text)
    day = default_day
    if match:
        try:
            day = date(int(match.group(3) or default_day.year), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return Refusal("time")
        text = match.group(4)
    moment = arrival_time(text)
    return moment if isinstance(moment, Refusal) else datetime.combine(day, moment)


# the words around a roommate's name: "ở ghép với anh Nam", "o chung phong voi chi Lan", "share with Mr Smith"
_ROOMMATE_LEAD = frozenset(
    "o ghep chung cung voi phong muon xin de nghi va anh chi ong ba dong d/c dc "
    "share sharing with room stay together and mr mr. ms ms. mrs mrs.".split())


def roommate_name(value: str) -> str:
    """The colleague's name out of a typed room wish: the leading words that ask to share, and the form of
    address before the name, dropped (at least one word kept)."""
    words = value.split()
    while len(words) > 1 and strip_marks(words[0]).lower() in _ROOMMATE_LEAD:
        words.pop(0)
    return " ".join(words)


# the form of address (xưng hô) a name may be typed with: "Ông Nguyễn Văn An", "bà Trần Thị Hai"
SALUTATIONS = {"ong": ("ông", "mr", "mr."), "ba": ("bà", "ms", "ms.", "mrs", "mrs.")}  # "Ba" may be a name


def salutation_in(name: str) -> tuple[str | None, str]:
    """The form of address a name starts with, and the name without it; (None, name) if none."""
    head, _sep, rest = name.strip().partition(" ")
    for code, words in SALUTATIONS.items():
        if head.lower() in words and len(rest.split()) >= 2:
            return code, rest.strip()
    return None, name
