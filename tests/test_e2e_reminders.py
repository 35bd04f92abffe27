"""End to end: reminders from the real scheduler, through the real polling bot, to the fake Telegram."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import select

from bot.services import agenda
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import ReminderDelivery
from testkit.harness import RunningBot
from testkit.paths import EVENT_FILE
from testkit.records import draft


def event_starting_soon(tmp_path, offsets: dict[str, float]) -> tuple:
    """The seed event with each session starting `offsets[code]` seconds from now; one reminder a minute before."""
    data = yaml.safe_load(EVENT_FILE.read_text(encoding="utf-8"))
    now = datetime.now(timezone.utc)
    starts = {}
    for s in data["sessions"]:
        starts[s["code"]] = now + timedelta(seconds=offsets[s["code"]])
        s["starts_at"] = starts[s["code"]].astimezone(timezone(timedelta(hours=7))).isoformat(timespec="seconds")
        s["ends_at"] = (starts[s["code"]] + timedelta(hours=2)).astimezone(timezone(timedelta(hours=7))).isoformat()
    data["reminders"] = [{"minutes_before": 1}]
    path = tmp_path / "soon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path, starts


async def reminders_until(u, count: int, timeout: float) -> list:
    got = await reminders_of(u, timeout, stop_at=count)
    assert len(got) == count, got
    return got


async def reminders_of(u, within: float, stop_at: int | None = None) -> list:
    """Reminder messages this user receives within `within` seconds."""
    got = []
    deadline = asyncio.get_running_loop().time() + within
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            message = await u.next_message(timeout=left)
        except TimeoutError:
            break
        if "🔔" in message.text:
            got.append(message)
            if len(got) == stop_at:
                break
    return got


@pytest.fixture
async def soon(fake, settings, db, clean_redis, tmp_path):
    # reception's reminder is due in 4 s, exchange's in 18 s; the conference's was due 30 s ago, but the
    # conference has not begun, so it is sent late
    path, starts = event_starting_soon(tmp_path, {"reception": 64, "exchange": 78, "conference": 30})
    settings.event_file = path
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    return RunningBot(settings, clean_redis), starts


async def test_reminders_arrive_once_in_the_right_language(soon, fake, db, conference):
    bot, starts = soon
    lan = fake.user(3101, first_name="Lan", language_code="vi", started=True)
    ann = fake.user(3102, first_name="Ann", language_code="en", started=True)
    quiet = fake.user(3103, first_name="Tĩnh", language_code="vi", started=True)
    absent = fake.user(3104, first_name="Vắng", language_code="vi", started=True)
    async with db.session() as session:
        accounts = {}
        for u, lang in ((lan, "vi"), (ann, "en"), (quiet, "vi"), (absent, "vi")):
            account = await get_or_create_account(session, channel="telegram", user_id=str(u.id), chat_id=str(u.id),
                                                  display_name=u.first_name)
            account.language = lang
            accounts[u.id] = account
        accounts[quiet.id].reminders = False
        await session.commit()
        for u, parts in ((lan, ["reception", "exchange", "conference"]), (ann, ["reception"]),
                            (quiet, ["reception"]), (absent, ["exchange"])):
            await reg.register(session, conference, draft(full_name=u.first_name, parts=parts),
                               registrant=accounts[u.id], for_self=True)
        absent_delegate = (await reg.delegates_of(session, conference, accounts[absent.id]))[0]
        await reg.cancel(session, absent_delegate)

    await bot.start()
    try:
        # the conference's (missed while the bot was down, sent at start) and reception's
        late, first_wave = await reminders_until(lan, 2, 10)
        assert "Hội nghị sơ kết" in late.text and "Nhắc lịch" in late.text
        assert "Đón tiếp" in first_wave.text
        [english] = await reminders_until(ann, 1, 2)
        assert "Reminder" in english.text and "Reception of delegates" in english.text
        assert "How to get there" in english.text
        # restarted between two reminders: neither repeated nor missed
        await bot.restart()
        [second_wave] = await reminders_until(lan, 1, 20)
        assert "trao đổi kinh nghiệm" in second_wave.text
        assert await reminders_of(lan, 1) == [] and await reminders_of(ann, 0.2) == []
        # turned off, or cancelled: nothing
        assert await reminders_of(quiet, 0.1) == [] and await reminders_of(absent, 0.1) == []
        async with db.session() as session:
            rows = (await session.scalars(select(ReminderDelivery))).all()
        sent = sorted((r.part_code, r.status) for r in rows if r.status == "sent")
        assert sent == [("conference", "sent"), ("exchange", "sent"), ("reception", "sent"), ("reception", "sent")]
    finally:
        await bot.stop()


async def test_a_secretariat_gets_one_reminder_for_all_its_delegates(soon, fake, db, conference):
    """A provincial secretariat registered itself and 17 officials for reception: one message per reminder,
    naming the officials (15, then how many more), not 18 messages; every delegate's reminder is recorded."""
    bot, _starts = soon
    office = fake.user(3301, first_name="Văn phòng", language_code="vi", started=True)
    officials = [f"Đại biểu <{n:02d}>" for n in range(17)]
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id=str(office.id),
                                              chat_id=str(office.id), display_name="Văn phòng")
        account.language = "vi"
        await reg.register(session, conference, draft(full_name="Chánh Văn phòng", parts=["reception"]),
                           registrant=account, for_self=True)
        for name in officials:
            await reg.register(session, conference, draft(full_name=name, parts=["reception"]),
                               registrant=account, for_self=False)
    await bot.start()
    try:
        [reminder] = await reminders_until(office, 1, 15)
        assert await reminders_of(office, 3) == []  # not one more for each official
        assert "Đón tiếp" in reminder.text
        [sent] = [c.params["text"] for c in fake.calls_to("sendMessage") if "🔔" in c.params["text"]]
        assert "Đại biểu &lt;00&gt;, " in sent  # names are escaped in the HTML
        named = [name for name in officials if name in reminder.text]
        assert named == officials[:15] and "và 2 người khác" in reminder.text
        assert "Chánh Văn phòng" not in reminder.text  # the account's own record needs no name
        async with db.session() as session:
            rows = (await session.scalars(select(ReminderDelivery))).all()
        assert len(rows) == 18 and {r.status for r in rows} == {"sent"}
    finally:
        await bot.stop()


