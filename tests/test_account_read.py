"""The sender's account read outside its session (bot.services.accounts.read_account): straight through sqlite3
on a SQLite file, through the conversations' pool on PostgreSQL (bot.infra.storage.quick_reads). The same account
and roles the session would have loaded, changed and committed as usual, and an update whose handler reads
nothing else takes no connection from the handlers' pool."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from bot.infra.storage import create_storage, quick_reads
from bot.services.accounts import get_or_create_account, read_account, roles_of
from bot.services.invitations import grant
from models import Account
from models.account import ORGANIZER, STAFF

KEY = {"channel": "telegram", "user_id": "501"}


@pytest.fixture
async def direct(db):
    storage = create_storage(db)
    reader = quick_reads(db, storage)
    if reader is None:
        pytest.skip("SQLite in memory: the account is read by the session")
    yield reader
    await storage.close()


async def test_the_account_and_its_roles_are_those_the_session_loads(db, direct):
    async with db.session() as session:
        lan = await get_or_create_account(session, channel="telegram", user_id="501", chat_id="501",
                                          display_name="Lê Thị <b>Lan</b> 🌸", username="lan")
        boss = await get_or_create_account(session, channel="telegram", user_id="9", chat_id="9")
        await grant(session, lan, STAFF, by_id=boss.id)
        await grant(session, lan, ORGANIZER, by_id=boss.id)
        lan.language = "vi"
        await session.commit()
    async with db.session() as session:
        loaded = await session.scalar(select(Account).where(Account.user_id == "501"))
        expected = {c.key: getattr(loaded, c.key) for c in Account.__table__.c}
        expected_roles = sorted((r.role, r.granted_by_id, r.granted_at) for r in loaded.roles)
    async with db.session() as session:
        account = await read_account(session, direct, KEY)
        assert {c.key: getattr(account, c.key) for c in Account.__table__.c} == expected
        assert account.created_at.tzinfo is not None and account.reachable is True
        assert sorted((r.role, r.granted_by_id, r.granted_at) for r in account.roles) == expected_roles
        assert roles_of(account, frozenset()) == {"delegate", STAFF, ORGANIZER}
        assert await session.get(Account, account.id) is account  # the session's own, as if it had loaded it
        assert not session.dirty and not session.new
        assert await read_account(session, direct, {"channel": "zalo", "user_id": "501"}) is None


async def test_a_change_to_it_is_written_and_nothing_else(db, direct):
    async with db.session() as session:
        await get_or_create_account(session, channel="telegram", user_id="501", chat_id="501", display_name="Lan")
    written: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda _c, _k, sql, *_a: written.append(sql))
    async with db.session() as session:  # a later update, with the same name: nothing to write
        account = await get_or_create_account(session, channel="telegram", user_id="501", chat_id="501",
                                              display_name="Lan", direct=direct)
        await session.commit()
    assert written == []  # not even a connection's BEGIN: the pool was not touched
    async with db.session() as session:  # the name changed in Telegram; then the language is chosen
        account = await get_or_create_account(session, channel="telegram", user_id="501", chat_id="777",
                                              display_name="Lê Thị Lan", direct=direct)
        account.language = "en"
        await session.commit()
    assert [sql.split()[0] for sql in written] == ["UPDATE", "UPDATE"]  # the name (at once), the language
    async with db.session() as session:
        again = await session.scalar(select(Account).where(Account.user_id == "501"))
        assert (again.chat_id, again.display_name, again.language) == ("777", "Lê Thị Lan", "en")


async def test_a_role_granted_to_it_is_kept(db, direct):
    async with db.session() as session:
        await get_or_create_account(session, channel="zalo", user_id="z1", chat_id="z1")
    async with db.session() as session:
        account = await read_account(session, direct, {"channel": "zalo", "user_id": "z1"})
        await grant(session, account, STAFF, by_id=None)
        await session.commit()
    async with db.session() as session:
        account = await read_account(session, direct, {"channel": "zalo", "user_id": "z1"})
        assert [r.role for r in account.roles] == [STAFF]


async def test_a_new_account_is_stored_as_the_sessions_flush_stores_it(db):
    """A first contact's account is written by a plain INSERT (models.db.insert_record): the same row as the
    session's flush writes, in the session as if read (nothing left to write), its roles usable at once."""
    async with db.session() as session:
        flushed = Account(channel="telegram", user_id="701", chat_id="701", display_name="Lan", username=None)
        session.add(flushed)
        await session.commit()
        new = await get_or_create_account(session, channel="telegram", user_id="702", chat_id="702",
                                          display_name="Lan")
        assert new in session and not session.new and not session.dirty and new.roles == []
        assert new.id and new.language is None and new.reachable is True and new.reminders is True
        kept = {c.key: getattr(new, c.key) for c in Account.__table__.c}
        await grant(session, new, STAFF, by_id=flushed.id)  # its roles as the session's own
        await session.commit()
        assert roles_of(new, frozenset()) == {STAFF, "delegate"}
    async with db.session() as session:
        read = await session.scalars(select(Account).where(Account.user_id.in_(["701", "702"])))
        rows = {a.user_id: a for a in read.unique()}
        changing = {"id", "user_id", "chat_id", "created_at", "updated_at"}
        assert ({k: v for k, v in kept.items() if k not in changing}
                == {c.key: getattr(rows["701"], c.key) for c in Account.__table__.c if c.key not in changing})
        assert {c.key: getattr(rows["702"], c.key) for c in Account.__table__.c} == kept
        assert [r.role for r in rows["702"].roles] == [STAFF]


async def test_on_postgresql_it_is_read_through_a_connection_a_restart_closed(db, direct):
    """The conversations' pool tries no connection before use: a read that meets one a database restart closed is
    made again on a new one, and the update goes on."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL (TEST_DATABASE_URL)")
    async with db.session() as session:
        await get_or_create_account(session, channel="telegram", user_id="501", chat_id="501", display_name="Lan")
    async with db.session() as session:
        assert (await read_account(session, direct, KEY)).display_name == "Lan"  # the pool holds a connection now
    async with db.engine.connect() as admin:
        cut = (await admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                         "current_database() AND pid <> pg_backend_pid() AND state = 'idle'"))).all()
    assert cut
    async with db.session() as session:
        assert (await read_account(session, direct, KEY)).display_name == "Lan"
