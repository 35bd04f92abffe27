"""Where a delegate sleeps: a hotel of the event file and a room in one of its room blocks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class RoomAssignment(Base):
    """A delegate's hotel and room. `room` is "<room type>-<number>" (twin-3), the number within the block's
    count; `nights` the nights (ISO dates, comma separated) the assignment was made for: when the delegate's
    stay changes afterwards, `changed_at` flags it for the host until the organizers assign again."""

    __tablename__ = "room_assignments"

    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    hotel: Mapped[str] = mapped_column(String(32))
    room: Mapped[str] = mapped_column(String(32))
    nights: Mapped[str] = mapped_column(String(400), default="")
    by_id: Mapped[int | None] = mapped_column(Integer)  # the organizer, or None when filled automatically
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    change: Mapped[str] = mapped_column(String(200), default="")  # what changed, for the host's list
