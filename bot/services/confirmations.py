"""A review's ✅ confirms once (models/confirmation.py).

The key is made when the review is shown and kept in the conversation. The handler takes it, in its database
transaction, before writing what it confirms; the two are committed together. A key already taken means that
this review was confirmed before, by a double tap or by the same update handled again after a process died
mid-way: the caller then says so and writes nothing. The key is unique in the table, so this holds whatever
runs at the same time: on PostgreSQL a second transaction taking the key waits for the first, then finds it.
"""
from __future__ import annotations

import secrets

from sqlalchemy import bindparam, select
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
    statement = _TAKE[session.get_bind().dialect.name == "postgresql"]
    result = await session.execute(statement, {"key": key, "what": what, "at": utcnow()})
    return result.rowcount == 1


# built once for each dialect (PostgreSQL's, SQLite's): building the statement cost more than running it; on the
# table, not the mapped class: a mapped class's insert with parameters is SQLAlchemy's bulk insert (no rowcount)
_TAKE = {postgres: dialect.insert(Confirmation.__table__)
         .values(key=bindparam("key"), what=bindparam("what"), at=bindparam("at"))
         .on_conflict_do_nothing(index_elements=["key"])
         for postgres, dialect in ((True, postgresql), (False, sqlite))}


async def taken(session: AsyncSession, key: str) -> bool:
    """Whether the confirmation `key` is recorded (by this transaction or a committed one)."""
    return await session.scalar(select(Confirmation.key).where(Confirmation.key == key)) is not None
