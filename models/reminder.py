"""Reminders sent, one row per (delegate, session, offset): the row is taken before the message
goes out, so a restart, two overlapping runs or a re-plan can never send the same reminder twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

SENDING, SENT, BLOCKED, SKIPPED, OFF = "sending", "sent", "blocked", "skipped", "off"


class ReminderDelivery(Base):
    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("delegate_id", "part_code", "offset_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    part_code: Mapped[str] = mapped_column(String(32))
    offset_key: Mapped[str] = mapped_column(String(32))  # "minutes_before=60", "day_before_at=20:00"
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=SENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
