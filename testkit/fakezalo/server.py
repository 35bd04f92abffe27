"""FakeZalo: a Zalo Bot Platform API server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import Counter, deque
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from testkit.fakebot.sync import Signal

from .models import ApiError, Call, InvalidRequest, Rejection, ZaloMessage
from .rules import METHODS, check
from .user import FakeZaloUser

logger = logging.getLogger(__name__)
_PICTURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


@dataclass
class _Fault:
    remaining: int
    status: int  # 0: drop the connection without an answer
    methods: frozenset[str] | None


class FakeZalo:
    def __init__(self, *, token: str = "987654321:zalo-TEST-secret-token", account_name: str = "Hội nghị Đà Lạt",
                 wrap_webhook: bool = True) -> None:
        self.token, self.account_name = token, account_name
        self.wrap_webhook = wrap_webhook  # post webhook bodies as {ok, result} (else bare)
        self.base_url = ""
        self.users: dict[str, FakeZaloUser] = {}
        self.calls: list[Call] = []
        self.rejected: list[Rejection] = []
        self.sent: list[ZaloMessage] = []
        self.stats: Counter[str] = Counter()  # answers by HTTP status: stats["429"]
        self.webhook: dict[str, Any] | None = None
        self.webhook_posts: list[int] = []  # HTTP status of each post to the bot's webhook
        self._queue: deque[dict[str, Any]] = deque()
        self._signal = Signal()
        self._images: dict[str, bytes] = {}
        self._fault: _Fault | None = None
        self._posting: set[asyncio.Task] = set()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._closing = False

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/images/{name}", self._handle_image)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        self._closing = True
        self._signal.notify()
        if self._posting:
            await asyncio.wait(list(self._posting), timeout=5)
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- test-side API ------------------------------------------------------------------------

    def user(self, display_name: str = "Người dùng Zalo", user_id: str | None = None) -> FakeZaloUser:
        user_id = user_id or secrets.token_hex(10)  # Zalo ids: 20 hex characters
        if user_id not in self.users:
            self.users[user_id] = FakeZaloUser(self, user_id, display_name)
        return self.users[user_id]

    def fail_next(self, n: int = 1, *, status: int = 500, methods: Collection[str] | None = None) -> None:
        """Answer the next n calls of `methods` (default: all but getUpdates) with `status`; 0 drops the
        connection without answering."""
        self._fault = _Fault(n, status, frozenset(methods) if methods else None)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def host_image(self, data: bytes) -> str:
        name = f"{secrets.token_hex(8)}.png"
        self._images[name] = data
        return f"{self.base_url}/images/{name}"

    def deliver(self, event: dict[str, Any]) -> None:
        """A user's event: to the webhook if one is set (as Zalo does), else to getUpdates."""
        if self.webhook is not None:
            task = asyncio.get_running_loop().create_task(self.post_webhook(event, secret=self.webhook["secret_token"]))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
        else:
            self._queue.append(event)
            self._signal.notify()

    async def post_webhook(self, event: dict[str, Any] | Any, *, secret: str | None, url: str | None = None,
                           wrapped: bool | None = None) -> int:
        """POST an update to the bot's webhook as Zalo would; returns the HTTP status."""
        url = url or (self.webhook or {}).get("url")
        wrapped = self.wrap_webhook if wrapped is None else wrapped
        body = {"ok": True, "result": event} if wrapped else event
        headers = {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with self._http.post(url, json=body, headers=headers) as response:
            self.webhook_posts.append(response.status)
            return response.status

    # -- HTTP -----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method not in METHODS:
                raise InvalidRequest(f"unknown method {method}")
            params = await _read_params(request)
            if self._inject_fault(method, request):
                return web.Response(status=500)  # never read: the connection is gone
            check(method, params)
            result = await getattr(self, f"_api_{method}")(params)
        except ApiError as error:
            if isinstance(error, InvalidRequest):
                self.rejected.append(Rejection(method, params, error.description))
            status, body = error.status, error.body()
        except Exception as error:  # a bug in the fake must fail the test, not pass unseen
            logger.exception("fake Zalo failed on %s", method)
            self.rejected.append(Rejection(method, params, f"fake bug: {error!r}"))
            status, body = 500, ApiError(500, "Internal Server Error").body()
        else:
            status, body = 200, {"ok": True, "result": result}
        self.calls.append(Call(method, params, status))
        self.stats[str(status)] += 1
        return web.json_response(body, status=status)

    async def _handle_image(self, request: web.Request) -> web.Response:
        data = self._images.get(request.match_info["name"])
        return web.Response(status=404) if data is None else web.Response(body=data, content_type="image/png")

    def _inject_fault(self, method: str, request: web.Request) -> bool:
        fault = self._fault
        if not fault or not (method in fault.methods if fault.methods else method != "getUpdates"):
            return False
        fault.remaining -= 1
        if fault.remaining <= 0:
            self._fault = None
        if fault.status == 0:
            request.transport.close()
            self.stats["dropped"] += 1
            return True
        raise ApiError(fault.status, "Too many requests" if fault.status == 429 else "Internal Server Error")

    # -- methods ----------------------------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.token.split(":")[0], "account_name": self.account_name, "account_type": "BASIC",
                "can_join_groups": False}

    async def _api_getUpdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is not None:
            raise InvalidRequest("getUpdates while a webhook is set (deleteWebhook first)")
        timeout = int(params.get("timeout", 30))
        await self._signal.wait_for(lambda: self._queue or self._closing, timeout)
        if not self._queue:
            raise ApiError(408, "Request timeout")
        return self._queue.popleft()  # one update, not a list; taken once, no offset to confirm

    async def _api_setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = {"url": params["url"], "secret_token": params["secret_token"], "updated_at": _ms()}
        return {"url": params["url"], "updated_at": self.webhook["updated_at"]}

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = None
        return {"url": "", "updated_at": _ms()}

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "updated_at": (self.webhook or {}).get("updated_at", 0)}

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._deliver_to(self._recipient(params), ZaloMessage(params["chat_id"], _id(), "sendMessage",
                                                                     params["text"]))

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._recipient(params)
        try:  # Zalo fetches the picture: the URL must serve one
            async with self._http.get(params["photo"]) as response:
                data = await response.read() if response.status == 200 else b""
        except aiohttp.ClientError as exc:
            raise InvalidRequest(f"photo URL could not be fetched: {exc}") from None
        if not data.startswith(_PICTURES):
            raise InvalidRequest(f"photo URL did not serve a PNG or JPEG picture (HTTP {response.status})")
        message = ZaloMessage(params["chat_id"], _id(), "sendPhoto", params.get("caption", ""), params["photo"], data)
        return self._deliver_to(user, message)

    async def _api_sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._deliver_to(self._recipient(params), ZaloMessage(params["chat_id"], _id(), "sendSticker"))

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._recipient(params)
        return True

    def _recipient(self, params: dict[str, Any]) -> FakeZaloUser:
        user = self.users.get(params["chat_id"])
        if user is None or not user.started:
            raise ApiError(400, "The user has not interacted with the bot")
        if user.blocked:
            raise ApiError(403, "The user has blocked the bot")
        return user

    def _deliver_to(self, user: FakeZaloUser, message: ZaloMessage) -> dict[str, Any]:
        self.sent.append(message)
        user.receive(message)
        return {"message_id": message.message_id, "date": _ms()}


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus a JSON, form or multipart body, as Zalo accepts all of them."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = json.loads(await request.text())
        except ValueError:
            raise InvalidRequest("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise InvalidRequest("JSON body must be an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.update(await request.post())
    return params


def _id() -> str:
    return secrets.token_hex(10)


def _ms() -> int:
    return int(time.time() * 1000)

