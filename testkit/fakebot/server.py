"""FakeTelegram: a Bot API server on 127.0.0.1 for the real aiogram polling loop."""

from __future__ import annotations

import contextvars
import itertools
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, InvalidRequest, bad_request
from .files import FileStore
from .methods import BotApiMethods, RequestInfo
from .models import Call, Rejection, UploadedFile
from .ratelimit import RateLimiter
from .spec import load_spec
from .sync import Signal
from .updates import UpdateQueue
from .webhook import WebhookDelivery
from .user import FakeUser
from .validate import check_params, decode_params

logger = logging.getLogger(__name__)
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_MESSAGE_RESULTS = {"Message", "Array of Message", "MessageId", "Array of MessageId"}
_MAX_UPLOAD = 64 * 2**20
# the HTTP request being answered, for hooks such as before_send that need to know who is calling
# (its peer address tells which bot process sent it: testkit/cluster.py)
CURRENT_REQUEST: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar("request", default=None)


@dataclass
class _Fault:
    remaining: int
    status: int
    description: str
    methods: frozenset[str] | None


class FakeTelegram(BotApiMethods):
    def __init__(
        self, *, rate_limits: bool = False, token: str = "123456:TEST-token",
        bot_username: str = "dalat_delegate_bot", bot_first_name: str = "Dalat Delegate Bot",
        strict_html: bool = True,
    ) -> None:
        """strict_html=False accepts a bare '&' in HTML text, exactly as Telegram does."""
        self.spec = load_spec()
        self.token = token
        self.strict_html = strict_html
        self.bot_user = {
            "id": int(token.split(":", 1)[0]), "is_bot": True,
            "first_name": bot_first_name, "username": bot_username,
        }
        self.base_url = ""
        self.users: dict[int, FakeUser] = {}
        self.updates = UpdateQueue()
        self.files = FileStore()
        self.calls: list[Call] = []
        self.rejected: list[Rejection] = []
        self.stats: Counter[str] = Counter()  # answers by HTTP status: stats["429"]
        self.commands: list[dict[str, Any]] = []  # parameters of every setMyCommands call
        self._command_menus: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None  # setWebhook's parameters while one is set
        self.delivery: WebhookDelivery | None = None  # POSTs the updates while a webhook is set
        self.past_deliveries: list[WebhookDelivery] = []
        self.webhook_timeout = 60.0  # seconds Telegram waits for the bot's answer to a webhook POST
        self.webhook_backoff = (0.5, 8.0)  # first and longest wait before a failed update is sent again
        self._callback_queries: dict[str, tuple[FakeUser, str]] = {}
        self._query_ids = itertools.count(1)
        self._limiter: RateLimiter | None = None
        self._fault: _Fault | None = None
        self._outage_until = 0.0
        self._outage_mode = "500"
        self._outage_signal = Signal()
        self._runner: web.AppRunner | None = None
        # tests may look at (and hold) every send before Telegram would accept it, e.g. to kill the
        # bot at a precise moment; a send the hook fails is not delivered
        self.before_send: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None
        if rate_limits:
            self.set_rate_limits()
        methods = self.spec.methods
        senders = {
            name for name, method in methods.items()
            if name.startswith(("send", "copy", "forward"))
            and _MESSAGE_RESULTS & set(method["returns"])
        }
        self._single_senders = {n for n in senders if methods[n]["returns"] == ["Message"]}
        self._blockable = senders | {"sendChatAction"}
        self._rate_limited = senders | {n for n in methods if n.startswith("editMessage")}

    # -- lifecycle -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away must not
        # linger and swallow updates; shutdown_timeout: tests stop quickly.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.base_url = f"http://{host}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        self.updates.release_waiters()
        if self.delivery is not None:
            await self.delivery.stop()
        self._outage_until = 0.0
        self._outage_signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- test-side API -------------------------------------------------------------

    def user(
        self, user_id: int, first_name: str | None = None, *, last_name: str | None = None,
        username: str | None = None, language_code: str | None = None, started: bool = False,
    ) -> FakeUser:
        """The private-chat user with this id (created on first call).

        started=True: the user wrote to the bot before the test began, so the bot
        can message them right away; otherwise that takes their first update.
        """
        if user_id not in self.users:
            self.users[user_id] = FakeUser(
                self, user_id, first_name or f"User{user_id}", last_name, username,
                language_code, started,
            )
        return self.users[user_id]

    @property
    def updates_delivered_at(self) -> dict[int, float]:
        """update_id -> time.monotonic() when getUpdates first handed it to the bot, or the webhook
        first POSTed it."""
        return self.updates.delivered_at

    @property
    def webhook_attempts(self) -> list:
        """Every webhook POST (testkit/fakebot/webhook.py Attempt), across setWebhook/deleteWebhook."""
        deliveries = [*self.past_deliveries, *([self.delivery] if self.delivery else [])]
        return [attempt for delivery in deliveries for attempt in delivery.attempts]

    @property
    def updates_queued_at(self) -> dict[int, float]:
        """update_id -> time.monotonic() when the test pushed it."""
        return self.updates.queued_at

    @property
    def unanswered_callback_queries(self) -> list[tuple[int, str]]:
        """(user id, callback_data) of presses the bot has not answered yet."""
        return [(user.id, data) for user, data in self._callback_queries.values()]

    def command_menu(self, language_code: str = "", scope: str = "default") -> list[dict] | None:
        """Commands currently set for a scope ("default", "chat:1001", ...) and language."""
        return self._command_menus.get((scope, language_code))

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def set_rate_limits(
        self, enabled: bool = True, *, global_per_s: float = 30, per_chat_per_s: float = 1,
        per_chat_burst: int = 3,
    ) -> None:
        """Flood control for send*, copy*, forward* and editMessage* (off by default)."""
        self._limiter = (
            RateLimiter(global_per_s, per_chat_per_s, per_chat_burst) if enabled else None
        )

    def fail_next(
        self, n: int = 1, *, status: int = 500, description: str = "Internal Server Error",
        methods: Collection[str] | None = None,
    ) -> None:
        """Answer the next n calls of `methods` with an error.

        By default every method except getUpdates counts, so that the polling
        loop does not use up a fault meant for the bot's own calls.
        """
        self._fault = _Fault(n, status, description, frozenset(methods) if methods else None)

    def set_outage(self, seconds: float, mode: str = "500") -> None:
        """For `seconds`, answer every call with 500, or with mode="timeout" hold it
        unanswered until the outage ends (then it is served normally)."""
        if mode not in ("500", "timeout"):
            raise ValueError(f"unknown outage mode {mode!r}")
        self._outage_until = time.monotonic() + seconds
        self._outage_mode = mode
        self._outage_signal.notify()

    # -- used by FakeUser and BotApiMethods --------------------------------------

    def chat(self, chat_id: Any) -> FakeUser:
        user = self.users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None or not user.started:
            raise bad_request("chat not found")
        return user

    def register_callback_query(self, user: FakeUser, data: str) -> str:
        query_id = str(next(self._query_ids))
        self._callback_queries[query_id] = (user, data)
        return query_id

    # -- HTTP ----------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        received_at = time.monotonic()
        CURRENT_REQUEST.set(request)
        name = request.match_info["method"]
        method = self.spec.method_name(name)
        params: dict[str, Any] = {}
        try:
            if not _TOKEN.fullmatch(request.match_info["token"]):
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            params, uploads = await _read_params(request)
            await self._inject_faults(method)
            params = decode_params(self.spec, method, params, uploads)
            check_params(self.spec, method, params, strict_html=self.strict_html)
            self._admit(method, params, received_at)
            if self.before_send is not None and method in self._rate_limited:
                await self.before_send(method, params)
            result = await self._dispatch(method, params, RequestInfo(received_at, uploads))
        except ApiError as error:
            if isinstance(error, InvalidRequest):
                self.rejected.append(Rejection(method or name, params, error.description))
            status, body = error.status, error.body()
        except Exception as error:
            # A bug in the fake: answer like Telegram would on its own failure, and
            # make the `fake.rejected == []` check fail rather than let it pass unseen.
            logger.exception("fake Telegram failed on %s", method)
            self.rejected.append(Rejection(method or name, params, f"fake bug: {error!r}"))
            status, body = 500, ApiError(500, "Internal Server Error").body()
        else:
            status, body = 200, {"ok": True, "result": result}
        self.calls.append(Call(method or name, params, received_at, status))
        self.stats[str(status)] += 1
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.files.by_path(request.match_info["path"])
        if stored is None or stored.data is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _inject_faults(self, method: str) -> None:
        now = time.monotonic()
        if now < self._outage_until:
            if self._outage_mode == "500":
                raise ApiError(500, "Internal Server Error")
            await self._outage_signal.wait_for(
                lambda: time.monotonic() >= self._outage_until, self._outage_until - now
            )
        fault = self._fault
        if fault and (method in fault.methods if fault.methods else method != "getUpdates"):
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._fault = None
            raise ApiError(fault.status, fault.description)

    def _admit(self, method: str, params: dict[str, Any], now: float) -> None:
        """Chat existence, blocking and flood control, in Telegram's order."""
        for key in ("chat_id", "from_chat_id"):
            if key in params:
                self.chat(params[key])
        target = self.users.get(params["chat_id"]) if "chat_id" in params else None
        if target is not None and target.blocked and method in self._blockable:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self._limiter is not None and method in self._rate_limited:
            retry_after = self._limiter.acquire(target.id if target else None, now)
            if retry_after is not None:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )

    async def _dispatch(self, method: str, params: dict[str, Any], request: RequestInfo) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is not None:
            return await handler(params, request)
        if method in self._single_senders:
            return await self._send(method, params, request)
        returns = self.spec.methods[method]["returns"]
        return True if {"Boolean", "True"} & set(returns) else self.spec.minimal(returns[0])


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Query string plus body: urlencoded, JSON or multipart (files by part name)."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            if part.filename is not None:
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                data = bytes(await part.read())
                uploads[part.name] = UploadedFile(part.filename, content_type, data)
            else:
                params[part.name] = await part.text()
    elif request.content_type == "application/x-www-form-urlencoded":
        params.update(await request.post())
    elif request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise InvalidRequest("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise InvalidRequest("JSON body must be an object")
        params.update(body)
    return params, uploads
