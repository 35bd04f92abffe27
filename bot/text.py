"""Cleaning and folding of Vietnamese text typed by people.

`clean` is what we store and show of every free text (names, positions, organizations, notes, nominee
rows, questions and replies, agenda places and titles; `clean_html` does the same to the text of a
broadcast between its tags):
- compatibility forms folded to the ordinary characters (NFKC): full-width "Ａｄｍｉｎ" → "Admin",
  mathematical "𝐀" → "A", ligatures "ﬁ" → "fi", non-breaking and ideographic spaces → space. Kept as
  typed: superscripts, subscripts, fractions, circled and squared forms ("m²", "½", "①", "™"), which
  mean something in a place or a notice, and any character shown as an emoji (followed by U+FE0F, "ℹ️");
- Vietnamese composed (NFC: "Nguyễn Thị Hồng Nhung", "Đắk Lắk" stay as they are), the PDF fault `ƣ`→`ư`
  repaired;
- control characters (Cc; NUL among them, which PostgreSQL's text refuses) become spaces, except newlines
  where the field has lines (questions, replies, broadcasts); format characters (Cf: bidi overrides and
  marks, zero-width spaces, soft hyphens, the byte order mark, emoji tag characters) are dropped, except a
  zero-width joiner between two emoji, which makes one emoji of them (👨‍👩‍👧, 🏳️‍🌈); a lone surrogate
  (Cs, which PostgreSQL refuses) is dropped; characters newer than Python's Unicode tables (Cn, e.g.
  recent emoji) are kept;
- runs of spaces made one, no spaces at either end (of each line, where lines are kept).

`fold` is what we compare: lower case, no diacritics, `đ`→`d`, only
letters and digits, so "Gia Lai", "gia lai" and "GIA LAI" meet, and so do "hòa" and "hoà".
For questions typed to the FAQ (bot.services.faq_index): `canonical` keeps the diacritics but
puts the tone mark in one place ("hoà" → "hòa"), and `expand` writes out chat abbreviations.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import escape, unescape

_PDF_FAULTS = str.maketrans({"ƣ": "ư", "Ƣ": "Ư"})
_SPACES = re.compile(r"\s+")
_SPACES_IN_LINE = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_TAG = re.compile(r"(<[^>]*>)")
_AS_TYPED = {"<super>", "<sub>", "<fraction>", "<circle>", "<square>"}  # compatibility forms that mean something
_EMOJI_STYLE, _ZWJ = "\ufe0f", "\u200d"
_SKIN_TONES = range(0x1F3FB, 0x1F400)


@lru_cache(maxsize=4096)
def _kept_as_typed(ch: str) -> bool:
    return unicodedata.decomposition(ch).split(" ", 1)[0] in _AS_TYPED


def _compatible(text: str) -> str:
    """NFKC, except for the forms kept as typed and the characters shown as emoji; then NFC over all."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if _kept_as_typed(ch) or text[i + 1:i + 2] == _EMOJI_STYLE:
            out += [unicodedata.normalize("NFKC", text[start:i]), ch]
            start = i + 1
    out.append(unicodedata.normalize("NFKC", text[start:]))
    return unicodedata.normalize("NFC", "".join(out))


def _emoji_side(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch == _EMOJI_STYLE or ord(ch) in _SKIN_TONES


def _joins_emoji(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and _emoji_side(text[i - 1]) and unicodedata.category(text[i + 1]) == "So"


def clean_characters(text: str, *, lines: bool = False) -> str:
    """The character rules of `clean` alone: spacing is left as it is (for a formatted broadcast)."""
    text = _compatible(text.translate(_PDF_FAULTS))
    if lines:
        text = _LINE_BREAKS.sub("\n", text)
    kept = []
    for i, ch in enumerate(text):
        kind = unicodedata.category(ch)
        if kind == "Cc":
            kept.append("\n" if lines and ch == "\n" else " ")
        elif kind not in ("Cf", "Cs") or (ch == _ZWJ and _joins_emoji(text, i)):
            kept.append(ch)
    return "".join(kept)


def clean(text: str, *, lines: bool = False) -> str:
    """A free text as we store and show it (see the module's docstring); `lines` keeps its newlines."""
    text = clean_characters(text, lines=lines)
    if not lines:
        return _SPACES.sub(" ", text).strip()
    return "\n".join(_SPACES_IN_LINE.sub(" ", line).strip() for line in text.split("\n")).strip()


def clean_html(text: str) -> str:
    """A text in Telegram's HTML (a broadcast, as message.html_text gives it): the characters between the
    tags cleaned as `clean` does, lines kept; the tags, the entities' meaning and the spacing left alone."""
    parts = _TAG.split(text)
    return "".join(part if i % 2 else escape(clean_characters(unescape(part), lines=True), quote=False)
                   for i, part in enumerate(parts))


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
