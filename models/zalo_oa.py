"""The Zalo Official Account channel's state, shared by every bot process (bot/channels/zalo_oa):

- ZaloOaToken: the OA's access token and the refresh token that renews it (one row). A refresh token is good
  once: the process that refreshes stores the new pair here, and every other process reads it from here.
- ZaloOaEvent: the webhook events already taken, by Zalo's event id, so a retried post is not handled twice.
- ZaloOaContact: when each OA user last wrote (the messaging window) and the phone number they shared.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class ZaloOaToken(Base):
    __tablename__ = "zalo_oa_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZaloOaEvent(Base):
    __tablename__ = "zalo_oa_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(128), unique=True)  # msg_id, or the event's own fields
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ZaloOaContact(Base):
    __tablename__ = "zalo_oa_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zalo_id: Mapped[str] = mapped_column(String(64), unique=True)  # the OA's id of the user
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)  # E.164, from "share my information"
