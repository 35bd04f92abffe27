"""Zalo events as the Telegram updates the handlers are written for.

- message.text.received → a text message; "/command" works as on Telegram. Zalo has no start button
  and no deep links, so the first message of someone new is /start (unless it is a command or a claim
  code "DK 12345678" from a colleague's invitation), "start", "bắt đầu" and "menu" always are, and a
  pasted t.me link to the bot (a nominee's personal link, a take-over link) is /start with its payload.
- message.image.received → a photo message (file id = the image URL, which GetFile hands back), so the
  handlers answer as they do on Telegram ("please type…", or a staff member's photo of a QR code).
- message.sticker.received → a sticker message.
- message.unsupported.received (content hidden from bots) → a message with no content: the handlers
  answer that they read only text, and repeat their question.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from itertools import count
from typing import Any

from bot.channels.zalo.ids import ZaloIds
from bot.services.registration import typed_claim
from bot.text import fold

log = logging.getLogger(__name__)
START_WORDS = {"start", "bat dau", "batdau", "menu"}
_LINK = re.compile(r"^https?://t\.me/[A-Za-z0-9_]{3,64}\?start=([A-Za-z0-9_-]{1,64})$")
_message_ids = count(int(time.time()) % 1_000_000 * 1000)


def unwrap(body: Any) -> Any:
    """A webhook body may come as {ok, result} or bare."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        return body["result"]
    return body


def typed_text(text: str, first_message: bool) -> str:
    text = text.strip()
    if text.startswith("/"):
        return text
    link = _LINK.match(text)
    if link:
        return f"/start {link.group(1)}"
    if fold(text) in START_WORDS or (first_message and typed_claim(text) is None):
        return "/start"
    return text


def _file(url: str) -> dict[str, Any]:
    return {"file_id": url, "file_unique_id": hashlib.sha256(url.encode()).hexdigest()[:16]}


def _content(event: Any, message: dict[str, Any], new: bool) -> dict[str, Any] | None:
    """The Telegram message fields for a Zalo event's content; None when there is nothing to hand on."""
    if event == "message.text.received":
        text = typed_text(str(message.get("text") or ""), new)
        if not text:
            return None
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    elif event == "message.image.received":
        url = message.get("photo") or message.get("photo_url") or ""
        content = {"photo": [{**_file(str(url)), "width": 0, "height": 0}]} if url else {}
        if message.get("caption") or message.get("text"):
            content["caption"] = str(message.get("caption") or message.get("text"))
    elif event == "message.sticker.received":
        sticker = str(message.get("sticker") or message.get("url") or "zalo-sticker")
        content = {"sticker": {**_file(sticker), "type": "regular", "width": 0, "height": 0, "is_animated": False,
                               "is_video": False}}
    elif event == "message.unsupported.received":
        content = {}  # nothing readable: the handlers say they read only text
    else:
        log.info("Zalo event %s ignored", event)
        return None
    return content


async def telegram_update(raw: Any, ids: ZaloIds, update_id: int) -> dict[str, Any] | None:
    """The Telegram update for a Zalo event, or None for an event with no sender or of an unknown kind."""
    if not isinstance(raw, dict):
        return None
    event, message = raw.get("event_name"), raw.get("message") or {}
    sender, chat = message.get("from") or {}, message.get("chat") or {}
    if not sender.get("id"):
        return None
    user_id, new = await ids.internal(str(sender["id"]))
    private = str(chat.get("chat_type") or "PRIVATE").upper() == "PRIVATE"
    chat_id = user_id if private or not chat.get("id") else (await ids.internal(str(chat["id"])))[0]
    name = str(sender.get("display_name") or "Zalo")[:64]
    date = message.get("date")
    base = {
        "message_id": next(_message_ids),
        # to the millisecond, as Zalo gives it: bot.screens.ui tells a double send from an answer by it
        "date": date / 1000 if isinstance(date, (int, float)) else time.time(),
        "chat": {"id": chat_id, "type": "private", "first_name": name} if private else {"id": chat_id, "type": "group",
                                                                                     "title": "Zalo"},
        "from": {"id": user_id, "is_bot": bool(sender.get("is_bot")), "first_name": name},
    }
    content = _content(event, message, new)
    if content is None:
        return None
    return {"update_id": update_id, "message": {**base, **content}}
