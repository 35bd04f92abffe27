"""Agenda changes: the event file is the base; a change of a session's time or place, or its
cancellation, is data on top of it, with who made it and when. The newest change of a session wins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AgendaChange(Base):
    __tablename__ = "agenda_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    part_code: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place_vi: Mapped[str | None] = mapped_column(String(256))
    place_en: Mapped[str | None] = mapped_column(String(256))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # a part added by the organizers (its code is new): attended by every delegate
    title_vi: Mapped[str | None] = mapped_column(String(256))
    title_en: Mapped[str | None] = mapped_column(String(256))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
