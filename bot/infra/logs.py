"""Logging: one line per event, plain or JSON (LOG_FORMAT=json), with the update, the account and the
handler of every update, and no secrets or personal data.

The bot tokens are removed from every line wherever they appear (aiohttp errors can carry the request
URL, which holds the token), and so are phone numbers; names, notes and message texts are never
logged by our code. The secrets that travel in URLs are taken out too (`redact`), keeping the path's
shape: a desk login link (`/desk/login/…`: it logs in for half an hour, an organizer's opens the
exports), a search query (`q=…`: a name or a phone number), a Zalo QR picture's signed name
(`/zalo/qr/…`), a deep link's payload (`start=…`) and a check-in code. The web server's access log
(`AccessLog`) writes its lines so, whatever handler prints them.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from sqlalchemy import inspect

_update: contextvars.ContextVar[int | None] = contextvars.ContextVar("update", default=None)
_account: contextvars.ContextVar[int | None] = contextvars.ContextVar("account", default=None)
_handler: contextvars.ContextVar[str] = contextvars.ContextVar("handler", default="")
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)\d{9}(?!\d)")
log = logging.getLogger("bot.updates")
_IN_URLS = [  # (what, its replacement): the path or parameter stays, its secret value goes
    (re.compile(r"(/desk/login/)[A-Za-z0-9_.~%+-]+"), r"\1…"),
    (re.compile(r"(/zalo/qr/)[A-Za-z0-9_.~%+-]+"), r"\1…"),
    (re.compile(r"([?&](?:q|start|startapp|token)=)[^&\s\"'#;)]+"), r"\1…"),
    (re.compile(r"(?<![A-Za-z0-9_-])t[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])"), "[code]"),  # bot.services.tickets
]


def redact(text: str) -> str:
    """The text less the secrets and searches that travel in URLs (see the module's docstring)."""
    for pattern, replacement in _IN_URLS:
        text = pattern.sub(replacement, text)
    return text


class Redact(logging.Filter):
    """Takes the tokens and phone numbers out of a record, and adds the update's context to it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, "[token]")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[token]")
        record.msg, record.args = _PHONE.sub("[phone]", redact(message)), None
        if record.exc_text:
            record.exc_text = _PHONE.sub("[phone]", redact(record.exc_text))
        record.update_id, record.account_id, record.handler = _update.get(), _account.get(), _handler.get()
        return True


class AccessLog(AbstractAccessLogger):
    """The web server's line per request, in aiohttp's usual shape, with the URL and the Referer redacted."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        version = f"{request.version.major}.{request.version.minor}"
        self.logger.info('%s "%s %s HTTP/%s" %s %s %.3f "%s" "%s"', request.remote or "-", request.method,
                         redact(request.path_qs), version, response.status, response.body_length, time,
                         redact(request.headers.get("Referer", "-")), request.headers.get("User-Agent", "-"))

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                                "message": record.getMessage()}
        for key in ("update_id", "account_id", "handler"):
            if getattr(record, key, None):
                line[key] = getattr(record, key)
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def setup(level: str = "INFO", fmt: str = "plain", secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(Redact(secrets or []))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # we log each update ourselves, once


class UpdateLog(BaseMiddleware):
    """Outer, on every update: the context for every line logged while it is handled, and one line after it."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: Update, data: dict[str, Any]) -> Any:
        tokens = (_update.set(event.update_id), _handler.set(""), _account.set(None))
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            log.info("update %s %s account=%s handler=%s %.0f ms", event.update_id, _kind(event),
                     _account_id(data.get("account")) or "-", _handler.get() or "-",
                     (time.perf_counter() - started) * 1000)
            for var, token in zip((_update, _handler, _account), tokens):
                var.reset(token)


def _kind(update: Update) -> str:
    try:
        return update.event_type
    except Exception:  # an update of a kind this aiogram does not know: logged, never a new error
        return "unknown"


def _account_id(account: Any) -> int | None:
    """The id without touching the database: after a failed handler the object is expired and detached."""
    if account is None:
        return None
    identity = inspect(account).identity
    return identity[0] if identity else None


class HandlerName(BaseMiddleware):
    """Inner, on each router: notes which handler took the update (for UpdateLog's line)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        callback = data.get("handler")
        if callback is not None:
            _handler.set(f"{callback.callback.__module__}.{callback.callback.__qualname__}")
        account = data.get("account")
        if account is not None:
            _account.set(account.id)
        return await handler(event, data)
