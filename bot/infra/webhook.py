"""Telegram's webhook with several bot processes: an update is acknowledged only once it was handled.

Telegram POSTs each update until it gets a 2xx answer. aiogram's stock handler answers at once and handles
the update afterwards, so a process that dies (SIGKILL, OOM, a deploy) loses the updates it was handling:
the delegate's answer vanishes. Here the answer waits for the handler, so Telegram sends an update that was
in flight again, through the proxy, to a process that is alive. Handling an update twice is then possible,
and these keep it harmless:

- the journal (Redis with REDIS_URL, shared by the processes; else this process's memory) records each
  update: running, failed, done. A redelivered update that is done is acknowledged without handling it
  again; one still being handled (the process handling it keeps its running key alive) is answered 503
  (Telegram tries later); one whose process died, or that failed on a passing fault, is handled again;
- the conversation (FSM state and data, in the database: bot/infra/storage.py) is written once, when the update
  is done, with the update's id: a second attempt after a process died mid-update starts from the state the
  first found; one whose first attempt was done (the process died before Telegram had its answer) is
  recognised by that id and acknowledged without handling it again. Before the handler runs, the state is
  also saved with the journal entry, for a second attempt in the same process (or any, with Redis);
- a handler that raises before anything reached the person or the database has its conversation state put
  back at once (in polling mode too), so the person's next message is read by the same step. If the fault
  is a passing one (database restarting, Redis away, Telegram down beyond the sender's retries:
  bot.infra.health.is_passing), the webhook answers 500 and Telegram sends the update again later, up to
  MAX_ATTEMPTS; otherwise the person is told to send it again. The same holds for a webhook delivery that
  failed on a passing fault after its reply had begun or after a commit (a database restart cut the update's
  session): its conversation is put back and it is handled again, so a message may come twice, but the
  person is never left with half a reply (its commits are safe twice, see below). In polling mode a handler
  that raises after its reply had begun, or after a commit, is left as it is (no second attempt, no
  notice): undoing it would contradict what was stored or what the person saw.

A process killed mid-handler is the one case where a second attempt may follow a commit (nobody saw it).
The commits a review's ✅ makes are idempotent for that reason: the registration finds the record it stored
(bot.services.registration.stored_already); a broadcast, an agenda change, an import find their key
taken (bot/services/confirmations.py) and only say that it was done.
"""
from __future__ import annotations

import asyncio
import contextvars
import copy
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import ErrorEvent, TelegramObject, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from bot.infra.health import is_passing
from bot.infra.storage import SCOPE, SQLStorage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # deliveries of one update that failed on a passing fault, before the person is told
JOURNAL_TTL = 3600  # seconds an update's entry is kept (Telegram gives up on an update long before)
RUNNING_TTL_MS = 6000  # an update left running by a dead process (or a lost fail()) is taken over within this
HEARTBEAT = 2.0
PREFIX = "delegate-bot:webhook"

NEW, DONE, BUSY, RETRY = "new", "done", "busy", "retry"

FAULT_NOTICE = {
    # not in the gettext catalogues yet (locales/ belongs to another change): the two languages here
    "vi": "⚠️ Xin lỗi, hệ thống vừa gặp sự cố nên chưa xử lý được tin nhắn vừa rồi. Vui lòng gửi lại sau ít phút.",
    "en": "⚠️ Sorry, a fault on our side kept us from handling your last message. Please send it again in a "
          "minute.",
}


@dataclass
class WebhookDelivery:
    """The webhook delivery being handled in this task."""

    update_id: int
    attempt: int
    journal: Journal

    @property
    def again(self) -> bool:
        return self.attempt > 1

    @property
    def will_retry(self) -> bool:
        return self.attempt < MAX_ATTEMPTS


CURRENT: contextvars.ContextVar[WebhookDelivery | None] = contextvars.ContextVar("webhook_delivery", default=None)


# --- the journal ---------------------------------------------------------------------------------------------

class Journal:
    """Which updates were handled; the conversation state each one started from."""

    def __init__(self) -> None:
        self.owner = secrets.token_hex(8)  # this process

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def begin(self, update_id: int) -> tuple[str, int]:
        raise NotImplementedError

    async def keep_snapshot(self, update_id: int, snapshot: dict) -> None:
        """The conversation state before the first attempt (later calls keep the first)."""
        raise NotImplementedError

    async def snapshot(self, update_id: int) -> dict | None:
        raise NotImplementedError

    async def finish(self, update_id: int) -> None:
        raise NotImplementedError

    async def fail(self, update_id: int) -> None:
        raise NotImplementedError


