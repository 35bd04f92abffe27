"""A delegate: one person coming to the conference, registered by themselves or by a colleague."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

CONFIRMED = "confirmed"
CANCELLED = "cancelled"


class Delegate(Base):
    __tablename__ = "delegates"
    __table_args__ = (
        Index("ix_delegates_event_status", "event_id", "status"),
        UniqueConstraint("claim_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    # the person's own chat account, once known (themselves, or after taking over the record)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    # who filled the form in; equals account_id when people register themselves
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)

    full_name: Mapped[str] = mapped_column(String(128))
    position: Mapped[str] = mapped_column(String(128))
    organization: Mapped[str] = mapped_column(String(256))
    province: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164, +84…

    arrival_date: Mapped[date | None] = mapped_column(Date)
    arrival_time: Mapped[time | None] = mapped_column(Time)
    travel_mode: Mapped[str | None] = mapped_column(String(32))
    needs_lodging: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # the host's logistics (issue 20): how letters, room lists and the MC address the person (ong | ba)
    salutation: Mapped[str | None] = mapped_column(String(8))
    departure_date: Mapped[date | None] = mapped_column(Date)
    departure_time: Mapped[time | None] = mapped_column(Time)
    room_share: Mapped[str | None] = mapped_column(String(16))  # single | shared
    roommate: Mapped[str] = mapped_column(String(128), default="")  # a colleague's name, same delegation
    companions: Mapped[str] = mapped_column(String(200), default="")  # "lái xe; trợ lý": own lodging and meals
    diets: Mapped[str] = mapped_column(String(200), default="")  # the event file's diet codes, comma separated

    status: Mapped[str] = mapped_column(String(16), default=CONFIRMED)
    ticket_version: Mapped[int] = mapped_column(Integer, default=1)  # bumped when the QR code must change
    claim_code: Mapped[str | None] = mapped_column(String(16))  # lets the person take over the record

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parts: Mapped[list[DelegatePart]] = relationship(
        back_populates="delegate", lazy="selectin", cascade="all, delete-orphan", order_by="DelegatePart.part_code",
    )

    @property
    def part_codes(self) -> list[str]:
        return [s.part_code for s in self.parts]

    @property
    def diet_codes(self) -> list[str]:
        return [code for code in (self.diets or "").split(",") if code]

    @property
    def companion_list(self) -> list[str]:
        return [c.strip() for c in (self.companions or "").split(";") if c.strip()]

    @property
    def active(self) -> bool:
        return self.status == CONFIRMED


class DelegatePart(Base):
    """A part of the conference (its code in the event file) the delegate attends. The table keeps its
    first name, delegate_sessions (migration 0012_part_names renamed its column only)."""

    __tablename__ = "delegate_sessions"

    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"), primary_key=True)
    part_code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)

    delegate: Mapped[Delegate] = relationship(back_populates="parts")
