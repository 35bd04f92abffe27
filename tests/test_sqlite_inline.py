"""SQLite statements on the loop's thread (models/sqlite.py): a write that meets another connection's write lock
waits for it in aiosqlite's thread, so the loop goes on meanwhile and the holder can finish."""
import asyncio

from sqlalchemy import text

from models import Database
from testkit.loop import LoopTicks


async def test_a_write_waits_for_the_lock_without_stopping_the_loop(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}")
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
    ticks = LoopTicks()
    try:
        async with ticks, db.engine.connect() as holder:
            await holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock until it commits

            async def other_write() -> None:
                async with db.engine.begin() as other:
                    await other.execute(text("INSERT INTO t VALUES (2)"))

            waiting = asyncio.create_task(other_write())
            await asyncio.sleep(0.3)
            assert not waiting.done() and ticks.count >= 10  # it waits, and the loop runs meanwhile
            await holder.commit()
            await asyncio.wait_for(waiting, 5)
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 2]
    finally:
        await db.close()


async def test_statements_run_on_the_loops_thread(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}")
    try:
        async with db.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            queued = []

            class Watched:  # aiosqlite's worker queue, watched: nothing may be handed to it
                def put_nowait(self, item):
                    queued.append(item)

            real, raw._tx = raw._tx, Watched()
            try:
                assert (await connection.execute(text("SELECT 40 + 2"))).scalar() == 42
            finally:
                raw._tx = real
            assert queued == []
    finally:
        await db.close()
