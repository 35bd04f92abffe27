"""Where conversations (aiogram's FSM state and data) live: the database, beside the registrations
(`conversations`, models/conversation.py): PostgreSQL in production, SQLite on one machine. A restart, a second
bot process or a process killed mid-update loses no conversation; and the turn each chat's updates take
(ChatOrder, at the end).

One read and one write per update. ChatOrder opens a Scope around each update: the first time the update asks
for a chat's conversation it is read (one SELECT), later reads and writes (aiogram's FSMContext reads the state
and the data separately; bot.screens.ui writes the menu it showed) stay in the Scope, and what changed is written
once, when the update is handled (one upsert). So a process killed mid-update leaves the conversation where
the update found it, and the update sent again (bot/infra/webhook.py) starts from there. The row records the
update that last changed it: a redelivered update that was already applied is recognised and not handled a
second time (bot/infra/webhook.py).

On a SQLite file the two statements go straight through sqlite3 (the SQL SQLAlchemy writes for them, made once:
_OnSQLite), not through SQLAlchemy's engine, whose per-statement work cost ten times the statements (bench/RESULTS.md).

A database outage (a PostgreSQL restart, a fail-over, a dropped connection) is ridden out: a read or write
that fails on the connection is tried again with growing pauses for about RIDE_OUT seconds, so the handler
waits and then goes on where it was.
"""
from __future__ import annotations

import asyncio
import contextvars
import hashlib
import sqlite3
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from sqlalchemy import and_, bindparam, delete, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.infra.health import is_passing
from models import Conversation, Database
from models.base import utcnow
from models.db import CONVERSATION_POOL, PoolReads
from models.sqlite import Compiled, Direct

log = logging.getLogger(__name__)

RIDE_OUT = 30.0  # seconds of database outage a conversation waits through
PAUSE_CAP = 2.0  # the longest pause between two tries
# Chats served at once by a process; the others wait their turn in ChatOrder, before their conversation is read
# or a database connection taken. A handler keeps its connection from its first statement to its end; with 900
# chats at once each took so long that connections were waited for past the pool's timeout and replies were lost
# (bench/RESULTS.md). With 200 at most, a saturated bot gives each its turn within a second of CPU; a busy
# Telegram webhook sends at most 100 at once anyway, and 300 delegates at once are served as fast as without it.
CHATS_AT_ONCE = 200
LOCK_PATIENCE = 60.0  # seconds a chat's update waits for another process's hold on it before going on without
LOCK_SPACE = 72_607  # pg_advisory_lock(LOCK_SPACE, chat): apart from the lease's and the migrations' locks
T = TypeVar("T")

TABLE = Conversation.__table__
_COLUMNS = TABLE.c


def _where():
    c = _COLUMNS
    return and_(c.bot_id == bindparam("b"), c.chat_id == bindparam("c"), c.user_id == bindparam("u"),
                c.thread_id == bindparam("t"), c.destiny == bindparam("d"))


# built once: the statements of every update (SQLAlchemy caches their compiled form)
_READ = select(_COLUMNS.state, _COLUMNS.data, _COLUMNS.update_id).where(_where())
_DELETE = delete(TABLE).where(_where())


def _upsert(dialect: str):
    """The write of every update, built once (building it, `excluded` above all, cost more than running it)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    c = _COLUMNS
    statement = insert(TABLE).values(bot_id=bindparam("b"), chat_id=bindparam("c"), user_id=bindparam("u"),
                                     thread_id=bindparam("t"), destiny=bindparam("d"), state=bindparam("s"),
                                     data=bindparam("data", type_=c.data.type), update_id=bindparam("i"),
                                     updated_at=bindparam("at", type_=c.updated_at.type))
    return statement.on_conflict_do_update(
        index_elements=[c.bot_id, c.chat_id, c.user_id, c.thread_id, c.destiny],
        set_={"state": statement.excluded.state, "data": statement.excluded.data,
              "update_id": statement.excluded.update_id, "updated_at": statement.excluded.updated_at})


def _params(key: StorageKey) -> dict[str, Any]:
    return {"b": key.bot_id, "c": key.chat_id, "u": key.user_id, "t": key.thread_id or 0, "d": key.destiny}


@dataclass
class Entry:
    """One chat's conversation as this update sees it."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    update_id: int | None = None
    dirty: bool = False


@dataclass
class Scope:
    """The conversations one update has read, and changed (written when it is handled)."""

    entries: dict[StorageKey, Entry] = field(default_factory=dict)
    update_id: int | None = None


SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("conversation_scope", default=None)


class SQLStorage(BaseStorage):
    """aiogram's FSM storage on SQLAlchemy 2 (PostgreSQL or SQLite); see the module's doc."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.postgres = db.dialect == "postgresql"
        # a pool of its own, apart from the handlers' sessions: an update holds a session's connection while it
        # reads its conversation, so one pool could run dry with every update waiting. A connection is held here
        # for one statement (on PostgreSQL without BEGIN and COMMIT), so a few serve any number of chats. Its
        # connections are not tried before use (a round trip each): a statement that meets one a database restart
        # closed fails, the pool opens new ones, and `_ride_out` runs it again.
        self.engine: AsyncEngine = db.pool(CONVERSATION_POOL, 0, ping=False, **({"isolation_level": "AUTOCOMMIT"}
                                                                                 if self.postgres else {}))
        self.ride_out = RIDE_OUT
        self.statements = _statements(db, self.engine)

    # --- aiogram's interface ---------------------------------------------------------------------------------

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._entry(key)).state

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._entry(key)).data)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        entry = await self._entry(key)
        entry.state = state.state if isinstance(state, State) else state
        await self._changed(key, entry)

    async def set_data(self, key: StorageKey, data: dict[str, Any]) -> None:
        entry = await self._entry(key)
        entry.data = dict(data)
        await self._changed(key, entry)

    async def close(self) -> None:
        self.statements.close()
        if self.engine is not self.db.engine:
            await self.engine.dispose()

    # --- one read and one write per update -----------------------------------------------------------------

    async def applied(self, key: StorageKey) -> int | None:
        """The update that last changed this conversation."""
        return (await self._entry(key)).update_id

    async def _entry(self, key: StorageKey) -> Entry:
        scope = SCOPE.get()
        if scope is not None and (entry := scope.entries.get(key)) is not None:
            return entry
        params = _params(key)
        row = await self._ride_out(lambda: self.statements.read(params), scope)
        entry = Entry(row[0], dict(row[1] or {}), row[2]) if row else Entry()
        if scope is not None:
            scope.entries[key] = entry
        return entry

    async def _changed(self, key: StorageKey, entry: Entry) -> None:
        scope = SCOPE.get()
        if scope is None:  # outside an update (a worker, a test): written at once
            await self._write(key, entry, None)
        else:
            entry.dirty = True

    async def flush(self, scope: Scope) -> None:
        """Writes what the update changed (once per conversation)."""
        for key, entry in scope.entries.items():
            if entry.dirty:
                await self._write(key, entry, scope)
                entry.dirty = False

    async def _write(self, key: StorageKey, entry: Entry, scope: Scope | None) -> None:
        params = _params(key)
        if entry.state is None and not entry.data:  # the conversation ended: nothing to keep
            await self._ride_out(lambda: self.statements.delete(params), scope)
            return
        if scope is not None and scope.update_id is not None:
            entry.update_id = scope.update_id
        values = {**params, "s": entry.state, "data": entry.data, "i": entry.update_id, "at": utcnow()}
        await self._ride_out(lambda: self.statements.upsert(values), scope)

    async def _ride_out(self, run: Callable[[], Awaitable[T]], scope: Scope | None) -> T:
        """`run`, tried again through an outage."""
        deadline, pause = time.monotonic() + self.ride_out, 0.05
        while True:
            try:
                return await run()
            except Exception as exc:
                # any driver error counts here: a connection cut mid-statement can surface as one asyncpg does
                # not call a connection error ("another operation is in progress"); the statements are idempotent
                if not (is_passing(exc) or isinstance(exc, (DBAPIError, sqlite3.OperationalError))) \
                        or time.monotonic() + pause > deadline:
                    raise
                log.warning("conversation store unavailable (%s); trying again in %.2f s", type(exc).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(PAUSE_CAP, pause * 2)


class _OnEngine:
    """The conversation's statements through SQLAlchemy (PostgreSQL; SQLite in memory, one database per engine)."""

    def __init__(self, engine: AsyncEngine, dialect: str) -> None:
        self.engine = engine
        self._upsert = _upsert(dialect)

    async def read(self, params: dict[str, Any]) -> tuple | None:
        async with self.engine.begin() as connection:
            row = (await connection.execute(_READ, params)).first()
        return tuple(row) if row else None

    async def delete(self, params: dict[str, Any]) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(_DELETE, params)

    async def upsert(self, values: dict[str, Any]) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(self._upsert, values)

    def close(self) -> None:
        pass


