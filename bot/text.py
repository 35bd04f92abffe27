"""Cleaning and folding of Vietnamese text typed by people.

`clean` is what we store and show: the PDF fault `ƣ`→`ư` repaired, Unicode NFC, no control
characters, single spaces. `fold` is what we compare: lower case, no diacritics, `đ`→`d`, only
letters and digits, so "Gia Lai", "gia lai" and "GIA LAI" meet, and so do "hòa" and "hoà".
For questions typed to the FAQ (bot.services.faq_index): `canonical` keeps the diacritics but
puts the tone mark in one place ("hoà" → "hòa"), and `expand` writes out chat abbreviations.
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


def storable(text: str) -> str:
    """Text kept as typed, less the NUL character: PostgreSQL's text columns refuse it (SQLite keeps it)."""
    return text.replace("\x00", "")


def strip_marks(text: str) -> str:
    """Vietnamese without diacritics: "Đà Lạt" → "Da Lat"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    return _NOT_WORD.sub(" ", strip_marks(clean(text).lower())).strip()


def has_emoji(text: str) -> bool:
    """True for pictographs and symbols that do not belong in a name printed on a badge."""
    return any(unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF for ch in text)


# --- Questions typed by people: one tone placement, and the abbreviations of chat -------------

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
# a syllable whose whole rhyme is oa, oe or uy: the old style marks the first vowel (hòa, khỏe,
# thủy), the new one the second (hoà, khoẻ, thuỷ). No q: in quý the u belongs to the consonant.
_OPEN_RHYME = re.compile(r"^([bcdđghklmnprstvx]*)(o[ae]|uy)$", re.IGNORECASE)


def _old_style(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    rhyme = _OPEN_RHYME.match(base)
    if rhyme is None:
        return word
    at = len(rhyme.group(1)) + 1
    return unicodedata.normalize("NFC", base[:at] + tones[0] + base[at:])


def normalize_tones(text: str) -> str:
    """One tone placement for both spelling styles: "hoà" → "hòa", "thuỷ" → "thủy", "khoẻ" → "khỏe"."""
    return re.sub(r"\w+", lambda m: _old_style(m.group(0)), unicodedata.normalize("NFC", text))


def canonical(text: str) -> str:
    """`clean`, then one tone placement: two spellings of the same word become the same string."""
    return normalize_tones(clean(text))


# Chat abbreviations, on the folded form (đc and dc are the same after folding).
ABBREVIATIONS = {
    "k": "khong", "ko": "khong", "kh": "khong", "hk": "khong", "kg": "khong", "khg": "khong", "hok": "khong",
    "hong": "khong", "hem": "khong", "dc": "duoc", "dk": "dang ky", "dky": "dang ky", "j": "gi", "ji": "gi",
    "bn": "bao nhieu", "bnh": "bao nhieu", "bh": "bao gio", "bgio": "bao gio", "bjo": "bao gio",
    "hn": "hoi nghi", "ks": "khach san", "sb": "san bay", "mb": "may bay", "tg": "thoi gian",
    "ntn": "nhu the nao", "r": "roi", "ms": "moi", "trc": "truoc", "ns": "noi", "ng": "nguoi",
    "mn": "moi nguoi", "vs": "voi", "wa": "qua", "sdt": "so dien thoai", "dt": "dien thoai", "lh": "lien he",
    "btc": "ban to chuc", "bc": "bao cao", "ct": "chuong trinh", "tl": "tai lieu", "tdkt": "thi dua khen thuong",
    "tp": "thanh pho", "dl": "da lat", "dd": "dua don", "mk": "mat khau", "pv": "phong vien",
    "vp": "van phong", "hcm": "ho chi minh", "sg": "sai gon", "bt": "biet", "bit": "biet", "nhiu": "nhieu",
    "wf": "wifi", "t": "toi", "e": "em", "bd": "bat dau", "sl": "so luong", "gm": "giay moi",
    "nd": "noi dung", "cp": "chinh phu", "tq": "tham quan", "dalat": "da lat",
}
# written apart, meant as one word ("ô tô", but not "ở tổ chức")
_JOINED = {"wi fi": "wifi", "check in": "checkin", "e mail": "email", "qr code": "qr", "o to": "oto",
           "time zone": "timezone"}
_JOINED_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _JOINED) + r")\b(?! chuc)")
_HOURS = re.compile(r"\b(\d{1,2})h(\d{0,2})\b")  # 8h, 14h30


def expand(folded: str) -> list[str]:
    """The words of a folded question with chat spellings written out: "ks o dau" → khach san o dau."""
    folded = _HOURS.sub(lambda m: f"{m.group(1)} gio {m.group(2)}", folded)
    folded = _JOINED_RE.sub(lambda m: _JOINED[m.group(1)], folded)
    words: list[str] = []
    for word in folded.split():
        words += ABBREVIATIONS.get(word, word).split()
    return words
