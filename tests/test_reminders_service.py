"""Reminder planning without a chat framework: due times, who gets what, exactly once."""
import time as clock
from datetime import datetime, timedelta, timezone

import pytest

from bot.event import Reminder
from bot.services import agenda, reminders
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from testkit.records import draft


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Ho_Chi_Minh"])
def machine_timezone(request, monkeypatch):
    """The machine's own time zone must not matter."""
    monkeypatch.setenv("TZ", request.param)
    clock.tzset()
    yield request.param
    monkeypatch.undo()
    clock.tzset()


def test_due_times_do_not_depend_on_the_machine(conference, machine_timezone):
    start = conference.part("conference").starts_at  # 28/7 08:00 +07:00
    evening = reminders.due_time(Reminder(day_before_at="20:00"), start, conference)
    hour = reminders.due_time(Reminder(minutes_before=60), start, conference)
    assert evening == datetime(2023, 7, 27, 13, 0, tzinfo=timezone.utc)
    assert hour == datetime(2023, 7, 28, 0, 0, tzinfo=timezone.utc)


async def people(db, conference):
    async with db.session() as session:
        make = lambda uid, lang: get_or_create_account(  # noqa: E731
            session, channel="telegram", user_id=uid, chat_id=uid, display_name=uid)
        lan, ann, off = await make("1", "vi"), await make("2", "en"), await make("3", "vi")
        off.reminders = False
        await session.commit()
        own = await reg.register(session, conference, draft(parts=["reception", "conference"]), registrant=lan,
                                 for_self=True)
        other = await reg.register(session, conference, draft(full_name="B", parts=["exchange"]), registrant=lan,
                                   for_self=False)
        await reg.register(session, conference, draft(full_name="C"), registrant=off, for_self=True)
        gone = await reg.register(session, conference, draft(full_name="D"), registrant=ann, for_self=True)
        await reg.cancel(session, gone)
        return lan.id, own.id, other.id


def future(conference):
    """The seed conference moved to next month, so that its reminders are still ahead."""
    shift = datetime.now(timezone.utc) + timedelta(days=30) - conference.parts[0].starts_at
    return shift


async def test_plan_who_gets_what(db, conference):
    lan, own, other = await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for s in conference.parts:
            await agenda.change(session, conference, s.code, None, starts_at=s.starts_at + shift)
        due = await reminders.plan(session, conference)
    keys = sorted((d.delegate_id, d.part.code, d.offset_key) for d in due)
    assert keys == sorted([
        (own, "reception", "day_before_at=20:00"), (own, "reception", "minutes_before=60"),
        (own, "conference", "day_before_at=20:00"), (own, "conference", "minutes_before=60"),
        (other, "exchange", "day_before_at=20:00"), (other, "exchange", "minutes_before=60"),
    ])  # not the one who turned reminders off, not the cancelled one
    assert all(d.account_id == lan for d in due)  # the registrant looks after the person they registered
    assert [d.due_at for d in due] == sorted(d.due_at for d in due)


async def test_taken_once_and_moved_with_the_agenda(db, conference):
    await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for s in conference.parts:
            await agenda.change(session, conference, s.code, None, starts_at=s.starts_at + shift)
        first = (await reminders.plan(session, conference))[0]
        assert await reminders.take(session, first)
        assert not await reminders.take(session, first)  # an overlapping run gets nothing
        assert first not in await reminders.plan(session, conference)
        part = conference.part(first.part.code)
        later = part.starts_at + shift + timedelta(hours=2)
        await agenda.change(session, conference, part.code, None, starts_at=later)
        moved = [d for d in await reminders.plan(session, conference) if d.part.code == part.code]
        assert moved and all(d.part.starts_at == later for d in moved)


async def test_begun_parts_are_skipped_not_sent(db, conference):
    await people(db, conference)  # the seed conference is in 2023: everything has begun
    async with db.session() as session:
        assert await reminders.plan(session, conference) == []
        assert await reminders.skip_begun(session, conference) == 10  # 5 parts attended x 2 offsets; not the cancelled
        assert await reminders.skip_begun(session, conference) == 0
