"""`python -m bot rehearse`: plausible delegates in the practice database, across the event file's provinces
and categories, some checked in; `--reset` wipes it; the real database (DATABASE_URL) is never touched."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.event import load_event
from bot.ops import rehearse
from models import CheckIn, Database, Delegate
from testkit.paths import EVENT_FILE


async def stored(url: str) -> tuple[list[Delegate], int]:
    db = Database(url)
    try:
        async with db.session() as session:
            return list(await session.scalars(select(Delegate))), await session.scalar(
                select(func.count()).select_from(CheckIn))
    finally:
        await db.close()


def test_rehearse_fills_the_practice_database_and_reset_wipes_it(tmp_path, monkeypatch):
    practice, real = tmp_path / "practice.sqlite3", tmp_path / "real.sqlite3"
    monkeypatch.setenv("PRACTICE_DATABASE_URL", f"sqlite+aiosqlite:///{practice}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{real}")
    monkeypatch.setenv("EVENT_FILE", str(EVENT_FILE))
    assert rehearse.main(["--delegates", "60", "--seed", "7"]) == 0
    assert practice.exists() and not real.exists()

    import asyncio

    delegates, checkins = asyncio.run(stored(f"sqlite+aiosqlite:///{practice}"))
    event = load_event(EVENT_FILE)
    assert len(delegates) == 60 and 0 < checkins < 60 * len(event.parts)
    assert len({d.province for d in delegates}) >= 8 and len({d.category for d in delegates}) >= 5
    for delegate in delegates:
        assert delegate.category in {c.code for c in event.categories_for(delegate.province)}
        assert re.fullmatch(r"\+84[35789]\d{8}", delegate.phone), delegate.phone
        assert len(delegate.full_name.split()) == 3 and delegate.position and delegate.organization
        assert rehearse.attended(delegate)
    assert len({d.phone for d in delegates}) == 60

    assert rehearse.main(["--reset"]) == 0
    assert not practice.exists()
