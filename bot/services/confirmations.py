"""A review's ✅ confirms once (models/confirmation.py).

The key is made when the review is shown and kept in the conversation. The handler takes it, in its database
transaction, before writing what it confirms; the two are committed together. A key already taken means that
this review was confirmed before, by a double tap or by the same update handled again after a process died
mid-way: the caller then says so and writes nothing. The key is unique in the table, so this holds whatever
runs at the same time: on PostgreSQL a second transaction taking the key waits for the first, then finds it.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import Confirmation
from models.base import utcnow

REGISTRATION, BROADCAST, AGENDA, IMPORT, TRANSPORT = "registration", "broadcast", "agenda", "import", "transport"


def new_key() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


async def take(session: AsyncSession, key: str, what: str) -> bool:
    """Record the confirmation `key` (uncommitted: it is committed with what it confirms). False if it was
    recorded before."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(Confirmation).values(key=key, what=what, at=utcnow())
                 .on_conflict_do_nothing(index_elements=["key"]))
    result = await session.execute(statement)
    return result.rowcount == 1


async def taken(session: AsyncSession, key: str) -> bool:
    """Whether the confirmation `key` is recorded (by this transaction or a committed one)."""
    return await session.scalar(select(Confirmation.key).where(Confirmation.key == key)) is not None
