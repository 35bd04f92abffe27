"""End to end: an organizer broadcasts through the real bot; the outbox delivers under Telegram's limits."""
import asyncio
import re

from sqlalchemy import select

from bot.services import outbox
from models import Account, Broadcast, OutboxMessage
from models.outbox import BLOCKED, DONE, SENT
from testkit.crowd import seat
from testkit.flows import until_button, until_text

BODY = "Xe đưa đón khởi hành lúc 07:15 <từ khách sạn> & đến hội trường"


async def organizer_in_english(fake):
    org = fake.user(9001, first_name="Ban tổ chức", language_code="en")
    await org.send("/start")  # Telegram says English: the language is not asked
    await until_button(org, "❓ Help")
    return org


def received(u, part: str) -> list:
    return [m for m in u.inbox if part in m.text and not m.edited]


async def report_of(org, timeout: float) -> str:
    return (await until_text(org, "finished:", timeout)).text


async def test_broadcast_to_500_with_20_blocked_arrives_once_each_and_names_the_20(
        fake, settings, db, clean_redis, conference):
    from testkit.harness import RunningBot

    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.send_rate_per_second = 28  # our own pacing, just under the limit
    users = await seat(db, fake, conference, 500, english_every=10)
    blocked = users[5::25]
    assert len(blocked) == 20
    for u in blocked:
        u.block()
    bot = RunningBot(settings, clean_redis)
    await bot.start()
    try:
        org = await organizer_in_english(fake)
        await org.send("/broadcast")
        await until_text(org, "Vietnamese")
        await org.send(BODY)
        await until_button(org, "Skip: Vietnamese for everyone")
        await org.send("The shuttle leaves at 07:15 from the hotel")
        await until_button(org, "Everyone registered")
        await org.press("Everyone registered")
        summary = await until_button(org, "✅ Send now")
        assert "500 chats" in summary.text
        previews = [m for m in org.inbox if BODY in m.text or "The shuttle leaves" in m.text]
        assert len(previews) == 2  # the organizer saw both languages before confirming
        await org.press("✅ Send now")
        report = await report_of(org, timeout=120)
    finally:
        await bot.stop()

    reached = [u for u in users if u not in blocked]
    for n, u in enumerate(users):
        got = received(u, BODY) + received(u, "The shuttle leaves")
        assert len(got) == (0 if u in blocked else 1), (u.id, got)
        if u in reached:
            assert (BODY in got[0].text) == (n % 10 != 0)  # each in their language
            assert "<từ khách sạn> &" in got[0].text or n % 10 == 0  # the organizer's text, escaped once
    assert "480 of 500" in report
    named = set(re.findall(r"Đại biểu số (\d+)", report))
    assert named == {str(users.index(u)) for u in blocked}
    progress = [m for m in org.inbox if m.edited and "Broadcast #" in m.text]
    assert progress, "the progress message was never updated"
    async with db.session() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
        assert sorted(r.status for r in rows) == sorted([SENT] * 480 + [BLOCKED] * 20)
        assert (await session.scalar(select(Broadcast))).status == DONE
        unreachable = set(await session.scalars(select(Account.user_id).where(Account.reachable.is_(False))))
        assert unreachable == {str(u.id) for u in blocked}


async def test_a_photo_broadcast_to_one_province_and_a_stop(running, fake, db, conference):
    users = await seat(db, fake, conference, 12)
    org = await organizer_in_english(fake)
    await org.send("/broadcast")
    await until_text(org, "Vietnamese")
    await org.send_photo(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, caption="Sơ đồ hội trường")
    await until_button(org, "Skip: Vietnamese for everyone")
    await org.press("Skip: Vietnamese for everyone")
    await until_button(org, "The delegates of one province")
    await org.send("2")  # typed: the second choice
    await until_button(org, "Lâm Đồng")
    await org.press("Lâm Đồng")
    summary = await until_button(org, "✅ Send now")
    assert "3 chats" in summary.text  # users 1, 5, 9 are from Lâm Đồng
    await org.press("✅ Send now")
    await report_of(org, timeout=20)
    lam_dong = {users[n].id for n in (1, 5, 9)}
    for u in users:
        photos = [m for m in u.inbox if m.kind == "photo" and "Sơ đồ hội trường" in m.text]
        assert len(photos) == (1 if u.id in lam_dong else 0)


async def test_an_organizer_stops_a_running_broadcast(running, fake, db, conference):
    fake.set_rate_limits(global_per_s=5, per_chat_per_s=1, per_chat_burst=3)  # slow, so there is time to stop
    users = await seat(db, fake, conference, 120)
    org = await organizer_in_english(fake)
    await org.send("/broadcast")
    await until_text(org, "Vietnamese")
    await org.send("Thông báo thử")
    await until_button(org, "Skip: Vietnamese for everyone")
    await org.press("Skip: Vietnamese for everyone")
    await until_button(org, "Everyone registered")
    await org.press("Everyone registered")
    await until_button(org, "✅ Send now")
    await org.press("✅ Send now")
    progress = await until_button(org, "Stop this broadcast", timeout=20)
    for _ in range(100):
        if sum(len(received(u, "Thông báo thử")) for u in users) >= 10:
            break
        await asyncio.sleep(0.1)
    await org.press("Stop this broadcast", message=progress)
    stopped = (await until_text(org, "stopped:", timeout=20)).text
    sent = sum(len(received(u, "Thông báo thử")) for u in users)
    assert 0 < sent < 120
    assert f"{sent} of 120" in stopped
    await asyncio.sleep(1.5)
    assert sum(len(received(u, "Thông báo thử")) for u in users) == sent  # nothing more after the stop


async def test_broadcast_is_for_organizers_only(running, fake, db, conference):
    u = fake.user(31000, first_name="Lan", language_code="vi")
    await u.send("/broadcast")
    assert "Ban Tổ chức" in (await u.next_message()).text
    async with db.session() as session:  # a forged stop button does nothing either
        b = await outbox.create(session, conference, [], audience="all", text_vi="x")
    await u.press(callback_data=f"ob:cancel:{b.id}", message=u.inbox[-1])
    assert "Ban Tổ chức" in (await u.answer_for(await u.press(callback_data=f"ob:cancel:{b.id}",
                                                             message=u.inbox[-1]))).text
    async with db.session() as session:
        assert (await session.get(Broadcast, b.id)).status != "cancelled"
