"""SQLite statements run on the event loop's own thread, not one thread hop each.

aiosqlite hands every call (open a cursor, execute, fetch, close the cursor, commit, roll back) to a worker
thread and waits for its answer; SQLAlchemy makes four or five such calls per statement. Under load a hop
(queue, thread wake-up, `call_soon_threadsafe`, the loop woken through its self-pipe) cost more than the
statement itself: 40 % of the bot's samples in a saturated run (bench/RESULTS.md). A registration's
statements are short (an index lookup, an upsert: some microseconds), so here they run at once, inline.

One thing must not run inline: waiting for another connection's write lock (SQLite's busy timeout) would
stop the loop, and with it the update that holds the lock. So the connection answers "busy" at once
(busy_timeout 0), and a statement that meets a held lock is handed to the worker thread as before, with the
usual wait (BUSY_WAIT_MS) there. A statement that failed busy was not applied, so running it again is safe.

The database is in WAL mode with synchronous=NORMAL (models/db.py): a commit writes the WAL without an
fsync, so it does not stop the loop on the disk either; a process killed at any instant loses nothing
committed, an operating-system crash or power cut can lose the last commits (never the file).
"""
from __future__ import annotations

import asyncio
import sqlite3
from functools import partial
from typing import Any

import aiosqlite

BUSY_WAIT_MS = 10_000
# every connection to the file, SQLAlchemy's (models/db.py) and Direct's: WAL, and durable through a killed
# process without an fsync per commit (see the module's doc)
PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, calling SQLite directly unless a lock is held elsewhere (see the module)."""

    async def _execute(self, fn, *args, **kwargs):
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
        return await super()._execute(waiting, self._conn, fn, *args, **kwargs)  # in the worker thread


def waiting(connection: sqlite3.Connection, fn, *args, **kwargs) -> Any:
    """`fn` with the usual wait for another connection's write lock (in a worker thread, never on the loop)."""
    connection.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
    try:
        return fn(*args, **kwargs)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    """As aiosqlite.connect (SQLAlchemy's `async_creator_fn`), for a connection used from the loop's thread too."""
    kwargs["check_same_thread"] = False
    kwargs["timeout"] = 0  # busy at once: see the module's doc
    return InlineConnection(partial(sqlite3.connect, str(database), **kwargs), iter_chunk_size)


class Compiled:
    """A statement in the database's own SQL, its parameters in order, made once by SQLAlchemy."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql, self.names = compiled.string, tuple(compiled.positiontup)

    def parameters(self, values: dict[str, Any]) -> tuple:
        return tuple(values[name] for name in self.names)


class Direct:
    """One plain sqlite3 connection in autocommit, for the few statements every update makes (its conversation's
    read and write: bot/infra/storage.py; its sender's account: bot/services/accounts.py). Through SQLAlchemy's engine a statement costs 115–170 µs of CPU (a
    pool check-out, greenlets, an execution context, a result object); here about 5 µs, on the loop's thread.

    As InlineConnection: busy at once, and a statement that meets another connection's write lock waits for it
    in a thread. One statement at a time (`turn`): while one waits in the thread the others queue behind it
    instead of blocking the loop on the connection's mutex.

    Closed, it opens again at the next statement, as a disposed SQLAlchemy engine does: aiogram closes the
    conversations' storage as soon as polling stops, while the updates in hand still write theirs."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._connection: sqlite3.Connection | None = None
        self.turn = asyncio.Lock()

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False, timeout=0)
            for pragma in PRAGMAS:
                connection.execute(pragma)
            self._connection = connection
        return self._connection

    async def run(self, sql: str, parameters: tuple, *, one: bool = False, all: bool = False) -> Any:
        """Runs `sql`; with `one`, its first row (None without one); with `all`, its rows."""
        async with self.turn:
            try:
                return self._step(sql, parameters, one, all)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
            return await asyncio.to_thread(waiting, self.connection, self._step, sql, parameters, one, all)

    def _step(self, sql: str, parameters: tuple, one: bool, all: bool) -> Any:
        cursor = self.connection.execute(sql, parameters)
        try:
            return cursor.fetchone() if one else cursor.fetchall() if all else None
        finally:
            cursor.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
