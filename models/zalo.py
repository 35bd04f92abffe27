"""Zalo's user ids are opaque strings; aiogram (and Account.chat_id, the outbox, reminders) want integers.
Each Zalo id gets a stable integer here, so the bridge can hand handlers a Telegram-shaped chat id and
turn it back into the Zalo id when sending. Kept in the database: the mapping must survive restarts and
be the same in every bot process."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


BASE = 2 ** 52  # internal ids start here: above any Telegram id (at most 52 significant bits)


class ZaloId(Base):
    __tablename__ = "zalo_ids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the internal id: aiogram's user and chat id
    zalo_id: Mapped[str] = mapped_column(String(64), unique=True)  # Zalo's own id of the user (or chat)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
