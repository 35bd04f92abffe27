"""Reminders, one row per (delegate, session, offset, the session's start): the queue of the reminders
worker (bot/workers/reminders.py). A row is taken (`sending`) before the message goes out, so two
overlapping runs never both send it; a row still `sending` when the worker starts again was interrupted by
a crash, and is given back to be sent again (or recorded `expired` if its part has begun): nothing is lost,
and a message in flight at the instant of a crash may come twice, as with the outbox.

The start time is part of the key: when a part moves after its reminders went out, the reminders for the new
time are due again. It is also the row's "too late after" time: a reminder for a part that has begun is worse
than none, so it is dropped, recorded `expired`. Rows written before the start time was recorded have none
and stand for any start of their part."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

SENDING, SENT, BLOCKED, SKIPPED, OFF = "sending", "sent", "blocked", "skipped", "off"
EXPIRED = "expired"  # its part had begun when it could be sent: dropped


class ReminderDelivery(Base):
    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("delegate_id", "part_code", "offset_key", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    part_code: Mapped[str] = mapped_column(String(32))
    offset_key: Mapped[str] = mapped_column(String(32))  # "minutes_before=60", "day_before_at=20:00"
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=SENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the part's start this reminder is for: part of the key, and the time after which it is too late
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
