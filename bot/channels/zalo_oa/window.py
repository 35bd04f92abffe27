"""The OA's messaging window: a consultation message reaches only someone who wrote to the OA recently.

Zalo's rules (zalooa.freshdesk.com, "Các loại tin của Zalo Official Account"; developers.zalo.me, "Gửi tin Tư
vấn"): replies are free within 48 hours of the person's last message; after that a message to a follower is a
paid "proactive" one, and the API refuses consultation messages to someone silent for 7 days (error -230).
ZALO_OA_WINDOW_HOURS (48 by default, at most 168) is how long the bot writes in the chat; beyond it, a reminder,
an agenda change or a broadcast goes as a ZNS template to the phone number, or is reported "not reached".
Each webhook event from the person opens the window again (models.zalo_oa.ZaloOaContact).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.services.phone import normalize_phone
from models import Account, Database, Delegate, ZaloOaContact
from models.delegate import CONFIRMED


class Window:
    def __init__(self, db: Database, hours: int) -> None:
        self.db, self.length = db, timedelta(hours=hours)

    async def wrote(self, zalo_id: str, when: datetime | None = None, phone: str = "") -> None:
        """The person wrote (or followed, or shared their number): the window opens again."""
        when = when or datetime.now(timezone.utc)
        async with self.db.session() as session:
            contact = await session.scalar(select(ZaloOaContact).where(ZaloOaContact.zalo_id == zalo_id))
            if contact is None:
                contact = ZaloOaContact(zalo_id=zalo_id)
                session.add(contact)
            contact.last_message_at = when
            if phone and normalize_phone(phone):
                contact.phone = normalize_phone(phone)
            try:
                await session.commit()
            except IntegrityError:  # the same person's event in another process, at the same moment
                await session.rollback()

    async def is_open(self, zalo_id: str, now: datetime | None = None) -> bool:
        async with self.db.session() as session:
            last = await session.scalar(select(ZaloOaContact.last_message_at).where(ZaloOaContact.zalo_id == zalo_id))
        return last is not None and (now or datetime.now(timezone.utc)) - last < self.length

    async def phone(self, zalo_id: str, internal: int) -> str:
        """The number to reach them by ZNS: the one they shared, else the one they registered with."""
        async with self.db.session() as session:
            shared = await session.scalar(select(ZaloOaContact.phone).where(ZaloOaContact.zalo_id == zalo_id))
            if shared:
                return shared
            registered = await session.scalar(
                select(Delegate.phone).join(Account, Delegate.account_id == Account.id)
                .where(Account.channel == "zalo_oa", Account.user_id == str(internal), Delegate.status == CONFIRMED)
                .order_by(Delegate.id).limit(1))
        return registered or ""

    async def name(self, internal: int) -> str:
        async with self.db.session() as session:
            found = await session.scalar(
                select(Delegate.full_name).join(Account, Delegate.account_id == Account.id)
                .where(Account.channel == "zalo_oa", Account.user_id == str(internal)).order_by(Delegate.id).limit(1))
        return found or ""
