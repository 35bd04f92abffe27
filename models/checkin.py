"""Check-ins: one row per delegate and check-in list while it stands, and an audit log of every
check-in and undo. The unique row is what makes two simultaneous scans record exactly one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("delegate_id", "part_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    part_code: Mapped[str] = mapped_column(String(32), index=True)  # a session code of the event
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(16), default="")  # link | photo | token | search | desk


class CheckInLog(Base):
    __tablename__ = "checkin_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"), index=True)
    part_code: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # checkin | undo
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(16), default="")
