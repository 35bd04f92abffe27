"""Records the fake keeps and hands to tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Message fields that carry the content, in the order Telegram clients check them.
CONTENT_KINDS = (
    "text", "photo", "document", "audio", "video", "animation", "voice", "video_note",
    "sticker", "venue", "location", "contact", "poll", "dice",
)


class Call(NamedTuple):
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived
    status: int


class Rejection(NamedTuple):
    method: str
    params: dict[str, Any]
    description: str


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part of a request."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None = field(repr=False)  # None when "fetched" from a URL
    file_name: str | None = None
    mime_type: str | None = None

    def as_file(self) -> dict[str, Any]:
        """The Bot API File object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data or b""),
            "file_path": self.file_path,
        }


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    data: str | None  # callback_data of the pressed button
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass(frozen=True)
class FakeMessage:
    """A bot message as a user sees it; an edit produces a new, edited copy."""

    chat_id: int
    message_id: int
    method: str
    raw: dict[str, Any]  # the Message object as returned to the bot
    html: str | None  # text or caption exactly as sent, markup included
    reply_markup: dict[str, Any] | None  # as sent, reply keyboards included
    file: StoredFile | None
    received_at: float  # time.monotonic() of the request that produced this state
    reply_to_update: int | None  # newest update from this chat delivered to the bot by then
    edited: bool = False
    deleted: bool = False

    @property
    def kind(self) -> str:
        return next((kind for kind in CONTENT_KINDS if kind in self.raw), "unknown")

    @property
    def text(self) -> str:
        """Visible text (or caption): HTML tags stripped, entities decoded."""
        return self.raw.get("text") or self.raw.get("caption") or ""

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.raw.get("entities") or self.raw.get("caption_entities") or []

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def buttons(self) -> list[str]:
        """Texts of all buttons, inline or reply keyboard."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button["text"] for row in rows for button in row]

    @property
    def file_bytes(self) -> bytes | None:
        return self.file.data if self.file else None

    @property
    def photo_bytes(self) -> bytes | None:
        return self.file_bytes if self.kind == "photo" else None

    @property
    def document_bytes(self) -> bytes | None:
        return self.file_bytes if self.kind == "document" else None

    @property
    def file_name(self) -> str | None:
        return self.file.file_name if self.file else None

    def __repr__(self) -> str:
        flags = "".join(f" {flag}" for flag in ("edited", "deleted") if getattr(self, flag))
        return (
            f"<FakeMessage #{self.message_id} to {self.chat_id} {self.method}{flags} "
            f"{self.text[:80]!r} buttons={self.buttons}>"
        )
