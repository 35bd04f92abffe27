"""End to end: /schedule, /calendar and /reminders."""
from icalendar import Calendar
from sqlalchemy import select

from models import Account
from testkit.flows import choose_vietnamese, register_by_buttons, until_button, until_text


async def test_schedule_calendar_and_reminder_switch(running, fake, db):
    u = fake.user(4101, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await u.send("/calendar")
    assert "đăng ký trước" in (await u.next_message()).text
    await register_by_buttons(u, name="Lê Thị Lan")  # attends 26/7 and 28/7

    await u.send("/schedule")
    agenda = await until_text(u, "📅")
    lines = agenda.text.splitlines()
    marked = [line for line in lines if line.startswith("✅ Thứ")]
    assert len(marked) == 2 and "26/7, 14:00" in marked[0] and "28/7, 08:00" in marked[1]
    assert any(line.startswith("▫️ ") and "27/7, 14:00" in line for line in lines)
    programme = [line.strip() for line in lines if line.strip()[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(programme) == 9 and "Văn nghệ chào mừng" in programme[1] and "Bế mạc" in programme[8]

    await u.send("/calendar")
    ics = await u.messages_until(lambda m: m.kind == "document")
    calendar = Calendar.from_ical(ics[-1].document_bytes)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [e.decoded("dtstart").isoformat() for e in events] == ["2023-07-26T07:00:00+00:00",
                                                                  "2023-07-28T01:00:00+00:00"]
    assert b"DTSTART:20230726T070000Z" in ics[-1].document_bytes
    assert "Đà Lạt" in str(events[0]["location"])

    await u.send("/reminders")
    menu = await until_button(u, "🔕 Tắt nhắc lịch")
    assert "hôm trước lúc 20:00" in menu.text and "trước 60 phút" in menu.text
    await u.press("🔕 Tắt nhắc lịch")
    await until_button(u, "🔔 Bật nhắc lịch")
    async with db.session() as session:
        assert (await session.scalar(select(Account.reminders).where(Account.user_id == "4101"))) is False
    await u.send("1")  # typed: the menu's only button
    await until_button(u, "🔕 Tắt nhắc lịch")
    async with db.session() as session:
        assert (await session.scalar(select(Account.reminders).where(Account.user_id == "4101"))) is True