class _OnSQLite:
    """The conversation's statements on a SQLite file, straight through sqlite3 (models.sqlite.Direct): the same
    SQL SQLAlchemy writes for them, the same JSON and date conversions (the columns' own), without its
    per-statement work, the larger part of an update's cost in the database."""

    def __init__(self, direct: Direct, dialect) -> None:
        self.sqlite = direct
        self._read, self._delete = Compiled(_READ, dialect), Compiled(_DELETE, dialect)
        self._upsert = Compiled(_upsert("sqlite"), dialect)
        data, at = _COLUMNS.data.type.dialect_impl(dialect), _COLUMNS.updated_at.type.dialect_impl(dialect)
        self._data_in, self._data_out = data.bind_processor(dialect), data.result_processor(dialect, None)
        self._at_in = at.bind_processor(dialect)

    async def read(self, params: dict[str, Any]) -> tuple | None:
        row = await self.sqlite.run(self._read.sql, self._read.parameters(params), one=True)
        return None if row is None else (row[0], self._data_out(row[1]), row[2])

    async def delete(self, params: dict[str, Any]) -> None:
        await self.sqlite.run(self._delete.sql, self._delete.parameters(params))

    async def upsert(self, values: dict[str, Any]) -> None:
        values = {**values, "data": self._data_in(values["data"]), "at": self._at_in(values["at"])}
        await self.sqlite.run(self._upsert.sql, self._upsert.parameters(values))

    def close(self) -> None:
        self.sqlite.close()  # opens again if an update in hand writes after this (see models.sqlite.Direct)


def _statements(db: Database, engine: AsyncEngine) -> _OnEngine | _OnSQLite:
    """Straight through sqlite3 on a SQLite file; through SQLAlchemy otherwise (an in-memory SQLite database
    exists only on the engine's one connection)."""
    if db.direct is not None:
        return _OnSQLite(db.direct, engine.dialect)
    return _OnEngine(engine, db.dialect)


async def _drop(connection: AsyncConnection) -> None:
    try:
        await connection.invalidate()
        await connection.close()
    except Exception:  # already gone
        pass


def create_storage(db: Database) -> SQLStorage:
    return SQLStorage(db)


def quick_reads(db: Database, storage: BaseStorage) -> Direct | PoolReads | None:
    """Where an update's sender's account is read outside its session (bot/services/accounts.py read_account):
    a SQLite file straight through sqlite3; on PostgreSQL the conversations' pool (one statement, no transaction,
    no ping), so that most updates take no connection from the handlers' pool. None: through the session."""
    if db.direct is not None:
        return db.direct
    if isinstance(storage, SQLStorage) and storage.postgres:
        return PoolReads(storage.engine)
    return None


