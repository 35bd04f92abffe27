"""Telegram's side of a webhook: every update is POSTed to the bot's URL until the bot answers 2xx.

What Telegram's Bot API server does (its WebhookActor), and so this fake:
- up to `max_connections` (default 40) requests at once;
- one update at a time per chat, in order: a chat's next update waits until the previous one was
  acknowledged (other chats go on meanwhile);
- an answer other than 2xx, a refused connection or no answer within `timeout` is a failure: the
  same update is sent again after a back-off that doubles per failure (Telegram's starts near 1 s and
  grows to a minute; here `backoff` = (first, most) seconds, small by default so tests stay quick);
  an update is never dropped;
- `X-Telegram-Bot-Api-Secret-Token` carries the secret_token given to setWebhook.
While a webhook is set, getUpdates answers 409 Conflict (testkit/fakebot/methods.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .updates import UpdateQueue

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Attempt:
    """One POST of one update: when, to which attempt number, and how it ended."""

    update_id: int
    chat_id: int
    number: int  # 1 for the first delivery, 2 for the first retry, ...
    started: float
    ended: float = 0.0
    status: int | None = None  # HTTP status, None for a connection error or time-out
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Chat:
    pending: deque[int] = field(default_factory=deque)  # update ids, oldest first
    busy: bool = False  # an update of this chat is in flight or waiting out its back-off
    failures: int = 0  # consecutive failures of the update at its head


class WebhookDelivery:
    def __init__(
        self, queue: UpdateQueue, url: str, secret_token: str | None = None, *,
        max_connections: int = 40, timeout: float = 60.0, backoff: tuple[float, float] = (0.5, 8.0),
    ) -> None:
        self.queue = queue
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.timeout = timeout
        self.backoff = backoff
        self.attempts: list[Attempt] = []
        self.stats: Counter[str] = Counter()  # "ok", "failed", and by status: "200", "502", "error"
        self.last_error: tuple[float, str] | None = None  # (unix time, message) as getWebhookInfo shows
        self._chats: dict[int, _Chat] = {}
        self._updates: dict[int, dict[str, Any]] = {}
        self._ready: deque[int] = deque()  # chats whose head update may go now
        self._wake = asyncio.Event()
        self._workers: list[asyncio.Task] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._session: aiohttp.ClientSession | None = None
        self.in_flight = 0

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=0),
        )
        for update, chat_id in self.queue.items():  # what getUpdates had not handed out yet
            self._add(update, chat_id)
        self.queue.listener = self._add
        self._resize()

    async def stop(self) -> None:
        """Stop sending: requests in flight are abandoned and their updates stay pending (for getUpdates
        after deleteWebhook, or a new webhook)."""
        if self.queue.listener == self._add:
            self.queue.listener = None
        for timer in self._timers:
            timer.cancel()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def reconfigure(self, url: str, secret_token: str | None, max_connections: int) -> None:
        """setWebhook again while one is set: requests in flight finish, the next go by the new settings."""
        self.url, self.secret_token = url, secret_token
        self.max_connections = max_connections
        self._resize()

    # -- state for tests and getWebhookInfo ------------------------------------------------------

    @property
    def pending(self) -> int:
        return sum(len(chat.pending) for chat in self._chats.values())

    def attempts_of(self, update_id: int) -> list[Attempt]:
        return [a for a in self.attempts if a.update_id == update_id]

    @property
    def redelivered(self) -> set[int]:
        """Updates that needed more than one POST."""
        return {a.update_id for a in self.attempts if a.number > 1}

    # -- internals -------------------------------------------------------------------------------

    def _resize(self) -> None:
        self._workers = [w for w in self._workers if not w.done()]
        while len(self._workers) < self.max_connections:
            self._workers.append(asyncio.create_task(self._worker(), name="fake-webhook"))
        while len(self._workers) > self.max_connections:
            self._workers.pop().cancel()

    def _add(self, update: dict[str, Any], chat_id: int) -> None:
        self._updates[update["update_id"]] = update
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.pending.append(update["update_id"])
        if not chat.busy and len(chat.pending) == 1:
            self._make_ready(chat_id)

    def _make_ready(self, chat_id: int) -> None:
        self._chats[chat_id].busy = True
        self._ready.append(chat_id)
        self._wake.set()

    async def _worker(self) -> None:
        while True:
            while not self._ready:
                self._wake.clear()
                await self._wake.wait()
            chat_id = self._ready.popleft()
            chat = self._chats[chat_id]
            update_id = chat.pending[0]
            update = self._updates[update_id]
            if not self.queue.is_pending(update_id) or not self.queue.wanted(update):
                self._done(chat_id, chat)  # confirmed elsewhere, or of a type the bot did not ask for
                continue
            self.in_flight += 1
            try:
                ok = await self._post(update, chat_id, chat.failures + 1)
            finally:
                self.in_flight -= 1
            if ok:
                self.queue.confirm(update_id)
                self._done(chat_id, chat)
            else:
                chat.failures += 1
                first, most = self.backoff
                delay = min(most, first * 2 ** (chat.failures - 1))
                timer = asyncio.get_running_loop().call_later(delay, self._retry, chat_id)
                self._timers.add(timer)

    def _retry(self, chat_id: int) -> None:
        self._timers = {t for t in self._timers if not t.cancelled() and t.when() > time.monotonic()}
        self._ready.append(chat_id)
        self._wake.set()

    def _done(self, chat_id: int, chat: _Chat) -> None:
        self._updates.pop(chat.pending.popleft(), None)
        chat.failures = 0
        if chat.pending:
            self._ready.append(chat_id)
            self._wake.set()
        else:
            chat.busy = False

    async def _post(self, update: dict[str, Any], chat_id: int, number: int) -> bool:
        now = time.monotonic()
        self.queue.mark_delivered(update, chat_id, now)
        attempt = Attempt(update["update_id"], chat_id, number, now)
        self.attempts.append(attempt)
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        try:
            async with self._session.post(self.url, json=update, headers=headers) as response:
                attempt.status = response.status
                body = await response.read()
                if not attempt.ok:
                    attempt.error = f"Wrong response from the webhook: {response.status} {response.reason}"
                elif body.strip() not in (b"", b"{}"):
                    # a method call in the answer: the fake does not carry those out; our bot never sends one
                    logger.warning("webhook answer with a method call ignored: %r", body[:200])
                    self.stats["reply_ignored"] += 1
        except TimeoutError:
            attempt.error = "Read timeout expired"
        except aiohttp.ClientError as exc:
            attempt.error = f"Connection failed: {exc.__class__.__name__}"
        attempt.ended = time.monotonic()
        self.stats[str(attempt.status or "error")] += 1
        self.stats["ok" if attempt.ok else "failed"] += 1
        if not attempt.ok:
            self.last_error = (time.time(), attempt.error)
        return attempt.ok