async def test_a_part_moved_later_gets_its_reminders_replanned(soon, fake, db, conference):
    bot, starts = soon
    u = fake.user(3201, first_name="Minh", language_code="vi", started=True)
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id=str(u.id), chat_id=str(u.id),
                                              display_name="Minh")
        account.language = "vi"
        await reg.register(session, conference, draft(full_name="Minh", parts=["reception"]), registrant=account,
                           for_self=True)
    await bot.start()
    try:
        later = starts["reception"] + timedelta(minutes=30)
        async with bot.app.db.session() as session:
            await agenda.change(session, bot.app.conference, "reception", None, starts_at=later)
        bot.app.reminders.replan_soon()
        assert await reminders_of(u, 6) == []  # it was due 4 s after the start; now in half an hour
        next_wave = bot.app.reminders.next_wave_at()
        assert next_wave is not None and abs((next_wave - (later - timedelta(minutes=1))).total_seconds()) < 1
    finally:
        await bot.stop()


async def test_morning_summary_for_staff_and_organizers(soon, fake, db, conference):
    bot, _starts = soon
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)  # in ADMIN_IDS
    delegate = fake.user(3301, first_name="Hà", language_code="vi", started=True)
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id="3301", chat_id="3301",
                                              display_name="Hà")
        today = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=7))).date().isoformat()
        await reg.register(session, conference, draft(full_name="Hà", parts=["reception", "conference"],
                                                      arrival_date=today), registrant=account, for_self=True)
    await bot.start()
    try:
        await bot.app.reminders.morning_summary()  # what the 07:00 job runs
        summary = (await organizer.messages_until(lambda m: "☀️" in m.text)).pop()
        assert "dự kiến 1 đại biểu đến" in summary.text
        assert "Đón tiếp đại biểu các tỉnh: 1" in summary.text and "tham quan thực tế: 0" in summary.text
        assert not any("☀️" in m.text for m in delegate.inbox)  # delegates do not get it
    finally:
        await bot.stop()
