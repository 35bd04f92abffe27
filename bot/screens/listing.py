"""Texts built from rows, bounded: a list names the first few and says how many more.

A list grows with the data: a secretariat registering forty colleagues with its own phone number, a
thousand delegates not reached by a broadcast. Telegram takes 4,096 characters a message (bot/infra/long_text.py
splits what is longer, as a last resort); a warning or a menu that runs to several screens is not read
anyway. So each list is cut where it stops being useful, and says so.
"""
from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.infra.long_text import units, visible

NAMES_SHOWN = 5  # names in a sentence ("A, B, C, D, E and 12 more")
LIST_BUDGET = 3000  # visible characters of list lines in one message; the rest of it is its heading and menu
LINE_LIMIT = 300  # visible characters of one line of a list (a name, a question)


def names(all_names: list[str], shown: int = NAMES_SHOWN) -> str:
    """The first `shown` names, and how many more."""
    if len(all_names) <= shown:
        return ", ".join(all_names)
    return _("{names} and {count} more").format(names=", ".join(all_names[:shown]), count=len(all_names) - shown)


def within(lines: list[str], budget: int = LIST_BUDGET, *, html: bool = True) -> list[str]:
    """The first lines that fit in `budget` visible characters, then a line saying how many were left out."""
    kept, size = [], 0
    for n, line in enumerate(lines):
        size += units(visible(line, html)) + 1
        if size > budget:
            return kept + [more(len(lines) - n)]
        kept.append(line)
    return kept


def more(count: int) -> str:
    return _("… and {count} more, not shown here.").format(count=count)


def clip(text: str, limit: int = LINE_LIMIT) -> str:
    """Plain text (not yet escaped) cut to `limit` characters."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
