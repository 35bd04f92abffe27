"""The Zalo Official Account channel's state, shared by every bot process (bot/channels/zalo_oa):

- ZaloOaToken: the OA's access token and the refresh token that renews it (one row). A refresh token is good
  once: the process that refreshes stores the new pair here, and every other process reads it from here.
- ZaloOaEvent: the webhook's journal: each event whole, under its key (a retried post finds it taken and is not
  handled twice), received → handled; one left received by a killed process is handed back
  (bot/channels/zalo_oa/journal.py).
- ZaloOaContact: when each OA user last wrote (the messaging window) and the phone number they shared.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
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
    __table_args__ = (Index("ix_zalo_oa_events_state_taken_at", "state", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(128), unique=True)  # msg_id, or the event's own fields
    payload: Mapped[str] = mapped_column(Text)  # the event as Zalo posted it (JSON)
    state: Mapped[str] = mapped_column(String(16), default="received")  # received → handled
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # received, or last handed back
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ZaloOaContact(Base):
    __tablename__ = "zalo_oa_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zalo_id: Mapped[str] = mapped_column(String(64), unique=True)  # the OA's id of the user
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)  # E.164, from "share my information"
