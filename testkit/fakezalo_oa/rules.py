"""The OA API's rules as the fake enforces them, each with where it is written.

Sources (as read for this fake):
- [CS]  developers.zalo.me › Official Account API › Gửi tin Tư vấn (POST openapi.zalo.me/v3.0/oa/message/cs):
        body {"recipient": {"user_id"}, "message": {...}}, header access_token; text 1–2,000 characters;
        a template of buttons: at most 5, type oa.query.show payload ≤ 1,000 characters, title ≤ 100;
        template_type "media" with one image element by url or attachment_id; template_type
        "request_user_info" with one element (title ≤ 100, subtitle ≤ 500).
- [WINDOW] zalooa.freshdesk.com › "Các loại tin của Zalo Official Account": replies free within 48 h of the
        person's last message; after that a "proactive" (paid) message; the API refuses a consultation
        message to someone silent for 7 days: error -230 "User has not interacted with the OA in the last
        7 days"; -213: the person does not follow the OA.
- [ERR] developers.zalo.me › Official Account API › Bảng mã lỗi: -124 access token invalid or expired,
        -201 parameter invalid, -210 parameter exceeds its limit. UNCONFIRMED: no copy of that table was found
        to check these against (nor -213, -230 in [WINDOW], -14014 in [OAUTH]); a third-party table for the older
        OA API (doc.caresoft.vn › "Bảng mã khi gửi tin nhắn theo Zalo ID") gives other meanings (-201 invalid
        access token, -203 invalid parameter, -210 chatbot feature off). Check them before relying on a number.
- [UPLOAD] developers.zalo.me › Upload hình ảnh (POST /v2.0/oa/upload/image, multipart "file", jpg/png,
        ≤ 1 MB) → {"data": {"attachment_id"}}.
- [OAUTH] developers.zalo.me › Xác thực và ủy quyền cho ứng dụng (v4): POST oauth.zaloapp.com/v4/oa/access_token,
        header secret_key (the app's), form app_id, grant_type=refresh_token, refresh_token → access_token,
        refresh_token, expires_in (seconds, about 25 h); a refresh token is good once (error -14014 when reused
        or unknown).
- [WEBHOOK] developers.zalo.me › Webhook: X-ZEvent-Signature: mac=sha256(app_id + body + timestamp + OA secret key);
        HTTP 200 within 2 s, else the event is posted again.
- [ZNS] developers.zalo.me › ZNS › Gửi thông báo ZNS (POST business.openapi.zalo.me/message/template, header
        access_token): {"phone": "84…", "template_id", "template_data": {param: value}, "tracking_id"};
        template_data must hold exactly the approved template's parameters, each within its length.
- [ZNS-ERR] zalo.cloud/zns/guidelines/handle-error-code ("Cách xử lý mã lỗi"), confirmed: -108 "Phone number
        invalid", -109 "Template ID invalid", -111 "Template data empty", -112 "Template data invalid" (that
        page's copy here is cut at "-112 Templ…"; helpdesk.getfly.vn's copy of the same table lists "Template
        data invalid" right after "Template data empty"). The page says Zalo takes the phone as 84…, 0… or
        without the leading 0; this fake takes only 84… (the form the bot sends), stricter on purpose. An
        earlier version of this fake used -1123/-1124, found in no source: replaced by -109/-112.
"""
from __future__ import annotations

import re
from typing import Any

TEXT_LIMIT = 2000  # [CS]
MAX_BUTTONS = 5  # [CS]
TITLE_LIMIT = 100  # [CS]
PAYLOAD_LIMIT = 1000  # [CS]
SUBTITLE_LIMIT = 500  # [CS]
UPLOAD_LIMIT = 1_000_000  # [UPLOAD]
FREE_HOURS = 48  # [WINDOW]
WINDOW_DAYS = 7  # [WINDOW]
PHONE = re.compile(r"^84\d{9,10}$")  # [ZNS-ERR]: Zalo also takes 0…; the fake wants the bot's 84… form

