"""Which way a broadcast or a reminder reaches the people on the host's Zalo OA (bot/channels/zalo_oa): in the
chat while their messaging window is open, else as the organizer's ZNS template to their phone number (one
paid ZNS message each), else not at all. The broadcast preview shows these counts before the organizer sends."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Account, Delegate, ZaloId, ZaloOaContact
from models.zalo import BASE

OA_CHANNEL = "zalo_oa"


@dataclass(frozen=True)
class OaRoutes:
    chat: int = 0  # within the window: a consultation message
    zns: int = 0  # outside it, with a phone number and a template: one ZNS message each (paid)
    unreached: int = 0  # outside it, no template or no phone: named in the report

    @property
    def total(self) -> int:
        return self.chat + self.zns + self.unreached


async def oa_routes(session: AsyncSession, account_ids: Iterable[int], *, window_hours: int, zns: bool,
                    now: datetime | None = None) -> OaRoutes:
    ids = list(account_ids)
    if not ids:
        return OaRoutes()
    accounts = (await session.execute(select(Account.id, Account.user_id).where(
        Account.id.in_(ids), Account.channel == OA_CHANNEL))).all()
    rows = {int(user_id) - BASE: account for account, user_id in accounts if user_id.isdigit()}
    oa_ids = dict((await session.execute(select(ZaloId.id, ZaloId.zalo_id).where(ZaloId.id.in_(rows)))).all())
    plain = {zalo_id.removeprefix("oa:"): row for row, zalo_id in oa_ids.items()}
    contacts = {c.zalo_id: c for c in await session.scalars(select(ZaloOaContact).where(
        ZaloOaContact.zalo_id.in_(plain)))}
    with_phone = set(await session.scalars(select(Delegate.account_id).where(
        Delegate.account_id.in_([a for a, _u in accounts]), Delegate.phone != "")))
    since = (now or datetime.now(timezone.utc)) - timedelta(hours=window_hours)
    chat = zns_count = unreached = 0
    for oa_id, row in plain.items():
        contact = contacts.get(oa_id)
        if contact is not None and contact.last_message_at is not None and contact.last_message_at > since:
            chat += 1
        elif zns and (contact is not None and contact.phone or rows[row] in with_phone):
            zns_count += 1
        else:
            unreached += 1
    return OaRoutes(chat, zns_count, unreached)
