"""OA webhook events as the Bot Platform's events, which bot/channels/zalo/updates.py already turns into the
Telegram updates the handlers are written for (developers.zalo.me, "Official Account API › Webhook › Sự kiện"):

- user_send_text → a text; a pressed oa.query.show button comes back as this same event, its payload as the text
  the person sent (session.py makes the payload the button's label, which the typed-answer path reads);
- user_send_image → an image (its URL);
- user_send_file, user_send_location, user_send_sticker… → a message with no content the handlers can read
  ("please type…"), as the Bot Platform's hidden content;
- follow → "start" (a new follower is greeted with the first question); unfollow → nothing to answer;
- user_submit_info (the answer to the phone request) → the phone number as typed text.

OA ids are kept apart from the Bot Platform's in the id table by an "oa:" prefix (ids.py).
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
UNREADABLE = {"user_send_file", "user_send_location", "user_send_sticker", "user_send_gif", "user_send_audio",
              "user_send_video", "user_send_link", "user_send_business_card"}


def sender_of(event: dict[str, Any]) -> str:
    """The OA user the event is about, or ''."""
    who = event.get("sender") or event.get("follower") or event.get("user") or {}
    return str(who.get("id") or "") if isinstance(who, dict) else ""


def event_key(event: dict[str, Any]) -> str:
    """What a retried post repeats: the message id, else the event's name, sender and time."""
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    if message.get("msg_id"):
        return f"msg:{message['msg_id']}"[:128]
    return f"{event.get('event_name')}:{sender_of(event)}:{event.get('timestamp')}"[:128]


def shared_phone(event: dict[str, Any]) -> str:
    info = event.get("info") if isinstance(event.get("info"), dict) else {}
    return str(info.get("phone") or "") if event.get("event_name") == "user_submit_info" else ""


def platform_event(event: dict[str, Any]) -> dict[str, Any] | None:
    """The Bot Platform event for an OA event, or None when there is nothing to answer."""
    name, user = event.get("event_name"), sender_of(event)
    if not user:
        return None
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    content: dict[str, Any]
    if name == "user_send_text":
        kind, content = "message.text.received", {"text": str(message.get("text") or "")}
    elif name == "user_send_image":
        url = next((str((a.get("payload") or {}).get("url") or "") for a in message.get("attachments") or []
                    if isinstance(a, dict)), "")
        kind, content = "message.image.received", {"photo_url": url, "caption": str(message.get("text") or "")}
    elif name in UNREADABLE:
        kind, content = "message.unsupported.received", {}
    elif name == "follow":
        kind, content = "message.text.received", {"text": "start"}
    elif name == "user_submit_info" and shared_phone(event):
        kind, content = "message.text.received", {"text": shared_phone(event)}
    else:
        log.info("Zalo OA event %s not answered", name)
        return None
    when = event.get("timestamp")
    return {"event_name": kind, "message": {
        "from": {"id": f"oa:{user}", "display_name": "Zalo", "is_bot": False},
        "chat": {"id": f"oa:{user}", "chat_type": "PRIVATE"},
        "date": int(when) if str(when or "").isdigit() else None, **content}}
