"""Cleaning and folding of Vietnamese text typed by people.

`clean` is what we store and show: the PDF fault `ƣ`→`ư` repaired, Unicode NFC, no control
characters, single spaces. `fold` is what we compare: lower case, no diacritics, `đ`→`d`, only
letters and digits, so "Gia Lai", "gia lai" and "GIA LAI" meet, and so do "hòa" and "hoà".
"""
from __future__ import annotations

import re
import unicodedata

_PDF_FAULTS = str.maketrans({"ƣ": "ư", "Ƣ": "Ư"})
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_PDF_FAULTS))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


def strip_marks(text: str) -> str:
    """Vietnamese without diacritics: "Đà Lạt" → "Da Lat"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    return _NOT_WORD.sub(" ", strip_marks(clean(text).lower())).strip()


def has_emoji(text: str) -> bool:
    """True for pictographs and symbols that do not belong in a name printed on a badge."""
    return any(unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF for ch in text)
