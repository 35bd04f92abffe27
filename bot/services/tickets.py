"""Check-in codes (tickets): a signed, versioned token per delegate, carried by a QR deep link.

Token: "t" + base64url(event tag 2 B | delegate id 4 B | version 2 B | HMAC-SHA256 16 B) = 33
characters of A-Za-z0-9_-, within Telegram's 64 for a /start parameter. The HMAC covers the event
id, so a code is useless for another event; the version lets a new code replace the old one. Only the
signature is trusted: the event tag is two bytes anyone can write, so a code that does not verify is
"forged" whatever tag it carries, never "another event".
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
# a code cut short or run on (a torn badge, a half-copied link): shaped like ours, so "forged", not "not a code"
_DAMAGED = re.compile(r"(?:^|[?&]start=)t[A-Za-z0-9_-]{8,}$")
# what other QR codes hold: a link (a Zalo group, a web page) or another app's data (Wi-Fi, contact, phone);
# a name or a phone number typed at the desk never looks like this. desk.js keeps the same rule.
_FOREIGN = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:\S|www\.\S|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+/\S*)")


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


def looks_damaged(text: str) -> bool:
    """No whole token, but something shaped like one: a bare code or a deep link of the wrong length."""
    return bool(_DAMAGED.search(text.strip()))


def is_foreign_code(text: str) -> bool:
    """A scanned code that is not a check-in code and not a name either (a link, another app's QR)."""
    return find_token(text) is None and bool(_FOREIGN.match(text.strip()))


def read(secret: str, event_id: str, token: str) -> Ticket | str:
    """The ticket in a token, or "forged" when its signature does not verify for this event and key.

    A code of another event verifies only with that event's id, which this one cannot tell from two
    bytes of tag that anyone can write: so it is "forged" too, and no made-up code is ever told it
    belongs to another event."""
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX):] + "=" * (-len(token[1:]) % 4))
    except (ValueError, TypeError):
        return "forged"
    if len(raw) != _BODY.size + _MAC_BYTES:
        return "forged"
    body, mac = raw[:_BODY.size], raw[_BODY.size:]
    if not hmac.compare_digest(mac, _mac(secret, event_id, body)):
        return "forged"
    tag, delegate_id, version = _BODY.unpack(body)
    if tag != _event_tag(event_id):  # signed by this key for this event, yet tagged otherwise: not issued here
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
