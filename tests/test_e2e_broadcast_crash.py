"""A broadcast survives a real crash: the bot process is SIGKILLed in the middle, started again, and
finishes the broadcast with no one reached twice and no one left out."""
import asyncio

import pytest

from sqlalchemy import func, select

from bot.services import outbox
from bot.services.accounts import get_or_create_account
from models import OutboxMessage
from models.outbox import SENT
from testkit.crowd import seat
from testkit.fakebot.errors import ApiError
from testkit.harness import BotProcess

MARKER = "Thông báo khẩn: họp trù bị lúc 16:00"


async def sent_rows(db) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == SENT))


async def test_killed_mid_broadcast_and_restarted_it_finishes_with_no_duplicate_and_no_gap(
        fake, db, database_url, redis_url, conference, tmp_path):
    await killed_mid_broadcast(fake, db, database_url, redis_url, conference, tmp_path, standby=False)


async def test_killed_mid_broadcast_the_other_process_takes_over(fake, db, database_url, redis_url, conference,
                                                                 tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("several bot processes need PostgreSQL (SQLite is one process by design)")
    await killed_mid_broadcast(fake, db, database_url, redis_url, conference, tmp_path, standby=True)


async def killed_mid_broadcast(fake, db, database_url, redis_url, conference, tmp_path, *, standby: bool):
    """The process sending a broadcast is SIGKILLed in the middle; it is started again (or, with a standby
    process running beside it, that one takes over)."""
    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    users = await seat(db, fake, conference, 150)
    org = fake.user(9001, first_name="Ban tổ chức", language_code="vi", started=True)
    async with db.session() as session:
        organizer = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001",
                                                display_name="Ban tổ chức")
        people = await outbox.recipients(session, conference, outbox.ALL)
        await outbox.create(session, conference, people, audience=outbox.ALL, text_vi=MARKER, by=organizer)

    def delivered() -> int:
        return sum(1 for u in users for m in u.inbox if MARKER in m.text)

    holding, killed = asyncio.Event(), asyncio.Event()

    async def before_send(method: str, params: dict) -> None:
        """At the 60th delivery the network stalls: what is in flight then never reaches Telegram."""
        if killed.is_set() or MARKER not in str(params.get("text", "")):
            return
        if holding.is_set() or delivered() >= 60:
            holding.set()
            await killed.wait()
            raise ApiError(502, "Bad Gateway")  # the connection is gone; nothing was delivered

    fake.before_send = before_send
    bot = BotProcess(fake, database_url, tmp_path, redis_url=redis_url)
    await bot.start()
    other = BotProcess(fake, database_url, tmp_path, redis_url=redis_url) if standby else None
    if other:
        await other.start()  # holds no lease yet: the first process sends
    try:
        await asyncio.wait_for(holding.wait(), 60)
        # every answer Telegram gave before the stall has been recorded; the sends in flight have not
        for _ in range(200):
            if await sent_rows(db) == delivered():
                break
            await asyncio.sleep(0.05)
        assert await sent_rows(db) == delivered() >= 60
        bot.kill()
        killed.set()
        assert 0 < delivered() < len(users)

        if other is None:
            await bot.start()
        report = None
        for _ in range(600):
            report = next((m for m in org.inbox if "đã gửi xong" in m.text), None)
            if report:
                break
            await asyncio.sleep(0.1)
    finally:
        bot.stop()
        if other:
            other.stop()
    assert report is not None, "no final report"
    assert "150/150" in report.text
    counts = [sum(1 for m in u.inbox if MARKER in m.text) for u in users]
    assert counts == [1] * len(users)  # no duplicate, no gap
    assert await sent_rows(db) == len(users)
