"""Engine, session factory and schema migration at start."""
from __future__ import annotations

from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Insert, Table, event, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from models.sqlite import PRAGMAS as SQLITE_PRAGMAS, Direct, connect as inline_sqlite

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# any constant; serialises migrations when several bot processes start at once on PostgreSQL
_MIGRATION_LOCK = 7_260_728
# PostgreSQL connections of a bot process: its pool (handlers, the lease, workers), the conversations' pool
# (a connection for one statement at a time: bot/infra/storage.py) and one holding its chats' locks
# (ChatLocks there); `python -m bot check` and the README say so
POOL_SIZE, POOL_OVERFLOW = 10, 20
CONVERSATION_POOL = 5
CONNECTIONS_PER_PROCESS = POOL_SIZE + POOL_OVERFLOW + CONVERSATION_POOL + 1


def json_text(value: object) -> str:
    """A JSON column's value as text, by orjson rather than the json module (a conversation is written at every
    update; five times quicker). The same JSON read back: numbers as keys become text, as json.dumps makes them."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_BY_ORJSON = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _in_memory(url: str) -> bool:
    return ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self.engine: AsyncEngine = self.pool(POOL_SIZE, POOL_OVERFLOW)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # a SQLite file: the statements of every update (its sender's account, its conversation) go straight
        # through sqlite3 (models/sqlite.py); an in-memory database exists only on the engine's one connection
        self.direct = Direct(make_url(url).database) if url.startswith("sqlite") and not _in_memory(url) else None

    def pool(self, size: int, overflow: int, *, ping: bool = True, **options) -> AsyncEngine:
        """An engine on this database with a pool of its own (the conversations have one: bot/infra/storage.py).
        `ping`: on PostgreSQL a connection is tried (a round trip) before each use, so a statement never meets one
        a database restart closed; without it, for statements that are tried again through an outage anyway."""
        if not self.url.startswith("sqlite"):
            return create_async_engine(self.url, echo=self.echo, pool_pre_ping=ping, pool_size=size,
                                       max_overflow=overflow, **JSON_BY_ORJSON, **options)
        if _in_memory(self.url):
            return self.engine  # one database per engine: share it
        # statements on the loop's thread, a lock waited for in aiosqlite's thread (models/sqlite.py)
        engine = create_async_engine(self.url, echo=self.echo, pool_size=size, max_overflow=overflow,
                                     connect_args={"async_creator_fn": inline_sqlite}, **JSON_BY_ORJSON)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (Alembic), safely from several processes."""

        def upgrade(connection: Connection) -> None:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade)

    def session(self) -> AsyncSession:
        return self.sessions()

    async def close(self) -> None:
        if self.direct is not None:
            self.direct.close()
        await self.engine.dispose()


class PoolReads:
    """Single statements on a pool that tries no connection before use (the conversations': bot/infra/storage.py),
    outside any transaction: one that meets a connection a database restart closed is run again on a new one."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def all(self, statement, parameters: dict) -> list:
        try:
            return await self._all(statement, parameters)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return await self._all(statement, parameters)  # the pool opens a new connection

    async def _all(self, statement, parameters: dict) -> list:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement, parameters)).all()


CONNECTED = "connected"  # Session.info: the session took a connection from the pool at least once
# Session.info: this update wrote what decides which reminders are due (a registration, the agenda): its
# middleware (bot/middlewares.py) has them planned again when it is done
PLAN_CHANGED = "plan_changed"


def note_plan_changed(session: AsyncSession) -> None:
    """For a write made by a plain statement, which SQLAlchemy's flush events (bot/middlewares.py) do not see."""
    session.sync_session.info[PLAN_CHANGED] = True


@event.listens_for(Session, "after_begin")
def _connected(session: Session, _transaction, _connection) -> None:
    session.info[CONNECTED] = True


async def close(session: AsyncSession) -> None:
    """Close a session as `async with` does; at once if it never took a connection (most updates read their
    account and conversation through Direct): then there is nothing to give back to the pool, and SQLAlchemy's
    own close (a task, a shield and a greenlet: 25 µs, a fortieth of an update) does only what this does."""
    if session.sync_session.info.get(CONNECTED):
        await session.__aexit__(None, None, None)
    else:
        session.sync_session.close()


async def add_once(session: AsyncSession, row: object) -> bool:
    """Add `row` and commit; False (rolled back) when a unique key says another run has it already. How a
    reminder, an outbox row or any "taken before it is sent" record is claimed once."""
    session.add(row)
    try:
        await session.commit()
        return True
    except IntegrityError:
        await session.rollback()
        return False


# A new record the updates make all the time (a registration, a first contact's account) is written by a plain
# INSERT rather than by the session's flush, whose unit of work cost several times the statement (bench/RESULTS.md);
# the record then joins the session as if it had been read from it (as_loaded).
_INSERTS: dict[Table, Insert] = {}


async def insert_record(session: AsyncSession, record: object) -> None:
    """Write `record` (new, not in the session) by one INSERT, uncommitted, and set its primary key. Columns left
    unset take their defaults, as the session's flush gives them, and the record is given them too."""
    table = record.__table__
    given = inspect(record).dict
    for column in table.c:
        if column.key not in given and not column.primary_key:
            default = column.default
            setattr(record, column.key, None if default is None else default.arg(None) if default.is_callable
                    else default.arg)
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = table.insert()
    result = await session.execute(statement, {c.key: given[c.key] for c in table.c if c.key in given})
    for column, value in zip(table.primary_key.columns, result.inserted_primary_key):
        setattr(record, column.key, value)


def record_of(kind: type, values: dict) -> object:
    """A record of `kind` from its row's column values, made as SQLAlchemy's own loading makes one: without the
    constructor's event per attribute (two thirds of its cost). For as_loaded."""
    record = inspect(kind).class_manager.new_instance()
    instance_dict(record).update(values)
    return record


def as_loaded(session: AsyncSession, record: object, **collections: list) -> None:
    """`record`, written or read by plain statements (and committed), put in `session` as if the session had read
    it: handlers change it and commit as usual, and nothing is written again. `collections`: its one-to-many
    relationships, their records in the same state (their keys set)."""
    for items in collections.values():
        for item in items:
            make_transient_to_detached(item)
    make_transient_to_detached(record)
    for name, items in collections.items():
        set_committed_value(record, name, items)
    session.add(record)
