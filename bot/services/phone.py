"""Phone numbers: Vietnamese mobiles as typed by people, normalised to E.164 (+84…)."""
from __future__ import annotations

import re

# Vietnamese mobile numbers: 0 + 9 digits, the first of them 3, 5, 7, 8 or 9 (since the 2018 renumbering)
_VN_MOBILE = re.compile(r"^[35789]\d{8}$")
_SEPARATORS = re.compile(r"[\s.\-()/]")


def normalize_phone(raw: str) -> str | None:
    """Return the number as +84xxxxxxxxx (or another country's E.164 form), or None if it is not one."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+84"):
        national = digits[3:].removeprefix("0")
    elif digits.startswith("84") and len(digits) == 11:
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) - 1 <= 15:
        return digits  # a foreign number, e.g. from a shared Telegram contact
    else:
        national = digits
    return "+84" + national if _VN_MOBILE.match(national) else None


def display_phone(e164: str) -> str:
    """+84905123456 → 0905 123 456, the way Vietnamese people read numbers."""
    if e164.startswith("+84") and len(e164) == 12:
        n = "0" + e164[3:]
        return f"{n[:4]} {n[4:7]} {n[7:]}"
    return e164
