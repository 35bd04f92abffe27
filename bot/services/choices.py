"""Turning a typed answer into one of the offered choices.

Every menu the bot shows can be answered by its number or its label, with or without
diacritics, in any case. The Zalo channel, which has no buttons, depends on this.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.services.vocabulary import without_fillers
from bot.text import fold

_NUMBER = re.compile(r"^(?:so |số )?(\d{1,3})[.)]?$")
_LEADING_SYMBOLS = re.compile(r"^[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    aliases: tuple[str, ...] = ()


@lru_cache(maxsize=8192)  # the same menus' choices, folded once (not on every typed answer)
def _forms(choice: Choice) -> frozenset[str]:
    return frozenset({fold(_LEADING_SYMBOLS.sub("", s)) for s in (choice.label, choice.key.replace("_", " "), *choice.aliases)} - {""})


def is_number(text: str) -> bool:
    """A menu number as typed: "3", "3.", "số 3"."""
    return bool(_NUMBER.match(text.strip().lower()))


def match_choice(text: str, choices: list[Choice], *, loose: bool = True) -> Choice | None:
    """The choice the text names: by number (1-based), by whole label or word, or (loose) by a unique part of
    one; failing that, the same without the words that say nothing about a choice ("dạ có ạ", "đi máy bay",
    "chiều 26": bot.services.vocabulary.FILLERS). A number past the last choice may still be a word ("26")."""
    number = _NUMBER.match(text.strip().lower())
    if number:
        index = int(number.group(1)) - 1
        if 0 <= index < len(choices):
            return choices[index]
    folded = fold(text)
    if not folded:
        return None
    found = _by_words(folded, choices, loose)
    if found is None:
        bare = without_fillers(folded)
        if bare and bare != folded:
            found = _by_words(bare, choices, loose)
    return found


def _by_words(folded: str, choices: list[Choice], loose: bool) -> Choice | None:
    exact = [c for c in choices if folded in _forms(c)]
    if len(exact) == 1:
        return exact[0]
    if exact or not loose or len(folded) < 3:
        return None
    padded = f" {folded} "
    partial = [c for c in choices if any(padded in f" {form} " for form in _forms(c))]
    return partial[0] if len(partial) == 1 else None


_ALL = {"all", "tat ca", "ca ba", "ca 3", "het", "tat ca cac phan"}


def match_many(text: str, choices: list[Choice]) -> list[Choice] | None:
    """Several choices typed at once: "1, 3", "1 3", "all"/"tất cả", or labels separated by commas."""
    folded = fold(text)
    if folded in _ALL:
        return list(choices)
    if re.fullmatch(r"[\d\s,;.+&và]+", text.strip().lower()):
        picked = []
        for part in re.findall(r"\d+", text):
            index = int(part) - 1
            if not 0 <= index < len(choices):
                return None
            if choices[index] not in picked:
                picked.append(choices[index])
        return picked or None
    picked = []
    for part in re.split(r"[,;\n]| và | and ", text):
        if not part.strip():
            continue
        choice = match_choice(part, choices)
        if choice is None:
            return None
        if choice not in picked:
            picked.append(choice)
    return picked or None
