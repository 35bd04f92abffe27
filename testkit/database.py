"""A clean database for each test or benchmark run."""
from __future__ import annotations

from sqlalchemy import text

from models import Database


async def reset_database(url: str) -> None:
    """An empty PostgreSQL schema (SQLite files are new for each test)."""
    if url.startswith("postgresql"):
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.close()
