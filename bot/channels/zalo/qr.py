"""Check-in QR pictures for Zalo, whose sendPhoto takes a URL and no upload.

The URL carries the ticket token, the language of the printed lines and an expiry, signed with
SECRET_KEY: `<PUBLIC_BASE_URL>/zalo/qr/<token>.<lang>.<expires>.<signature>.png`. The web app re-draws
the badge from the delegate's record when it is fetched. Nothing is stored, so the URL works after a
restart and from any bot process behind the proxy (a store of the bytes in memory would serve only the
process that sent the message, and forget it on restart). A code replaced since (name changed) or a
cancelled registration gets 410 Gone, the same verdict the reception desk would give.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from bot.config import Settings
from bot.event import Event
from bot.services import badge, tickets

MIN_LIFE = timedelta(days=7)
AFTER_EVENT = timedelta(days=2)
_NAME = re.compile(r"^(t[A-Za-z0-9_-]{32})\.(vi|en)\.(\d{1,12})\.([A-Za-z0-9_-]{22})\.png$")


@dataclass(frozen=True)
class CodeInPicture:
    token: str
    delegate_id: int
    number: str  # the check-in number staff can type


def code_in_picture(png: bytes, secret: str, event_id: str) -> CodeInPicture | None:
    """The valid check-in code drawn in a picture, if it is one (CPU-bound: call it in a thread)."""
    for text in badge.read_codes(png):
        token = tickets.find_token(text)
        ticket = tickets.read(secret, event_id, token) if token else None
        if isinstance(ticket, tickets.Ticket):
            return CodeInPicture(token, ticket.delegate_id, tickets.checkin_number(ticket.delegate_id))
    return None


async def read_code_in_picture(png: bytes, secret: str, event_id: str) -> CodeInPicture | None:
    return await asyncio.to_thread(code_in_picture, png, secret, event_id)


class QrLinks:
    def __init__(self, settings: Settings, conference: Event) -> None:
        self.settings, self.conference = settings, conference

    def _signature(self, token: str, lang: str, expires: int) -> str:
        mac = hmac.new(self.settings.secret_key.encode(), f"zalo-qr:{token}:{lang}:{expires}".encode(),
                       hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def expiry(self, now: float | None = None) -> int:
        """Until two days after the conference (the delegate may scroll back to it at the desk), a week at least."""
        now = time.time() if now is None else now
        last = max(s.ends_at or s.starts_at for s in self.conference.parts)
        return int(max(now + MIN_LIFE.total_seconds(), (last + AFTER_EVENT).timestamp()))

    def url(self, token: str, lang: str) -> str | None:
        """The picture's public URL; None without PUBLIC_BASE_URL (the delegate then gets the code as text)."""
        base = self.settings.public_base_url
        if not base:
            return None
        expires = self.expiry()
        return f"{base}/zalo/qr/{token}.{lang}.{expires}.{self._signature(token, lang, expires)}.png"

    def check(self, name: str, now: float | None = None) -> tuple[str, str] | None:
        """(token, language) of a requested picture name, if signed by us and not expired."""
        match = _NAME.match(name)
        if match is None:
            return None
        token, lang, expires, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(token, lang, int(expires))):
            return None
        return (token, lang) if int(expires) >= (time.time() if now is None else now) else None
