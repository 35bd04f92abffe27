"""Conversations: where each chat stands in a conversation with the bot (aiogram's FSM state and data), kept in
the database beside the registrations, so a restart, a second bot process or a crash loses none
(bot/infra/storage.py reads and writes them)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Conversation(Base):
    __tablename__ = "conversations"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # 0: none
    destiny: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    update_id: Mapped[int | None] = mapped_column(BigInteger)  # the last update that changed it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
