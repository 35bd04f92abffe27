"""What the fake keeps and hands to tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Call(NamedTuple):
    method: str
    params: dict[str, Any]
    status: int


class Rejection(NamedTuple):
    """A request the bot should never have made (Zalo would refuse it as malformed)."""

    method: str
    params: dict[str, Any]
    description: str


class ApiError(Exception):
    """An {"ok": false, ...} answer: a state the bot must cope with (user blocked, quota, outage)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.status, "description": self.description}


class InvalidRequest(ApiError):
    """Malformed: kept in FakeZalo.rejected."""

    def __init__(self, description: str) -> None:
        super().__init__(400, description)


@dataclass(frozen=True)
class ZaloMessage:
    """A bot message as the Zalo user sees it."""

    chat_id: str
    message_id: str
    method: str  # sendMessage | sendPhoto | sendSticker
    text: str = ""  # the text, or a photo's caption
    photo_url: str | None = None
    photo: bytes | None = field(default=None, repr=False)  # what the URL served when the fake fetched it

    @property
    def kind(self) -> str:
        return {"sendPhoto": "photo", "sendSticker": "sticker"}.get(self.method, "text")