JSON_LEAVES = (str, int, float, bool, type(None))


def copied(value: Any) -> Any:
    """A deep copy of a conversation's data, which is JSON-shaped (dicts, lists, text, numbers): three times
    quicker than copy.deepcopy, which every update paid for its checkpoint; anything else is deepcopied."""
    kind = type(value)
    if kind is dict:
        return {key: copied(item) for key, item in value.items()}
    if kind is list:
        return [copied(item) for item in value]
    if kind in JSON_LEAVES:
        return value
    return copy.deepcopy(value)


class MemoryJournal(Journal):
    """Without Redis, each process its own: a running update here is this process's own, so it is busy."""

    def __init__(self, size: int = 100_000) -> None:
        super().__init__()
        self.size = size
        self.entries: OrderedDict[int, dict] = OrderedDict()

    async def begin(self, update_id: int) -> tuple[str, int]:
        entry = self.entries.get(update_id)
        if entry is None:
            self.entries[update_id] = {"status": "running", "attempts": 1}
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
            return NEW, 1
        if entry["status"] == "done":
            return DONE, entry["attempts"]
        if entry["status"] == "running":
            return BUSY, entry["attempts"]
        entry["status"], entry["attempts"] = "running", entry["attempts"] + 1
        return RETRY, entry["attempts"]

    async def keep_snapshot(self, update_id: int, snapshot: dict) -> None:
        self.entries[update_id].setdefault("fsm", copied(snapshot))

    async def snapshot(self, update_id: int) -> dict | None:
        return copied(self.entries.get(update_id, {}).get("fsm"))

    async def finish(self, update_id: int) -> None:
        self.entries[update_id] = {"status": "done", "attempts": self.entries[update_id]["attempts"]}

    async def fail(self, update_id: int) -> None:
        self.entries[update_id]["status"] = "failed"


