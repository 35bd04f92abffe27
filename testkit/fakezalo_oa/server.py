"""FakeOa: the OA API, its OAuth v4 endpoint and ZNS on 127.0.0.1 (rules and their sources: rules.py)."""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .rules import (NO_INTERACTION, NOT_FOLLOWER, PARAM_INVALID, PHONE, REFRESH_INVALID, TOKEN_INVALID,
                    UPLOAD_LIMIT, WINDOW_DAYS, ZNS_DATA, ZNS_PHONE, ZNS_TEMPLATE, FREE_HOURS, OaError,
                    check_message)
from .user import FakeOaUser

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OaMessage:
    """What reached a person: a cs message, or a ZNS notice to a phone number."""

    kind: str  # text | buttons | media | request | zns
    text: str = ""
    buttons: list[dict[str, Any]] = field(default_factory=list)
    image: bytes | None = field(default=None, repr=False)
    template_data: dict[str, str] = field(default_factory=dict)
    paid: bool = False  # sent after the free 48 hours


class FakeOa:
    def __init__(self, *, app_id: str = "4291763606161179100", app_secret: str = "app-SECRET-test",
                 oa_secret_key: str = "oa-SECRET-key-test", templates: dict[str, dict[str, int]] | None = None) -> None:
        self.app_id, self.app_secret, self.oa_secret_key = app_id, app_secret, oa_secret_key
        self.templates = templates or {"300001": {"name": 30, "content": 400}}  # approved ZNS: param → max length
        self.access_tokens: set[str] = {"access-" + secrets.token_hex(8)}
        self.refresh_tokens: set[str] = {"refresh-" + secrets.token_hex(8)}
        self.base_url = self.webhook_url = ""
        self.users: dict[str, FakeOaUser] = {}
        self.zns: list[tuple[str, OaMessage]] = []  # (phone, notice)
        self.rejected: list[tuple[str, str]] = []  # (path, why) of requests the bot should never have made
        self.refused: Counter[int] = Counter()  # documented error codes answered (a state, not a bot bug)
        self.refreshes = 0
        self.webhook_posts: list[int] = []
        self._uploads: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def access_token(self) -> str:
        return next(iter(self.access_tokens))

    @property
    def refresh_token(self) -> str:
        return next(iter(self.refresh_tokens))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._cs)
        app.router.add_get("/v2.0/oa/getoa", self._getoa)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        app.router.add_post("/message/template", self._zns)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test side --------------------------------------------------------------------------

    def user(self, user_id: str | None = None, *, phone: str = "84905123456") -> FakeOaUser:
        user_id = user_id or str(secrets.randbelow(10 ** 18) + 10 ** 18)  # OA user ids: long numbers as strings
        return self.users.setdefault(user_id, FakeOaUser(self, user_id, phone))

    def expire_access_token(self) -> None:
        """The access token's 25 hours are over: calls with it get -124 [OAUTH]."""
        self.access_tokens = {"gone-" + secrets.token_hex(4)}

    def signed(self, body: str, timestamp: str) -> str:
        """[WEBHOOK] the header Zalo puts on each post."""
        return "mac=" + hashlib.sha256(f"{self.app_id}{body}{timestamp}{self.oa_secret_key}".encode()).hexdigest()

    async def post(self, event: dict[str, Any], *, signature: str | None = None) -> int:
        """POST an event to the bot's webhook as Zalo does; returns the HTTP status."""
        body = json.dumps(event, ensure_ascii=False)
        headers = {"Content-Type": "application/json",
                   "X-ZEvent-Signature": signature or self.signed(body, str(event.get("timestamp", "")))}
        async with self._http.post(self.webhook_url, data=body.encode(), headers=headers) as response:
            self.webhook_posts.append(response.status)
            return response.status

    # -- the API --------------------------------------------------------------------------------

    async def _answer(self, request: web.Request, work) -> web.Response:
        try:
            if request.path != "/v4/oa/access_token" and request.headers.get("access_token") not in self.access_tokens:
                raise OaError(TOKEN_INVALID)
            data = await work(request)
        except OaError as error:
            if error.code == PARAM_INVALID[0] or error.code in (ZNS_DATA[0], ZNS_TEMPLATE[0], ZNS_PHONE[0]):
                self.rejected.append((request.path, str(error)))
            self.refused[error.code] += 1
            return web.json_response({"error": error.code, "message": error.message})
        except Exception as error:  # a bug in the fake fails the test
            logger.exception("fake OA failed")
            self.rejected.append((request.path, f"fake bug: {error!r}"))
            return web.json_response({"error": -1, "message": "internal"}, status=500)
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _getoa(self, request: web.Request) -> web.Response:
        return await self._answer(request, self._do_getoa)

    async def _do_getoa(self, request: web.Request) -> dict[str, Any]:
        return {"oa_id": "579745863508352884", "name": "Hội nghị Đà Lạt"}

    async def _cs(self, request: web.Request) -> web.Response:
        return await self._answer(request, self._do_cs)

    async def _do_cs(self, request: web.Request) -> dict[str, Any]:
        body = await request.json()
        user = self.users.get(str(((body or {}).get("recipient") or {}).get("user_id")))
        kind = check_message(body.get("message"))
        if user is None or not user.following:
            raise OaError(NOT_FOLLOWER)
        silent = time.time() - user.last_interaction
        if silent > WINDOW_DAYS * 86400:
            raise OaError(NO_INTERACTION)
        message = body["message"]
        image = None
        if kind == "media":
            element = message["attachment"]["payload"]["elements"][0]
            image = self._uploads.get(str(element.get("attachment_id")))
            if image is None:
                raise OaError(PARAM_INVALID, "unknown attachment_id")
        payload = (message.get("attachment") or {}).get("payload") or {}
        user.receive(OaMessage(kind, message.get("text", ""), payload.get("buttons", []), image,
                               paid=silent > FREE_HOURS * 3600))
        return {"message_id": secrets.token_hex(10), "user_id": user.id}

    async def _upload(self, request: web.Request) -> web.Response:
        return await self._answer(request, self._do_upload)

    async def _do_upload(self, request: web.Request) -> dict[str, Any]:
        form = await request.post()
        file = form.get("file")
        data = file.file.read() if hasattr(file, "file") else b""
        if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or len(data) > UPLOAD_LIMIT:
            raise OaError(PARAM_INVALID, "file must be a jpg/png of at most 1 MB")
        attachment = secrets.token_hex(12)
        self._uploads[attachment] = data
        return {"attachment_id": attachment}

    async def _oauth(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id \
                or form.get("grant_type") != "refresh_token":
            self.rejected.append((request.path, "bad app id, secret_key or grant_type"))
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        if form.get("refresh_token") not in self.refresh_tokens:
            self.refused[REFRESH_INVALID[0]] += 1
            return web.json_response({"error": REFRESH_INVALID[0], "error_name": REFRESH_INVALID[1]})
        self.refreshes += 1
        self.access_tokens = {"access-" + secrets.token_hex(8)}
        self.refresh_tokens = {"refresh-" + secrets.token_hex(8)}  # the old one is good once [OAUTH]
        return web.json_response({"access_token": self.access_token, "refresh_token": self.refresh_token,
                                  "expires_in": "90000"})

    async def _zns(self, request: web.Request) -> web.Response:
        return await self._answer(request, self._do_zns)

    async def _do_zns(self, request: web.Request) -> dict[str, Any]:
        body = await request.json()
        if not PHONE.match(str(body.get("phone") or "")):
            raise OaError(ZNS_PHONE)
        params = self.templates.get(str(body.get("template_id")))
        if params is None:
            raise OaError(ZNS_TEMPLATE)
        data = body.get("template_data")
        if not isinstance(data, dict) or set(data) != set(params) or any(
                not 1 <= len(str(data[k])) <= limit for k, limit in params.items()):
            raise OaError(ZNS_DATA, repr(data))
        self.zns.append((body["phone"], OaMessage("zns", template_data=data)))
        return {"msg_id": secrets.token_hex(8), "sent_time": str(int(time.time() * 1000)),
                "quota": {"dailyQuota": "500", "remainingQuota": str(499 - len(self.zns))}}


