"""Outer middlewares on every update: a database session, the sender's account and roles."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.services.accounts import get_or_create_account, roles_of
from models import Database


class DatabaseSession(BaseMiddleware):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.db.session() as session:
            data["session"] = session
            return await handler(event, data)


class CurrentAccount(BaseMiddleware):
    """Loads (or creates) the account of whoever sent the update; updates without a sender pass through."""

    def __init__(self, channel: str, admin_ids: frozenset[int]) -> None:
        self.channel = channel
        self.admin_ids = admin_ids

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if user is None or user.is_bot:
            return await handler(event, data)
        account = await get_or_create_account(
            data["session"], channel=self.channel, user_id=str(user.id),
            chat_id=str(chat.id if chat else user.id), display_name=user.full_name, username=user.username,
        ) if chat is None or chat.type == "private" else None
        data["account"] = account
        data["roles"] = roles_of(account, self.admin_ids) if account else set()
        return await handler(event, data)
