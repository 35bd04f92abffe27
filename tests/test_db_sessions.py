"""An update's session is closed as `async with` would close it (models/db.py `close`): at once when it never
took a connection, through SQLAlchemy when it did, so no connection stays checked out and nothing uncommitted
stays written, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Account
from models.db import CONNECTED, close


def checked_out(db) -> int:
    return db.engine.sync_engine.pool.checkedout()


async def test_a_session_that_ran_nothing_is_closed_without_a_connection(db):
    session = db.session()
    session.add(Account(channel="telegram", user_id="1", chat_id="1", display_name="An", roles=[]))
    assert not session.sync_session.info.get(CONNECTED)
    await close(session)
    assert not session.sync_session.in_transaction() and not session.sync_session.new  # closed: nothing kept
    assert checked_out(db) == 0


async def test_a_session_that_wrote_without_committing_gives_its_connection_back_and_keeps_nothing(db):
    session = db.session()
    session.add(Account(channel="telegram", user_id="2", chat_id="2", display_name="Bình", roles=[]))
    await session.flush()  # written, not committed
    assert session.sync_session.info.get(CONNECTED) and checked_out(db) == 1
    await close(session)
    assert checked_out(db) == 0
    async with db.session() as other:
        assert await other.scalar(select(func.count()).select_from(Account)) == 0


async def test_a_committed_session_keeps_what_it_committed(db):
    session = db.session()
    session.add(Account(channel="telegram", user_id="3", chat_id="3", display_name="Chi", roles=[]))
    await session.commit()
    await close(session)
    assert checked_out(db) == 0
    async with db.session() as other:
        assert await other.scalar(select(Account.display_name)) == "Chi"