TOKEN_INVALID = (-124, "Access token is invalid or expired")  # [ERR] UNCONFIRMED number
PARAM_INVALID = (-201, "Parameter is invalid")  # [ERR] UNCONFIRMED number
NOT_FOLLOWER = (-213, "User has not followed the OA")  # [WINDOW] UNCONFIRMED number
NO_INTERACTION = (-230, "User has not interacted with the OA in the last 7 days")  # [WINDOW] UNCONFIRMED number
REFRESH_INVALID = (-14014, "Invalid refresh token")  # [OAUTH] UNCONFIRMED number
ZNS_PHONE = (-108, "Phone number invalid")  # [ZNS-ERR] confirmed
ZNS_TEMPLATE = (-109, "Template ID invalid")  # [ZNS-ERR] confirmed
ZNS_DATA = (-112, "Template data invalid")  # [ZNS-ERR] confirmed


class OaError(Exception):
    def __init__(self, error: tuple[int, str], detail: str = "") -> None:
        super().__init__(f"{error[0]} {error[1]} {detail}".strip())
        self.code, self.message, self.detail = error[0], error[1], detail


def check_message(message: Any) -> str:
    """The kind of a cs message ("text", "buttons", "media", "request"); OaError(-201) when malformed."""
    if not isinstance(message, dict) or not message:
        raise OaError(PARAM_INVALID, "message must be an object")
    unknown = set(message) - {"text", "attachment"}
    if unknown:
        raise OaError(PARAM_INVALID, f"unknown fields {sorted(unknown)}")
    if "text" in message:
        _text(message["text"])
    attachment = message.get("attachment")
    if attachment is None:
        if "text" not in message:
            raise OaError(PARAM_INVALID, "no text and no attachment")
        return "text"
    payload = (attachment or {}).get("payload") or {}
    if attachment.get("type") != "template":
        raise OaError(PARAM_INVALID, "attachment type must be template")
    kind = payload.get("template_type")
    if kind is None and "buttons" in payload:
        _buttons(payload["buttons"])
        if "text" not in message:
            raise OaError(PARAM_INVALID, "buttons need a text")
        return "buttons"
    if kind == "media":
        elements = payload.get("elements") or []
        if len(elements) != 1 or elements[0].get("media_type") != "image" or not (
                elements[0].get("url") or elements[0].get("attachment_id")):
            raise OaError(PARAM_INVALID, "media: one image element by url or attachment_id")
        return "media"
    if kind == "request_user_info":
        elements = payload.get("elements") or []
        if len(elements) != 1 or not 1 <= len(str(elements[0].get("title") or "")) <= TITLE_LIMIT \
                or not 1 <= len(str(elements[0].get("subtitle") or "")) <= SUBTITLE_LIMIT:
            raise OaError(PARAM_INVALID, "request_user_info: one element, title ≤100, subtitle ≤500")
        return "request"
    raise OaError(PARAM_INVALID, f"unknown template {kind!r}")


def _text(text: Any) -> None:
    if not isinstance(text, str) or not 1 <= len(text) <= TEXT_LIMIT:
        raise OaError(PARAM_INVALID, f"text must be 1-{TEXT_LIMIT} characters")
    if re.search(r"</?(b|i|a|code|pre)(\s[^>]*)?>|&(amp|lt|gt);", text):
        raise OaError(PARAM_INVALID, "Telegram HTML in a plain text")


def _buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise OaError(PARAM_INVALID, f"1-{MAX_BUTTONS} buttons")
    for button in buttons:
        if button.get("type") != "oa.query.show" or not 1 <= len(str(button.get("title") or "")) <= TITLE_LIMIT \
                or not 1 <= len(str(button.get("payload") or "")) <= PAYLOAD_LIMIT:
            raise OaError(PARAM_INVALID, f"bad button {button!r}")
