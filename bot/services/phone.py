"""Phone numbers: Vietnamese mobiles as typed by people, normalised to E.164 (+84…).

Google's phonenumbers reads the forms people type (0905 123 456, +84 905…, 84905…, 0084…, +84 (0) 905…,
full-width digits); which Vietnamese numbers we accept stays our rule: a mobile of the 2018 numbering,
the number a delegate can be called and texted on at the conference.
"""
from __future__ import annotations

import re
import unicodedata

import phonenumbers

# Vietnamese mobile numbers: 0 + 9 digits, the first of them 3, 5, 7, 8 or 9 (since the 2018 renumbering)
_VN_MOBILE = re.compile(r"^[35789]\d{8}$")
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015()/]")
_TYPED = re.compile(r"^\+?[0-9]{4,17}$")  # what is left of a phone number once the separators are gone


def normalize_phone(raw: str) -> str | None:
    """Return the number as +84xxxxxxxxx (or another country's E.164 form), or None if it is not one."""
    typed = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not _TYPED.match(typed):
        return None  # words, an extension, letters: not a number we could call
    try:
        number = phonenumbers.parse(typed, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84:  # a foreign number, e.g. from a shared Telegram contact
        possible = phonenumbers.is_possible_number(number)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if possible else None
    national = str(number.national_number)
    return "+84" + national if _VN_MOBILE.match(national) and not number.italian_leading_zero else None


def display_phone(e164: str) -> str:
    """+84905123456 → 0905 123 456, the way Vietnamese people read numbers."""
    if e164.startswith("+84") and len(e164) == 12:
        n = "0" + e164[3:]
        return f"{n[:4]} {n[4:7]} {n[7:]}"
    return e164
