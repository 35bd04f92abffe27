"""Questions delegates typed to the bot: what the FAQ made of them, and those handed to the organizers.

Every question is kept (without the asker's personal data beyond the account), so organizers can see
what the FAQ does not answer yet and add entries (/questions). A question passed on to the organizers
remembers the messages it was relayed as, so an organizer's reply to any of them reaches the asker.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

# outcome of a question
ANSWERED, OFFERED, UNKNOWN, HANDED_OFF, REPLIED = "answered", "offered", "unknown", "handed_off", "replied"


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(String(40), default="")  # the FAQ entry given, if any
    outcome: Mapped[str] = mapped_column(String(16), default=UNKNOWN, index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuestionRelay(Base):
    """A copy of a handed-off question in an organizer's chat (or the organizers' group)."""

    __tablename__ = "question_relays"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(Integer)