class ChatOrder(BaseEventIsolation):
    """One update of a chat at a time, in the order they came. aiogram's FSM middleware holds this lock around
    each update before the conversation state is read, so a double tap on ✅ is handled after the first tap
    has finished, and sees what it left.

    In this process, an asyncio lock per chat: it serves first come, first served, and aiogram starts each
    update's task in the order of the updates (polling) with nothing to wait for before the lock, so the order
    holds. On PostgreSQL (several processes) a PostgreSQL advisory lock per chat is taken after that one (this
    process's updates reach it in order), held while the update is handled: all of a process's chat locks on
    one connection of their own (ChatLocks), so a process needs one connection for them however many chats it
    serves at once; they go when the connection does, so a process that died (SIGKILL) or a database restart
    frees them at once. Across
    processes the order comes from Telegram: its webhook sends a chat's next update once the previous one is
    answered, and bot/infra/webhook.py answers once it is handled; the lock keeps an update sent again
    (bot/infra/webhook.py) or a Zalo update from running beside another of its chat.

    Around each update, the conversations' Scope (one read, one write: see the module's doc) is opened here
    and written when the update is done. `tasks` are the updates waiting here or being handled: a shutdown
    waits for them (bot/middlewares.py)."""

    def __init__(self, storage: SQLStorage | None = None, at_once: int | None = None) -> None:
        self.storage = storage
        self.locks = ChatLocks(storage.db.url) if storage is not None and storage.postgres else None
        self.local: dict[StorageKey, tuple[asyncio.Lock, int]] = {}
        self.tasks: set[asyncio.Task] = set()
        self.at_once = at_once  # chats served at once (CHATS_AT_ONCE); None: no limit
        self._places: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            async with self._local(key), self._turn():
                if self.storage is None:
                    yield
                else:
                    async with self._scope(key):
                        yield
        finally:
            self.tasks.discard(task)

    @asynccontextmanager
    async def _local(self, key: StorageKey) -> AsyncIterator[None]:
        lock, users = self.local.get(key) or (asyncio.Lock(), 0)
        self.local[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self.local[key]
            if users == 1:
                del self.local[key]  # a lock per chat that ever wrote would grow without end
            else:
                self.local[key] = (lock, users - 1)

    def _turn(self) -> AbstractAsyncContextManager:
        """One of the `at_once` places, first come first served (asyncio's semaphore is fair)."""
        if not self.at_once:
            return nullcontext()
        loop = asyncio.get_running_loop()
        if self._places is None or self._places[0] is not loop:  # a semaphore serves the loop it first waited on
            self._places = (loop, asyncio.Semaphore(self.at_once))
        return self._places[1]

    @asynccontextmanager
    async def _scope(self, key: StorageKey) -> AsyncIterator[None]:
        scope = Scope()
        locked = self.locks is not None and await self.locks.take(lock_number(key))
        token = SCOPE.set(scope)
        try:
            yield
        finally:
            SCOPE.reset(token)
            try:
                await self.storage.flush(scope)
            finally:
                if locked:
                    await self.locks.release(lock_number(key))

    async def close(self) -> None:
        if self.locks is not None:
            await self.locks.close()


_TRY_LOCK = text("SELECT pg_try_advisory_lock(:space, :chat)")
_UNLOCK = text("SELECT pg_advisory_unlock(:space, :chat)")


class ChatLocks:
    """PostgreSQL: this process's chat locks (session advisory locks), all held on one connection of their own.

    A connection runs one statement at a time, so a lock is asked for without waiting (pg_try_advisory_lock, a
    fraction of a millisecond) and, if another process holds it (rare: Telegram sends a chat's next update once
    the previous one is answered), asked again after a short pause. Two updates of one chat in this process
    never meet here (ChatOrder's own lock comes first). When the database is away the update goes on under this
    process's lock alone (as its reads and writes ride the outage out), and the connection is opened again for
    the next one. So it does when another process has held the chat's lock for longer than `patience` (a
    process hung with its connection open): the chat is served late rather than never."""

    def __init__(self, url: str, patience: float = LOCK_PATIENCE) -> None:
        self.engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.connection: AsyncConnection | None = None
        self.turn = asyncio.Lock()  # one statement at a time on the connection
        self.patience = patience

    async def take(self, number: int) -> bool:
        """True once the lock is held; False when the database is away or the lock stayed held elsewhere."""
        pause, given_up = 0.005, time.monotonic() + self.patience
        while True:
            held = await self._run(_TRY_LOCK, number)
            if held is None or held:
                return bool(held)
            if time.monotonic() >= given_up:
                log.warning("chat lock %d held by another process for over %.0f s: this update goes on under "
                            "this process's lock alone", number, self.patience)
                return False
            await asyncio.sleep(pause)
            pause = min(0.2, pause * 2)

    async def release(self, number: int) -> None:
        await self._run(_UNLOCK, number, reconnect=False)

    async def _run(self, statement, number: int, reconnect: bool = True) -> bool | None:
        async with self.turn:
            try:
                if self.connection is None:
                    if not reconnect:
                        return None  # the lock went with the connection
                    self.connection = await self.engine.connect()
                return (await self.connection.execute(statement, {"space": LOCK_SPACE, "chat": number})).scalar()
            except Exception as exc:
                if self.connection is not None:
                    await _drop(self.connection)
                    self.connection = None
                if not (is_passing(exc) or isinstance(exc, DBAPIError)):
                    raise
                log.warning("chat lock: database unavailable (%s)", type(exc).__name__)
                return None

    async def close(self) -> None:
        async with self.turn:
            if self.connection is not None:
                await _drop(self.connection)
                self.connection = None
        await self.engine.dispose()


def lock_number(key: StorageKey) -> int:
    """The chat's advisory lock number (32 bits, signed). Two chats sharing one only take turns."""
    digest = hashlib.blake2b(f"{key.bot_id}:{key.chat_id}:{key.user_id}:{key.thread_id}:{key.destiny}".encode(),
                             digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def create_isolation(storage: BaseStorage) -> ChatOrder:
    """The chat order for this storage: with the conversations' Scope and, on PostgreSQL, across processes; at
    most CHATS_AT_ONCE chats served at once."""
    return ChatOrder(storage if isinstance(storage, SQLStorage) else None, CHATS_AT_ONCE)
