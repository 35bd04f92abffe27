"""Which parameters each Zalo method takes, and the checks on their values."""
from __future__ import annotations

import re
from typing import Any

from .models import InvalidRequest

TEXT_LIMIT = 2000
# parameter → required; anything else is refused, so a Telegram-only parameter (reply_markup,
# parse_mode=HTML text with tags, …) that leaks through the bridge fails the test
METHODS: dict[str, dict[str, bool]] = {
    "getMe": {},
    "getUpdates": {"timeout": False},
    "setWebhook": {"url": True, "secret_token": True},
    "deleteWebhook": {},
    "getWebhookInfo": {},
    "sendMessage": {"chat_id": True, "text": True, "parse_mode": False},
    "sendPhoto": {"chat_id": True, "photo": True, "caption": False},
    "sendSticker": {"chat_id": True, "sticker": True},
    "sendChatAction": {"chat_id": True, "action": True},
}
# the bot's Telegram HTML, which must not reach Zalo as plain text
_TELEGRAM_HTML = re.compile(r"</?(b|i|u|s|a|code|pre|strong|em|ins|strike|del|tg-spoiler|tg-emoji|blockquote)"
                            r"(\s[^>]*)?>|&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", re.IGNORECASE)


def check(method: str, params: dict[str, Any]) -> None:
    allowed = METHODS[method]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidRequest(f"unknown parameter(s) for {method}: {', '.join(unknown)}")
    missing = [name for name, required in allowed.items() if required and params.get(name) in (None, "")]
    if missing:
        raise InvalidRequest(f"{method}: missing {', '.join(missing)}")
    if "chat_id" in params and not isinstance(params["chat_id"], str):
        raise InvalidRequest("chat_id must be a string (Zalo ids are strings)")
    if method == "sendMessage":
        _text(params["text"], "text", params.get("parse_mode"))
    if method == "sendPhoto":
        if "caption" in params:
            _text(params["caption"], "caption", None)
        if not re.match(r"^https?://", str(params["photo"])):
            raise InvalidRequest("photo must be a public URL (Zalo has no upload)")
    if method == "sendChatAction" and params["action"] != "typing":
        raise InvalidRequest("action must be typing")
    if method == "setWebhook":
        if not 8 <= len(str(params["secret_token"])) <= 256:
            raise InvalidRequest("secret_token must be 8-256 characters")
        if not re.match(r"^(https://|http://127\.0\.0\.1[:/])", str(params["url"])):
            raise InvalidRequest("the webhook URL must be public HTTPS")  # loopback http: the tests' own server
    if method == "getUpdates" and "timeout" in params:
        try:
            int(params["timeout"])
        except (TypeError, ValueError):
            raise InvalidRequest("timeout must be a number of seconds") from None


def _text(value: Any, name: str, parse_mode: Any) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= TEXT_LIMIT:
        length = len(value) if isinstance(value, str) else type(value).__name__
        raise InvalidRequest(f"{name} must be 1-{TEXT_LIMIT} characters, got {length}")
    if parse_mode not in (None, "markdown", "html"):
        raise InvalidRequest("parse_mode must be markdown or html")
    if parse_mode is None and _TELEGRAM_HTML.search(value):
        raise InvalidRequest(f"Telegram HTML in plain {name}: {_TELEGRAM_HTML.search(value).group(0)!r}")
