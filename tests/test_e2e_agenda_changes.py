"""End to end: an organizer changes the agenda; exactly the delegates attending are told, in their language,
/schedule shows the change and their reminders move with it."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.services import agenda, reminders
from models import AgendaChange
from testkit.crowd import seat
from testkit.flows import agenda_part, cancel_part, organizer_in_english, until_button, until_text

ICT = timezone(timedelta(hours=7))


async def test_moving_the_conference_reaches_exactly_its_delegates_and_moves_their_reminders(
        running, fake, db, conference):
    users = await seat(db, fake, conference, 9, english_every=4, reception_only_every=3)
    org = await organizer_in_english(fake)
    details = await agenda_part(org, "Mid-year 2023 review conference")
    assert "Attending: 6 delegates" in details.text
    await org.press("🕑 Change the time")
    await until_text(org, "new start time")
    await org.send("8h30")
    confirm = await until_button(org, "✅ Confirm and notify")
    assert "28/7: Mid-year 2023 review conference now starts at 08:30 instead of 08:00" in confirm.text
    assert "6 chats" in confirm.text
    await org.press("✅ Confirm and notify")
    progress = await until_text(org, "sending to 6 chats", timeout=20)
    assert "Agenda change notice #" in progress.text and "Broadcast" not in progress.text
    await until_text(org, "finished:", timeout=20)

    for n, u in enumerate(users):
        notices = [m for m in u.inbox if "08:30" in m.text]
        if n % 3 == 0:
            assert notices == [], n  # reception only: not affected
            continue
        assert len(notices) == 1, (n, u.inbox)
        expected = ("now starts at 08:30 instead of 08:00" if n % 4 == 0
                    else "Hội nghị sơ kết giao ước thi đua 6 tháng đầu năm 2023 bắt đầu lúc 08:30 thay vì 08:00")
        assert expected in notices[0].text, notices[0].text

    await users[1].send("/schedule")
    schedule = await until_text(users[1], "📅")
    assert "Thứ Sáu 28/7, 08:30" in schedule.text and "08:00" not in schedule.text

    async with db.session() as session:
        change = await session.scalar(select(AgendaChange))
        assert change.by_id is not None and change.starts_at == datetime(2023, 7, 28, 8, 30, tzinfo=ICT)
        moved = [p for p in await agenda.parts(session, conference) if p.code == "conference"][0]
        assert moved.ends_at == datetime(2023, 7, 28, 12, 0, tzinfo=ICT)  # the length kept
        due = {reminders.due_time(r, moved.starts_at, conference) for r in conference.reminders}
        assert datetime(2023, 7, 28, 7, 30, tzinfo=ICT) in due


async def test_cancel_and_add_a_part(running, fake, db, conference):
    users = await seat(db, fake, conference, 4, reception_only_every=2)
    org = await organizer_in_english(fake)
    confirm = await cancel_part(org, "Reception of delegates")
    assert "26/7: Reception of delegates is cancelled." in confirm.text and "4 chats" in confirm.text
    await org.press("✅ Confirm and notify")
    await until_text(org, "finished:", timeout=20)
    assert all(any("đã bị hủy" in m.text for m in u.inbox) for u in users)

    await org.send("/agenda")
    await until_button(org, "➕ Add a part")
    await org.press("➕ Add a part")
    await until_text(org, "title of the new part")
    await org.send("Họp báo | Press briefing")
    await until_text(org, "When does it start")
    await org.send("27/7 19:00")
    await until_text(org, "Where?")
    await org.send("Phòng họp số 2 | Meeting room 2")
    confirm = await until_button(org, "✅ Confirm and notify")
    assert "27/7: added to the programme: Press briefing, at 19:00, Meeting room 2." in confirm.text
    await org.press("✅ Confirm and notify")
    await until_text(org, "finished:", timeout=20)
    assert all(any("Họp báo" in m.text and "Phòng họp số 2" in m.text for m in u.inbox) for u in users)
    await users[0].send("/schedule")
    schedule = await until_text(users[0], "📅")
    assert "Họp báo" in schedule.text and "<s>" not in schedule.text


async def test_agenda_is_for_organizers_only(running, fake, db):
    u = fake.user(31001, first_name="Lan", language_code="vi")
    await u.send("/agenda")
    assert "Ban Tổ chức" in (await u.next_message()).text
    forged = await u.press(callback_data="ag:cancel:conference", message=u.inbox[-1])
    assert "Ban Tổ chức" in (await u.answer_for(forged)).text
    async with db.session() as session:
        assert (await session.scalar(select(AgendaChange))) is None
