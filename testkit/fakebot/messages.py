"""Content of the Message objects the fake returns for the bot's sends and edits."""

from __future__ import annotations

import re
from typing import Any

from .files import photo_sizes
from .models import StoredFile
from .spec import Spec
from .validate import render


def method_kind(method: str) -> str:
    """Message field a send method fills: sendVideoNote -> "video_note"."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", method.removeprefix("send")).lower()


def formatted(
    key: str, source: str, parse_mode: str | None, entities: list | None, *, strict: bool
) -> dict[str, Any]:
    """{"text": ..., "entities": ...} (or caption) the way Telegram stores formatted text."""
    text, entities = render(source, parse_mode, entities, strict=strict)
    fields: dict[str, Any] = {key: text} if text else {}
    if entities:
        fields["entities" if key == "text" else f"{key}_entities"] = entities
    return fields


def message_content(
    spec: Spec, method: str, params: dict[str, Any], file: StoredFile | None, *, strict: bool
) -> tuple[dict[str, Any], str | None]:
    """Content fields of the Message a send method creates, and its text as sent."""
    content: dict[str, Any] = {}
    html = None
    if method == "sendMessage":
        html = params["text"]
        content.update(
            formatted("text", html, params.get("parse_mode"), params.get("entities"), strict=strict)
        )
    kind = method_kind(method)
    message_fields = spec.fields("Message")
    if kind != "message" and kind in message_fields:
        content[kind] = _media(spec, kind, message_fields[kind]["types"][0], params, file)
        if kind == "venue":
            content["location"] = content["venue"]["location"]
    if "caption" in params:
        html = params["caption"]
        content.update(
            formatted(
                "caption", html, params.get("parse_mode"), params.get("caption_entities"),
                strict=strict,
            )
        )
    return content, html


def _media(
    spec: Spec, kind: str, type_name: str, params: dict[str, Any], file: StoredFile | None
) -> Any:
    if kind == "photo" and file is not None:
        return photo_sizes(file)
    media = spec.minimal(type_name)
    fields = spec.fields(type_name)
    # Scalar parameters named like the object's fields (title, address, emoji, ...)
    # are what Telegram echoes back.
    media.update(
        (key, value) for key, value in params.items()
        if key in fields and isinstance(value, (str, int, float, bool))
    )
    if "location" in fields and "latitude" in params:
        media["location"] = {"latitude": params["latitude"], "longitude": params["longitude"]}
    if file is not None:
        media.update(
            file_id=file.file_id, file_unique_id=file.file_unique_id,
            file_size=len(file.data or b""),
        )
        if file.file_name and "file_name" in fields:
            media["file_name"] = file.file_name
        if file.mime_type and "mime_type" in fields:
            media["mime_type"] = file.mime_type
    return media
