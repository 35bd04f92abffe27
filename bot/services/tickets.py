"""Check-in codes (tickets): a signed, versioned token per delegate, carried by a QR deep link.

Token: "t" + base64url(event tag 2 B | delegate id 4 B | version 2 B | HMAC-SHA256 16 B) = 33
characters of A-Za-z0-9_-, within Telegram's 64 for a /start parameter. The HMAC covers the event
id, so a code is useless for another event; the version lets a new code replace the old one.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

PREFIX = "t"
_BODY = struct.Struct(">2sIH")
_MAC_BYTES = 16
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(t[A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])")


@dataclass(frozen=True)
class Ticket:
    event_tag: bytes
    delegate_id: int
    version: int


def _event_tag(event_id: str) -> bytes:
    return hashlib.sha256(event_id.encode()).digest()[:2]


def _mac(secret: str, event_id: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), b"ticket:" + event_id.encode() + b":" + body, hashlib.sha256).digest()[:_MAC_BYTES]


def issue(secret: str, event_id: str, delegate_id: int, version: int) -> str:
    body = _BODY.pack(_event_tag(event_id), delegate_id, version)
    raw = body + _mac(secret, event_id, body)
    return PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def find_token(text: str) -> str | None:
    """A token in what a scanner or a person sent: the bare token, or the whole deep link."""
    match = _TOKEN.search(text.strip())
    return match.group(1) if match else None


def read(secret: str, event_id: str, token: str) -> Ticket | str:
    """The ticket in a token, or why it is refused: "forged" or "other_event"."""
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX):] + "=" * (-len(token[1:]) % 4))
    except (ValueError, TypeError):
        return "forged"
    if len(raw) != _BODY.size + _MAC_BYTES:
        return "forged"
    body, mac = raw[:_BODY.size], raw[_BODY.size:]
    tag, delegate_id, version = _BODY.unpack(body)
    if tag != _event_tag(event_id):
        return "other_event"
    if not hmac.compare_digest(mac, _mac(secret, event_id, body)):
        return "forged"
    return Ticket(tag, delegate_id, version)


# A check-in number: the delegate id and a check digit, "427-3". For a delegate whose QR picture cannot be
# shown (Zalo without a public URL) staff type it at the desk or after /find. The check digit (Damm's
# algorithm) catches every single wrong digit and every swap of two neighbours, so a typo finds nobody
# rather than somebody else.

_DAMM = ("0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
         "3674209581", "5869720134", "8945362017", "9438617205", "2581436790")
_NUMBER = re.compile(r"^\s*#?\s*(\d{1,9})\s*-\s*(\d)\s*$")


def _damm(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = int(_DAMM[interim][int(digit)])
    return interim


def checkin_number(delegate_id: int) -> str:
    return f"{delegate_id}-{_damm(str(delegate_id))}"


def looks_like_checkin_number(text: str) -> bool:
    """Typed in the shape of a check-in number ("427-3"), whether its check digit is right or not."""
    return _NUMBER.match(text) is not None


def read_checkin_number(text: str) -> int | None:
    """The delegate id in a typed check-in number ("427-3", "#427-3"), if its check digit is right."""
    match = _NUMBER.match(text)
    if match is None or _damm(match.group(1) + match.group(2)) != 0:
        return None
    return int(match.group(1))
