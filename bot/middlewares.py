"""Outer middlewares on every update: updates in flight, a database session, the sender's account and roles."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.event import Event
from bot.services.accounts import get_or_create_account, roles_of
from models import Account, AgendaChange, Database, Delegate, DelegatePart
from models.db import PLAN_CHANGED, PoolReads, close
from models.sqlite import Direct

REMINDER_INPUTS = (Delegate, DelegatePart, AgendaChange)
log = logging.getLogger(__name__)


@event.listens_for(Session, "after_flush")
def _note_plan_changes(session: Session, _context) -> None:
    """A write that can change which reminders are due marks the session, whatever handler made it."""
    if any(isinstance(obj, REMINDER_INPUTS) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[PLAN_CHANGED] = True


class InFlight(BaseMiddleware):
    """The updates being handled. aiogram's polling stops taking updates but leaves the handlers it started
    running; a shutdown (deploy, restart) waits for them before the storage and the database close, so an
    answer given just before it is neither half-saved nor lost. `queued` are the updates waiting for their
    chat's turn (bot.infra.storage.ChatOrder), waited for too."""

    def __init__(self, queued: set[asyncio.Task] | None = None) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.queued = queued if queued is not None else set()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            self.tasks.discard(task)

    async def finish(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the updates in flight (the caller's own task excepted)."""
        pending = (self.tasks | self.queued) - {asyncio.current_task()}
        if not pending:
            return
        _done, late = await asyncio.wait(pending, timeout=timeout)
        if late:
            log.warning("shutdown: %d update(s) still being handled after %.0f s, waiting at: %s", len(late), timeout,
                        "; ".join(sorted({waiting_at(task) for task in late})))


def waiting_at(task: asyncio.Task) -> str:
    """Where a task waits: its innermost awaited coroutine's file, line and function."""
    coro, where = task.get_coro(), "?"
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            where = f"{'/'.join(frame.f_code.co_filename.split('/')[-2:])}:{frame.f_lineno} {frame.f_code.co_name}"
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return where


class DatabaseSession(BaseMiddleware):
    """A session per update; if the update changed registrations or the agenda, reminders are re-planned."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        data["session"] = session = self.db.session()
        try:
            return await handler(event, data)
        finally:
            if session.sync_session.info.pop(PLAN_CHANGED, False) and data.get("reminders"):
                data["reminders"].replan_soon()
            await close(session)  # as `async with` would (models/db.py)


class CurrentAccount(BaseMiddleware):
    """Loads (or creates) the account of whoever sent the update; updates without a sender pass through.
    A bridged channel (Zalo) feeds its updates with `channel=...` in the dispatcher's data."""

    def __init__(self, channel: str, admin_ids: frozenset[int], direct: Direct | PoolReads | None = None) -> None:
        self.channel = channel
        self.admin_ids = admin_ids
        self.direct = direct  # where the account is read outside the session (bot/infra/storage.py quick_reads)

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if user is None:
            return await handler(event, data)
        private = chat is None or chat.type == "private"
        if user.is_bot and private:  # no bot can write to a bot in private: such an update is forged
            return None
        account = await get_or_create_account(
            data["session"], channel=data.get("channel", self.channel), user_id=str(user.id),
            chat_id=str(chat.id if chat else user.id), display_name=user.full_name, username=user.username,
            direct=self.direct,
        ) if private and not user.is_bot else None  # a group's anonymous admin is a bot
        data["account"] = account
        data["roles"] = roles_of(account, self.admin_ids) if account else set()
        return await handler(event, data)


@dataclass(frozen=True)
class Here:
    """What most handlers work with, in one name: the conference, the settings, this update's database
    session, the sender's account (None in a group), language and roles, and the chat's conversation state."""
    conference: Event
    settings: Settings
    session: AsyncSession
    account: Account | None
    lang: str
    roles: frozenset[str] = frozenset()
    state: FSMContext | None = None


class Surroundings(BaseMiddleware):
    """Hands handlers `lang` (the language chosen by AccountLanguage, which must run first) and `here`
    (bot.middlewares.Here); aiogram passes each handler only the names it declares."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        i18n = data.get("i18n")
        data["lang"] = lang = i18n.current_locale if i18n is not None else "vi"
        if "session" in data:
            data["here"] = Here(data["conference"], data["settings"], data["session"], data.get("account"), lang,
                                frozenset(data.get("roles", ())), data.get("state"))
        return await handler(event, data)
