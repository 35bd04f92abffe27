"""The outbox: a broadcast (or an agenda change notice) and one row per recipient account.

The rows are written in the same transaction as the broadcast, so the list of recipients is fixed
at the moment the organizer confirms; a restart resumes from the rows, never from memory. A row is
marked `sending` (committed) before its message goes out and `sent` after Telegram's answer; a row
found `sending` after a crash is sent again (see bot/services/outbox.py for why).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

# broadcast status
RUNNING, DONE, CANCELLED = "running", "done", "cancelled"
# kinds of broadcast
MESSAGE, AGENDA, TRANSPORT = "message", "agenda", "transport"  # transport: each chat its own seats
# outbox row status
PENDING, SENDING, SENT, BLOCKED, FAILED, DROPPED = "pending", "sending", "sent", "blocked", "failed", "dropped"
NOT_REACHED = (BLOCKED, FAILED)


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=MESSAGE)
    audience: Mapped[str] = mapped_column(String(128))  # e.g. "all", "province:binh_dinh", "part:conference"
    text_vi: Mapped[str] = mapped_column(Text, default="")  # HTML, as the organizer formatted it
    text_en: Mapped[str] = mapped_column(Text, default="")  # empty: English readers get the Vietnamese
    media_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the organizer's progress message, edited as the broadcast goes on (also after a restart)
    progress_chat_id: Mapped[str | None] = mapped_column(String(64))
    progress_message_id: Mapped[int | None] = mapped_column(Integer)
    progress_language: Mapped[str] = mapped_column(String(8), default="vi")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "account_id"),
        Index("ix_outbox_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    names: Mapped[str] = mapped_column(Text, default="")  # the delegates this chat stands for, for the report
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # back-off after a network fault
    error: Mapped[str] = mapped_column(String(256), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
