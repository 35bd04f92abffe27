"""The provinces' six-month reports (plan III.3) and the reminders to those still missing.

A report's file is kept in the database, not on disk: the backup (bot/ops/backup.py) and every bot process
see it with the rest of the data, a restore brings it back, and a handful of files of a few MB each is
nothing for PostgreSQL. Every upload is a new row (version 1, 2, …): the newest is the province's report,
the older ones are its history. A second upload of the same file (a double send) makes no new version.

A reminder row, one per (province, offset, recipient), is taken (`sending`) before the message goes out
and settled after; a row a killed process left `sending` is given back when the worker starts: the
reminders' promise (models/reminder.py), nothing lost and nothing sent twice but at the instant of a crash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.reminder import SENDING


class ProvinceReport(Base):
    __tablename__ = "province_reports"
    __table_args__ = (UniqueConstraint("event_id", "province", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))  # as the secretariat named it
    kind: Mapped[str] = mapped_column(String(8))  # pdf, doc, docx: read from the content
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(16))  # telegram, web
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportReminderDelivery(Base):
    __tablename__ = "report_reminder_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "province", "offset_key", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(32))
    offset_key: Mapped[str] = mapped_column(String(32))  # "days_before=3", "hours_before=2"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=SENDING)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
