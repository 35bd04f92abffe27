"""A chat identity: who writes to the bot, on which channel, in which language, with which roles.

Kept apart from the delegate record: one account may register many delegates (a provincial
specialist registering the leaders), and a delegate may have no account of their own yet.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

ORGANIZER = "organizer"
STAFF = "staff"
SECRETARIAT = "sec:"  # + a province's code: that province's secretariat (imports its own list, registers its delegation)


def secretariat_of(roles: set[str]) -> set[str]:
    """The provinces whose secretariat these roles make someone."""
    return {role[len(SECRETARIAT):] for role in roles if role.startswith(SECRETARIAT)}


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # "telegram" | "zalo"
    user_id: Mapped[str] = mapped_column(String(64))  # the channel's own user id, as text
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))  # None until the user has chosen
    display_name: Mapped[str] = mapped_column(String(256), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)  # False once the user blocked the bot
    reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # /reminders
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roles: Mapped[list[AccountRole]] = relationship(
        back_populates="account", lazy="joined", cascade="all, delete-orphan",
        foreign_keys="AccountRole.account_id",
    )


class AccountRole(Base):
    __tablename__ = "account_roles"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="roles", foreign_keys=[account_id])
