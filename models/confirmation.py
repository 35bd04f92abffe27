"""Confirmations: the ✅ under a review (a registration, a broadcast, an agenda change, an imported list)
counts once. Its key is made when the review is shown and kept in the conversation; it is written here in
the transaction of what it confirms, so a second press, or the same update handled again after a process
died (bot/infra/webhook.py), finds it and writes nothing (bot/services/confirmations.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Confirmation(Base):
    __tablename__ = "confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    what: Mapped[str] = mapped_column(String(16))  # registration | broadcast | agenda | import
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
