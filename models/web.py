"""The web pages' access: one-time login links the bot hands to staff and organizers, the browser
sessions they open, and the desk's scans already decided (so a scan re-sent after a network drop is
answered as the first time, never decided twice).

Only SHA-256 hashes of link tokens and session ids are stored: a copy of the database (a backup, an
export) does not let anyone into the desk page or the dashboard.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class WebLogin(Base):
    __tablename__ = "web_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # staff: the desk page; organizer: the dashboard too
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeskScan(Base):
    """A scan the desk page queued (its id made by the browser) and the answer it got."""

    __tablename__ = "desk_scans"
    __table_args__ = (UniqueConstraint("account_id", "scan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    scan_id: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)  # the JSON answer, replayed as is
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
