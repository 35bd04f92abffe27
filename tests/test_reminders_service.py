"""Reminder planning without a chat framework: due times, who gets what, exactly once."""
import time as clock
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.event import Reminder
from bot.services import agenda, reminders
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import ReminderDelivery
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


async def test_begun_parts_are_expired_not_sent(db, conference):
    await people(db, conference)  # the seed conference is in 2023: everything has begun
    async with db.session() as session:
        assert await reminders.plan(session, conference) == []
        assert await reminders.skip_begun(session, conference) == 10  # 5 parts attended x 2 offsets; not the cancelled
        assert await reminders.skip_begun(session, conference) == 0
        assert set(await session.scalars(select(ReminderDelivery.status))) == {"expired"}


async def test_a_part_moved_after_its_reminders_went_out_is_reminded_again(db, conference):
    """Kept per delegate, part and offset, a reminder once sent was never sent again for the part's new time."""
    await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for s in conference.parts:
            await agenda.change(session, conference, s.code, None, starts_at=s.starts_at + shift)
        first = (await reminders.plan(session, conference))[0]
        assert await reminders.take(session, first)
        await reminders.settle(session, [first], "sent")
        key = (first.delegate_id, first.part.code, first.offset_key)
        assert key not in {(d.delegate_id, d.part.code, d.offset_key) for d in await reminders.plan(session, conference)}
        later = first.part.starts_at + timedelta(hours=3)
        await agenda.change(session, conference, first.part.code, None, starts_at=later)
        again = [d for d in await reminders.plan(session, conference)
                 if (d.delegate_id, d.part.code, d.offset_key) == key]
        assert [d.part.starts_at for d in again] == [later]
        assert await reminders.take(session, again[0])  # a row of its own beside the one sent


async def test_a_row_from_before_start_times_were_kept_stands_for_any_start(db, conference):
    await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for s in conference.parts:
            await agenda.change(session, conference, s.code, None, starts_at=s.starts_at + shift)
        first = (await reminders.plan(session, conference))[0]
        session.add(ReminderDelivery(delegate_id=first.delegate_id, part_code=first.part.code,
                                     offset_key=first.offset_key, account_id=first.account_id, status="sent",
                                     due_at=first.due_at, starts_at=None))
        await session.commit()
        keys = {(d.delegate_id, d.part.code, d.offset_key) for d in await reminders.plan(session, conference)}
        assert (first.delegate_id, first.part.code, first.offset_key) not in keys


async def test_sends_interrupted_by_a_crash_are_given_back_or_expired(db, conference):
    """Rows a killed process left `sending`: those whose part is still ahead are planned again; those whose part
    has begun are recorded as expired, never sent."""
    await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for s in conference.parts:
            await agenda.change(session, conference, s.code, None, starts_at=s.starts_at + shift)
        due = await reminders.plan(session, conference)
        ahead, begun = due[0], next(d for d in due if d.part.code != due[0].part.code)
        assert await reminders.take(session, ahead) and await reminders.take(session, begun)
        assert ahead not in await reminders.plan(session, conference)
        await session.execute(update(ReminderDelivery).where(ReminderDelivery.part_code == begun.part.code)
                              .values(starts_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
        await session.commit()
        interrupted = await reminders.reclaim(session)
        assert [(r.delegate_id, r.part_code) for r in interrupted.again] == [(ahead.delegate_id, ahead.part.code)]
        assert [(r.delegate_id, r.part_code) for r in interrupted.expired] == [(begun.delegate_id, begun.part.code)]
        assert ahead in await reminders.plan(session, conference)
        rows = (await session.scalars(select(ReminderDelivery))).all()
        assert [(r.part_code, r.status) for r in rows] == [(begun.part.code, "expired")]
        assert f"{ahead.part.code} {ahead.offset_key}: delegates {ahead.delegate_id}" in reminders.described(
            interrupted.again)
        assert (await reminders.reclaim(session)).again == []


async def test_two_offsets_of_one_part_due_together_make_one_message(db, conference):
    lan, own, _other = await people(db, conference)
    shift = future(conference)
    async with db.session() as session:
        for s in conference.parts:
            await agenda.change(session, conference, s.code, None, starts_at=s.starts_at + shift)
        due = await reminders.plan(session, conference)
    groups = reminders.by_message(due)
    # one chat (the registrant), three parts between the two delegates: three messages, not six
    assert sorted(g[0].part.code for g in groups) == ["conference", "exchange", "reception"]
    reception = next(g for g in groups if g[0].part.code == "reception")
    assert sorted(d.offset_key for d in reception) == ["day_before_at=20:00", "minutes_before=60"]
    assert {d.delegate_id for d in reception} == {own} and {d.account_id for g in groups for d in g} == {lan}