_BEGIN = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  redis.call('HSET', KEYS[1], 'status', 'running', 'attempts', 1)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return {'new', 1}
end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if status == 'done' then return {'done', attempts} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'busy', attempts} end
attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'status', 'running')
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {'retry', attempts}
"""


class RedisJournal(Journal):
    """Shared by the bot processes. While a process handles an update it keeps the update's running key alive;
    when the process dies, or its attempt ended without the journal hearing of it (Redis was away just then),
    the key runs out and the next delivery is handled again, by whichever process Telegram reaches."""

    def __init__(self, url: str) -> None:
        super().__init__()
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self._begin = self.redis.register_script(_BEGIN)
        self._heartbeat: asyncio.Task | None = None
        self.in_progress: set[int] = set()

    def key(self, update_id: int) -> str:
        return f"{PREFIX}:update:{update_id}"

    def running_key(self, update_id: int) -> str:
        return f"{PREFIX}:running:{update_id}"

    async def start(self) -> None:
        self._heartbeat = asyncio.create_task(self._beat(), name="webhook-journal-heartbeat")

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        await self.redis.aclose()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            if not self.in_progress:
                continue
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for update_id in self.in_progress:
                        pipe.pexpire(self.running_key(update_id), RUNNING_TTL_MS)
                    await pipe.execute()
            except Exception as exc:
                log.warning("webhook journal: heartbeat failed (%s)", exc)

    async def begin(self, update_id: int) -> tuple[str, int]:
        verdict, attempts = await self._begin(keys=[self.key(update_id), self.running_key(update_id)],
                                              args=[self.owner, RUNNING_TTL_MS, JOURNAL_TTL])
        verdict = verdict.decode() if isinstance(verdict, bytes) else verdict
        if verdict in (NEW, RETRY):
            self.in_progress.add(update_id)
        return verdict, int(attempts)

    async def keep_snapshot(self, update_id: int, snapshot: dict) -> None:
        await self.redis.hsetnx(self.key(update_id), "fsm", json.dumps(snapshot, ensure_ascii=False))

    async def snapshot(self, update_id: int) -> dict | None:
        raw = await self.redis.hget(self.key(update_id), "fsm")
        return json.loads(raw) if raw else None

    async def finish(self, update_id: int) -> None:
        self.in_progress.discard(update_id)  # whatever Redis says next: this process no longer holds it
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(update_id), "status", "done")
            pipe.hdel(self.key(update_id), "fsm")
            pipe.expire(self.key(update_id), JOURNAL_TTL)
            pipe.delete(self.running_key(update_id))
            await pipe.execute()

    async def fail(self, update_id: int) -> None:
        self.in_progress.discard(update_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key(update_id), "status", "failed")
            pipe.delete(self.running_key(update_id))
            await pipe.execute()


def create_journal(redis_url: str) -> Journal:
    return RedisJournal(redis_url) if redis_url else MemoryJournal()


# --- the conversation state around each update ------------------------------------------------------------------

@dataclass
class Progress:
    """What handling one update has done so far that cannot be taken back: messages sent, a commit."""

    sent: int = 0
    committed: bool = False

    @property
    def untouched(self) -> bool:
        return not self.sent and not self.committed


PROGRESS: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("update_progress", default=None)


def note_sent() -> None:
    """Called by the sender (bot/infra/sender.py) after each message that reached Telegram."""
    progress = PROGRESS.get()
    if progress is not None:
        progress.sent += 1


@sqlalchemy_event.listens_for(Session, "after_commit")
def _note_commit(_session: Session) -> None:
    progress = PROGRESS.get()
    if progress is not None:
        progress.committed = True


class ConversationCheckpoint(BaseMiddleware):
    """Saves the conversation state before the handler. When the handler raises before anything reached the
    person or the database, the state is put back, so their next message is read by the same step; after that
    point it is left as the handler left it (putting it back would contradict what they saw, or what was
    stored). Before a webhook delivery's second attempt, the state saved at the first is put back (see the
    module's doc)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        progress = data.setdefault("progress", Progress())
        token = PROGRESS.set(progress)
        try:
            state = data.get("state")
            if state is None:
                return await handler(event, data)
            delivery = CURRENT.get()
            if await _applied_before(event, data, delivery):
                return None
            if delivery is not None and delivery.again:
                saved = await delivery.journal.snapshot(delivery.update_id)
                if saved is not None:
                    await _restore(state, saved)
                    data["raw_state"] = saved["state"]
                    log.info("update %s, attempt %d: conversation state put back to %s", delivery.update_id,
                             delivery.attempt, saved["state"])
            snapshot = {"state": data.get("raw_state"), "data": copied(await state.get_data())}
            if delivery is not None:
                await delivery.journal.keep_snapshot(delivery.update_id, snapshot)
            try:
                return await handler(event, data)
            except Exception as exc:
                if progress.untouched or retried_clean(exc, delivery, progress):
                    if (scope := SCOPE.get()) is not None:
                        scope.update_id = None  # not applied: a second delivery is handled again
                    try:
                        await _restore(state, snapshot)
                    except Exception as exc:  # the storage itself is away: nothing more to do here
                        log.warning("conversation state not put back (%s)", exc)
                raise
        finally:
            PROGRESS.reset(token)


def retried_clean(exc: BaseException, delivery: WebhookDelivery | None, progress: Progress) -> bool:
    """A webhook delivery that failed on a passing fault: its conversation is put back and Telegram sends it
    again (a message it had sent may then come twice rather than the next one never). Its commits are safe to
    make twice: they must be already, for the second delivery after a process was killed (module doc)."""
    return delivery is not None and delivery.will_retry and is_passing(exc)


async def _applied_before(event: TelegramObject, data: dict[str, Any], delivery: WebhookDelivery | None) -> bool:
    """Tells the conversation store which update this is (its row records the last update that changed it), and
    whether a webhook delivery was applied already: a process that wrote the conversation and died before
    Telegram had its answer. Then it is not handled again."""
    scope, storage = SCOPE.get(), data.get("fsm_storage")
    if scope is None or not isinstance(storage, SQLStorage):
        return False
    scope.update_id = getattr(event, "update_id", None)
    if delivery is None or await storage.applied(data["state"].key) != delivery.update_id:
        return False
    log.info("update %s was applied before (by a process that stopped): not handled again", delivery.update_id)
    return True


async def _restore(state, snapshot: dict) -> None:
    await state.set_state(snapshot["state"])
    await state.set_data(snapshot["data"])


def _chat_and_language(update: Update) -> tuple[int | None, str]:
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    user = getattr(event, "from_user", None)
    if chat is None or chat.type != "private":
        return None, "vi"
    code = (user.language_code or "") if user else ""
    return chat.id, "en" if code.startswith("en") else "vi"


