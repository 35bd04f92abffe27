"""What a reminder says and when it is not sent: how soon the part begins (singular and plural, in both
languages), one message for two offsets of one part due together, nothing for a part that has begun."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.i18n import build_i18n
from bot.services import agenda, reminders
from bot.workers.reminders import ReminderScheduler, begins
from models import ReminderDelivery
from tests.test_reminders_service import future, people

ICT = timezone(timedelta(hours=7))
NOW = datetime(2023, 7, 27, 20, 0, tzinfo=ICT)


class Recording:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id, text):
        self.sent.append((chat_id, text))


@pytest.mark.parametrize(("lang", "start", "said"), [
    ("en", NOW + timedelta(minutes=60), "⏰ Begins in 60 minutes"),
    ("vi", NOW + timedelta(minutes=60), "⏰ Bắt đầu sau 60 phút nữa"),
    ("en", NOW + timedelta(seconds=65), "⏰ Begins in 1 minute"),
    ("en", NOW + timedelta(seconds=10), "⏰ Begins in 1 minute"),
    ("vi", NOW + timedelta(seconds=65), "⏰ Bắt đầu sau 1 phút nữa"),
    ("en", NOW + timedelta(hours=12), "⏰ Begins tomorrow at 08:00"),
    ("vi", NOW + timedelta(hours=12), "⏰ Bắt đầu lúc 08:00 ngày mai"),
    ("en", NOW + timedelta(hours=3, minutes=30), "⏰ Begins today at 23:30"),
    ("vi", NOW + timedelta(hours=3, minutes=30), "⏰ Bắt đầu lúc 23:30 hôm nay"),
    ("en", NOW + timedelta(days=1, hours=12), "⏰ Begins on Sat 29/7 at 08:00"),
])
def test_a_reminder_says_how_soon_the_part_begins(lang, start, said):
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale(lang):
        assert begins(start, NOW, ICT, lang) == said


async def planned(db, conference) -> tuple[int, list[reminders.Due]]:
    account_id, _own, _other = await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for part in conference.parts:
            await agenda.change(session, conference, part.code, None, starts_at=part.starts_at + shift)
        return account_id, [d for d in await reminders.plan(session, conference) if d.account_id == account_id]


async def statuses(db) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(ReminderDelivery.status)))


async def test_two_reminders_of_one_part_due_together_come_as_one(db, conference):
    """Both missed while the bot was down (the evening before, and the hour before): one message, the later one's,
    saying how soon the part begins; both recorded."""
    bot = Recording()
    worker = ReminderScheduler(bot, db, conference, build_i18n("vi"), frozenset(), "en")
    _account, due = await planned(db, conference)
    [group] = [g for g in reminders.by_message(due) if g[0].part.code == "reception"]
    assert len(group) == 2
    await worker.send(group)
    [(_chat, text)] = bot.sent
    assert text.count("🔔") == 1 and "⏰ Begins on " in text
    assert await statuses(db) == ["sent", "sent"]


async def test_a_reminder_for_a_part_that_has_begun_is_not_sent(db, conference):
    """E.g. its wave waited long for Telegram: a reminder for a part that has begun is worse than none."""
    bot = Recording()
    worker = ReminderScheduler(bot, db, conference, build_i18n("vi"), frozenset(), "vi")
    _account, due = await planned(db, conference)
    group = reminders.by_message(due)[0]
    begun = replace(group[0].part, starts_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    await worker.send([replace(d, part=begun) for d in group])
    assert bot.sent == []
    assert await statuses(db) == ["expired"] * len(group)


async def test_a_reminder_names_the_hotel_and_room_of_a_placed_delegate(db, conference):
    from models import RoomAssignment

    bot = Recording()
    worker = ReminderScheduler(bot, db, conference, build_i18n("vi"), frozenset(), "vi")
    _account, due = await planned(db, conference)
    [group] = [g for g in reminders.by_message(due) if g[0].part.code == "reception"]
    async with db.session() as session:
        session.add(RoomAssignment(delegate_id=group[0].delegate_id, event_id=conference.id, hotel="ngoc_lan",
                                   room="twin-7", nights="2023-07-26"))
        await session.commit()
    await worker.send(group)
    [(_chat, text)] = bot.sent
    assert "🏨 <b>Khách sạn Ngọc Lan (tạm)</b>, 42 Nguyễn Chí Thanh, Phường 1, TP. Đà Lạt; phòng twin-7" in text
