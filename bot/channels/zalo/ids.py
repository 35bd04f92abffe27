"""Zalo's string ids ↔ the stable integers aiogram and the accounts table use (models.zalo.ZaloId).

Internal ids start at 2^52: Telegram promises its ids have at most 52 significant bits, so an id alone
tells the channel, and a Telegram chat id (an organizer's, from ADMIN_IDS) is never taken for a Zalo user.
Looked up once per process and kept: ids never change, so the cache needs no expiry.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Database, ZaloId
from models.zalo import BASE


def is_zalo(chat_id: int) -> bool:
    return chat_id >= BASE


class ZaloIds:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._internal: dict[str, int] = {}
        self._zalo: dict[int, str] = {}

    def _keep(self, row_id: int, zalo_id: str) -> int:
        internal = BASE + row_id
        self._internal[zalo_id], self._zalo[internal] = internal, zalo_id
        return internal

    async def internal(self, zalo_id: str) -> tuple[int, bool]:
        """The integer for a Zalo id, and whether it was new (the user's first message ever)."""
        if zalo_id in self._internal:
            return self._internal[zalo_id], False
        query = select(ZaloId.id).where(ZaloId.zalo_id == zalo_id)
        async with self.db.session() as session:
            found = await session.scalar(query)
            if found is not None:
                return self._keep(found, zalo_id), False
            row = ZaloId(zalo_id=zalo_id)
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:  # another process (or update) mapped it first
                await session.rollback()
                return self._keep(await session.scalar(query), zalo_id), False
            return self._keep(row.id, zalo_id), True

    async def zalo(self, internal: int) -> str | None:
        """The Zalo id behind an internal id; None if there is none (e.g. a Telegram id)."""
        if internal in self._zalo or not is_zalo(internal):
            return self._zalo.get(internal)
        async with self.db.session() as session:
            found = await session.scalar(select(ZaloId.zalo_id).where(ZaloId.id == internal - BASE))
        return None if found is None else self._zalo.setdefault(internal, found)
