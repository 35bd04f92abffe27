"""A small client of the Zalo OA API (openapi.zalo.me) and ZNS (business.openapi.zalo.me) on aiohttp.

It answers to the same calls as the Bot Platform's client (bot/channels/zalo/client.py: `call(method,
params)` with "sendMessage", "sendPhoto", "getMe"), so the Zalo session's text, splitting and retries serve
both routes; the OA's own calls ("sendButtons", "uploadImage", "sendImage", "requestPhone", "sendZns") are
added. Zalo answers HTTP 200 with {"error": 0, "data": …}, or a negative error code; those become ZaloError
with the status the session turns into aiogram's exceptions: an expired token is renewed and the call made
once more (tokens.py), outside the messaging window → 403 (the person is not reached), others → 400.
The access token travels in a header, never in a URL, so no exception carries it.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from bot.channels.zalo.client import ZaloError, ZaloNetworkError
from bot.channels.zalo_oa.tokens import OaTokens, TokenError
from bot.config import Settings

log = logging.getLogger(__name__)
# Zalo's error codes (developers.zalo.me, "Official Account API › Bảng mã lỗi"; ZNS: "Mã lỗi ZNS"). The OA's
# numbers below were not confirmed by a source found (testkit/fakezalo_oa/rules.py [ERR]); there -201 means
# "parameter invalid", which this table would count as out of the window.
TOKEN_EXPIRED = {-124, -216}  # access token invalid / expired
OUT_OF_WINDOW = {-213, -230, -201}  # not a follower, no interaction within the window, user unavailable
RATE_LIMITED = {-32}


class OaClient:
    def __init__(self, settings: Settings, tokens: OaTokens) -> None:
        self.settings, self.tokens = settings, tokens
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30) -> Any:
        """The `data` of the OA call the Bot-Platform-style `method` stands for; ZaloError otherwise."""
        params = params or {}
        url, body, form = self._request(method, params)
        for attempt in range(2):
            try:
                token = await self.tokens.access_token()
            except TokenError as exc:
                raise ZaloError(method, 401, str(exc)) from None
            answer = await self._post(method, url, token, body, form, timeout)
            code = answer.get("error", 0)
            if code in TOKEN_EXPIRED and attempt == 0:
                await self.tokens.access_token(stale=token)
                continue
            if code == 0:
                return answer.get("data") if "data" in answer else answer
            raise ZaloError(method, _status(code), f"{code} {answer.get('message') or 'error'}")

    def _request(self, method: str, p: dict[str, Any]) -> tuple[str, Any, aiohttp.FormData | None]:
        api, cs = self.settings.zalo_oa_api_url, f"{self.settings.zalo_oa_api_url}/v3.0/oa/message/cs"
        if method == "getMe":
            return f"{api}/v2.0/oa/getoa", None, None
        if method == "sendMessage":
            return cs, _to(p, {"text": p["text"]}), None
        if method == "sendButtons":
            buttons = [{"title": title, "type": "oa.query.show", "payload": payload} for title, payload in p["buttons"]]
            attachment = {"type": "template", "payload": {"buttons": buttons}}
            return cs, _to(p, {"text": p["text"], "attachment": attachment}), None
        if method in ("sendPhoto", "sendImage"):
            element = {"media_type": "image", **({"url": p["photo"]} if "photo" in p else
                                                  {"attachment_id": p["attachment_id"]})}
            message = {"attachment": {"type": "template", "payload": {"template_type": "media",
                                                                       "elements": [element]}}}
            if p.get("caption"):
                message["text"] = p["caption"]
            return cs, _to(p, message), None
        if method == "requestPhone":
            element = {"title": p["title"], "subtitle": p["subtitle"]}
            if p.get("image_url"):
                element["image_url"] = p["image_url"]
            return cs, _to(p, {"attachment": {"type": "template", "payload": {
                "template_type": "request_user_info", "elements": [element]}}}), None
        if method == "uploadImage":
            form = aiohttp.FormData()
            form.add_field("file", p["data"], filename="badge.png", content_type="image/png")
            return f"{api}/v2.0/oa/upload/image", None, form
        if method == "sendZns":
            return f"{self.settings.zalo_oa_zns_url}/message/template", dict(p), None
        raise ZaloError(method, 400, f"{method} is not an OA call")

    async def _post(self, method: str, url: str, token: str, body: Any, form: aiohttp.FormData | None,
                    timeout: float) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"data": form} if form is not None else {"json": body} if body is not None else {}
        verb = "GET" if body is None and form is None else "POST"
        try:
            async with self._session().request(verb, url, headers={"access_token": token}, **kwargs,
                                               timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                status, text = response.status, await response.text()
        except asyncio.TimeoutError:
            raise ZaloNetworkError(method, "timeout") from None
        except aiohttp.ClientError as exc:
            raise ZaloNetworkError(method, type(exc).__name__) from None
        if status >= 500 or status == 429:
            raise ZaloError(method, status, f"HTTP {status}")
        try:
            answer = json.loads(text)
        except ValueError:
            raise ZaloNetworkError(method, f"HTTP {status}, not a JSON answer") from None
        if not isinstance(answer, dict):
            raise ZaloNetworkError(method, "not a JSON object")
        return answer

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


def _to(params: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    return {"recipient": {"user_id": params["chat_id"]}, "message": message}


def _status(code: int) -> int:
    if code in OUT_OF_WINDOW:
        return 403
    if code in TOKEN_EXPIRED:
        return 401
    return 429 if code in RATE_LIMITED else 400
