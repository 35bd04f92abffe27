"""A delegate's seat in a vehicle: an airport pick-up or a trip (the field visit), as the organizers planned it.

`arrival_at` is the arrival the seat was planned for: when the delegate's arrival changes afterwards the seat is
flagged to the host. `told` is the seat as the delegate was last told it (empty: not yet), so a new plan tells only
those whose seat changed. `pinned`: an organizer moved the delegate to this vehicle; a new plan keeps it while the
run leaves at the same time and the vehicle has a seat left.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

PICKUP = "pickup"  # the trip code of airport pick-ups; trips keep their event-file codes


class Seat(Base):
    __tablename__ = "transport_seats"
    __table_args__ = (UniqueConstraint("delegate_id", "trip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"), index=True)
    trip: Mapped[str] = mapped_column(String(32))
    vehicle: Mapped[str] = mapped_column(String(32))
    departs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told: Mapped[str] = mapped_column(String(128), default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)  # moved by hand: a new plan keeps the vehicle
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.vehicle, self.departs_at)


def fingerprint(vehicle: str, departs_at: datetime) -> str:
    """A seat as a delegate is told it: the vehicle and when it leaves."""
    return f"{vehicle}@{departs_at.astimezone(timezone.utc):%Y-%m-%dT%H:%M}"
