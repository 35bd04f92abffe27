"""A nominee: a person a province put on its list (imported from Excel or CSV) who has not yet
registered. Their personal link opens a registration already filled in with the list's details."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Nominee(Base):
    __tablename__ = "nominees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the secret part of the personal link
    full_name: Mapped[str] = mapped_column(String(128))
    position: Mapped[str] = mapped_column(String(128), default="")
    organization: Mapped[str] = mapped_column(String(256), default="")
    province: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(256), default="")  # file name and row, for the secretariat
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="SET NULL"))