async def tell_fault(bot: Bot, update: Update) -> None:
    """Tell the person that their last message was not handled, so that they send it again."""
    chat_id, lang = _chat_and_language(update)
    if chat_id is None:
        return
    try:
        await bot.send_message(chat_id, FAULT_NOTICE[lang])
    except Exception as exc:  # Telegram itself is away: nothing more to do
        log.warning("fault notice to %s not sent (%s)", chat_id, exc)


async def on_error(event: ErrorEvent, bot: Bot, progress: Progress | None = None) -> Any:
    """Polling (and Zalo): an update is not delivered again, so after a passing fault the person is told at once,
    unless they already got a reply (a bug is left to the logs, as before). A webhook delivery's error goes on
    to WebhookHandler, which decides between another attempt and telling the person. The error is raised on
    either way."""
    from aiogram.dispatcher.event.bases import UNHANDLED

    if CURRENT.get() is None and is_passing(event.exception) and not (progress and progress.sent):
        await tell_fault(bot, event.update)
    return UNHANDLED


def install(dispatcher: Dispatcher) -> None:
    """The conversation checkpoint and the error notice, in every mode (polling, webhook, Zalo)."""
    dispatcher.update.outer_middleware(ConversationCheckpoint())
    dispatcher.errors.register(on_error)


# --- the webhook endpoint ----------------------------------------------------------------------------------------

class WebhookHandler(SimpleRequestHandler):
    """POST /telegram/webhook: handled before it is answered; see the module's doc."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, journal: Journal, secret_token: str | None) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.journal = journal
        self.stats = {"handled": 0, "duplicates": 0, "busy": 0, "retried": 0, "failed": 0}

    async def close(self) -> None:  # the bot's session belongs to the App, which closes it
        pass

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            update = Update.model_validate(await request.json(loads=self.bot.session.json_loads),
                                           context={"bot": self.bot})
        except (ValueError, ValidationError):
            return web.Response(status=400, text="not a Telegram update")
        refusal, attempt = await self._admit(update.update_id)
        if refusal is not None:
            return refusal
        delivery = WebhookDelivery(update.update_id, attempt, self.journal)
        progress = Progress()
        token = CURRENT.set(delivery)
        started = time.monotonic()
        try:
            result = await self.dispatcher.feed_update(self.bot, update, progress=progress, **self.data)
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot=self.bot, result=result)
        except Exception as exc:
            refusal = await self._failed(update, attempt, exc, delivery, progress, started)
            if refusal is not None:
                return refusal
        finally:
            CURRENT.reset(token)
        await _quietly(self.journal.finish(update.update_id))
        self.stats["handled"] += 1
        return web.json_response({})

    async def _admit(self, update_id: int) -> tuple[web.Response | None, int]:
        """The journal's word on an update: (None, attempt) to handle it, else the answer Telegram gets."""
        try:
            verdict, attempt = await self.journal.begin(update_id)
        except Exception as exc:  # the journal (Redis) is away: Telegram tries again later
            log.warning("update %s: journal unavailable (%s); answered 503", update_id, exc)
            return web.Response(status=503, text="journal unavailable"), 0
        if verdict == DONE:
            self.stats["duplicates"] += 1
            return web.json_response({}), attempt
        if verdict == BUSY:
            self.stats["busy"] += 1
            return web.Response(status=503, text="being handled"), attempt
        if verdict == RETRY:
            self.stats["retried"] += 1
        return None, attempt

    async def _failed(self, update: Update, attempt: int, exc: Exception, delivery: WebhookDelivery, progress: Progress,
                      started: float) -> web.Response | None:
        """A failed update: a 500 when Telegram's second attempt would be clean, else the person is told
        (unless the reply had begun) and the update counts as handled (None)."""
        # again: a second attempt from the conversation as it was (what it repeats is safe to repeat)
        again = retried_clean(exc, delivery, progress)
        outcome = ("Telegram sends it again" if again else "the person is told" if not progress.sent
                   else "the reply had begun; left as it is")
        log.error("update %s, attempt %d failed after %.1f s (%r); %s", update.update_id, attempt,
                  time.monotonic() - started, exc, outcome, exc_info=not is_passing(exc))
        if again:
            self.stats["failed"] += 1
            await _quietly(self.journal.fail(update.update_id))
            return web.Response(status=500, text="failed; send it again later")
        if not progress.sent:
            await tell_fault(self.bot, update)
        return None


async def _quietly(call: Awaitable[None]) -> None:
    try:
        await call
    except Exception as exc:
        log.warning("webhook journal: %s", exc)
