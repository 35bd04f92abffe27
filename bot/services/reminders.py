"""Schedule reminders, with the database as the truth.

Which reminders are due is computed from the data every time (delegates, the parts they attend,
the agenda as changed, the offsets in the event file, who turned reminders off); the scheduler
only decides when to look again. A reminder is taken (a row in reminder_deliveries, unique per
delegate, session, offset and the session's start) before it is sent, so two overlapping runs never
both send it, and settled with the outcome. The rows are the reminders' outbox: a row still `sending`
when the worker starts was interrupted by a crash (taken, maybe sent, never settled) and is given
back (`reclaim`), so nothing is lost and a message in flight at the instant of a crash may come twice,
the promise of the broadcasts (bot/services/outbox.py). A reminder whose part has begun is dropped and
recorded `expired`, never sent.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import groupby

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Reminder
from bot.services.agenda import AgendaPart, parts
from models import Account, Delegate, DelegatePart, ReminderDelivery
from models.base import utcnow
from models.db import add_once
from models.delegate import CONFIRMED
from models.reminder import EXPIRED, SENDING

log = logging.getLogger(__name__)


def offset_key(reminder: Reminder) -> str:
    return (f"day_before_at={reminder.day_before_at}" if reminder.day_before_at
            else f"minutes_before={reminder.minutes_before}")


def due_time(reminder: Reminder, starts_at: datetime, conference: Event) -> datetime:
    """When a reminder for a part starting at `starts_at` is due (aware; the machine's zone plays no part)."""
    if reminder.minutes_before:
        return starts_at - timedelta(minutes=reminder.minutes_before)
    local_day = starts_at.astimezone(conference.tz).date() - timedelta(days=1)
    hour, minute = (int(x) for x in reminder.day_before_at.split(":"))
    return datetime.combine(local_day, time(hour, minute), tzinfo=conference.tz)


@dataclass(frozen=True)
class Attendee:
    """What a plan needs of a confirmed delegate, read as plain rows: the plan runs again within a second of
    every registration, over every delegate, and ORM objects for 5,000 of them held the event loop."""
    id: int
    account_id: int | None
    registered_by_id: int | None
    part_codes: frozenset[str]


async def _active_delegates(session: AsyncSession, conference: Event, *where) -> list[Attendee]:
    active = (Delegate.event_id == conference.id, Delegate.status == CONFIRMED, *where)
    rows = (await session.execute(select(Delegate.id, Delegate.account_id, Delegate.registered_by_id)
                                  .where(*active))).all()
    codes: dict[int, set[str]] = {}
    for delegate_id, code in await session.execute(
            select(DelegatePart.delegate_id, DelegatePart.part_code).join(Delegate).where(*active)):
        codes.setdefault(delegate_id, set()).add(code)
    return [Attendee(row[0], row[1], row[2], frozenset(codes.get(row[0], ()))) for row in rows]


class Taken:
    """The reminders already sent, being sent or dropped: by (delegate, part, offset, start); a row from
    before starts were recorded counts for any start of its part."""

    def __init__(self, rows) -> None:
        self.keys = {tuple(row) for row in rows}
        self.legacy = {key[:3] for key in self.keys if key[3] is None}

    def __contains__(self, key: tuple) -> bool:
        return key in self.keys or key[:3] in self.legacy


async def _taken(session: AsyncSession) -> Taken:
    return Taken((await session.execute(select(
        ReminderDelivery.delegate_id, ReminderDelivery.part_code, ReminderDelivery.offset_key,
        ReminderDelivery.starts_at))).all())


@dataclass(frozen=True)
class Due:
    delegate_id: int
    account_id: int
    part: AgendaPart
    offset_key: str
    due_at: datetime


async def plan(session: AsyncSession, conference: Event) -> list[Due]:
    """Every reminder not yet taken, for parts not begun, to recipients who want them; soonest first."""
    now = utcnow()
    agenda = {p.code: p for p in await parts(session, conference) if not p.cancelled and p.starts_at > now}
    if not agenda or not conference.reminders:
        return []
    if any(p.for_everyone for p in agenda.values()):
        delegates = await _active_delegates(session, conference)
    else:
        attending = select(DelegatePart.delegate_id).where(DelegatePart.part_code.in_(agenda))
        delegates = await _active_delegates(session, conference, Delegate.id.in_(attending))
    wanting = set(await session.scalars(select(Account.id).where(Account.reminders.is_(True),
                                                                 Account.reachable.is_(True))))
    taken = await _taken(session)
    # each part's reminders (offset, when due) worked out once, not once per delegate: the plan runs on the
    # event loop within a second of every registration, over every delegate
    offsets = {code: [(offset_key(r), due_time(r, part.starts_at, conference)) for r in conference.reminders]
               for code, part in agenda.items()}
    due = []
    for delegate in delegates:
        recipient = delegate.account_id or delegate.registered_by_id  # the registrant looks after the others
        if recipient not in wanting:
            continue
        for part in agenda.values():
            if not part.attended_by(delegate.part_codes):
                continue
            code = part.code
            for key, due_at in offsets[code]:
                if (delegate.id, code, key, part.starts_at) not in taken:
                    due.append(Due(delegate.id, recipient, part, key, due_at))
    return sorted(due, key=lambda d: d.due_at)


def by_message(due: list[Due]) -> list[list[Due]]:
    """The reminders that go out as one message: same chat, same part. Two offsets of one part due at once
    (both missed while the bot was down) make one message, the later reminder's: it says how soon the part
    begins, which is all either would have said."""
    groups: dict[tuple[int, str], list[Due]] = {}
    for item in due:
        groups.setdefault((item.account_id, item.part.code), []).append(item)
    return list(groups.values())


async def take(session: AsyncSession, due: Due) -> bool:
    """Claim a reminder for sending; False if another run (or an earlier one) already has it."""
    return await add_once(session, ReminderDelivery(
        delegate_id=due.delegate_id, part_code=due.part.code, offset_key=due.offset_key, account_id=due.account_id,
        status=SENDING, due_at=due.due_at, starts_at=due.part.starts_at))


def _row_of(due: Due):
    return (ReminderDelivery.delegate_id == due.delegate_id, ReminderDelivery.part_code == due.part.code,
            ReminderDelivery.offset_key == due.offset_key, ReminderDelivery.starts_at == due.part.starts_at)


async def settle(session: AsyncSession, taken: list[Due], status: str) -> None:
    for due in taken:
        row = await session.scalar(select(ReminderDelivery).where(*_row_of(due)))
        row.status, row.at = status, utcnow()
    await session.commit()


async def release(session: AsyncSession, taken: list[Due]) -> None:
    """Give reminders back after a failure that was not the recipient's doing, to try again later."""
    for due in taken:
        await session.execute(delete(ReminderDelivery).where(*_row_of(due)))
    await session.commit()


async def skip_begun(session: AsyncSession, conference: Event) -> int:
    """Reminders whose part began while nobody could send them: recorded as expired, and logged."""
    now = utcnow()
    begun = [p for p in await parts(session, conference) if p.starts_at <= now]
    if not begun:
        return 0
    delegates = await _active_delegates(session, conference)
    taken = await _taken(session)
    skipped = 0
    for part in begun:
        for delegate in delegates:
            if not part.attended_by(delegate.part_codes):
                continue
            for reminder in conference.reminders:
                key = offset_key(reminder)
                if (delegate.id, part.code, key, part.starts_at) in taken:
                    continue
                session.add(ReminderDelivery(delegate_id=delegate.id, part_code=part.code, offset_key=key,
                                             account_id=delegate.account_id or delegate.registered_by_id,
                                             status=EXPIRED, due_at=due_time(reminder, part.starts_at, conference),
                                             starts_at=part.starts_at))
                skipped += 1
                log.info("reminder expired, %s began: delegate %s, %s", part.code, delegate.id, key)
    if skipped:
        try:
            await session.commit()
        except IntegrityError:  # another process recorded them first
            await session.rollback()
    return skipped


@dataclass(frozen=True)
class Interrupted:
    again: list[ReminderDelivery]  # given back: sent again (maybe a second time)
    expired: list[ReminderDelivery]  # their part has begun: dropped


async def reclaim(session: AsyncSession) -> Interrupted:
    """Rows left `sending` by a run that stopped before settling them (a crash, a fault): given back to be sent
    again, or expired if their part has begun. Only while no send is in flight (the worker's lock and lease)."""
    now = utcnow()
    rows = list(await session.scalars(select(ReminderDelivery).where(ReminderDelivery.status == SENDING)
                                      .order_by(ReminderDelivery.id)))
    again = [r for r in rows if r.starts_at is None or r.starts_at > now]
    expired = [r for r in rows if r not in again]
    for row in expired:
        row.status, row.at = EXPIRED, now
    if again:
        await session.execute(delete(ReminderDelivery).where(ReminderDelivery.id.in_([r.id for r in again])))
    await session.commit()
    return Interrupted(again, expired)


def described(rows: list[ReminderDelivery]) -> str:
    """For the log: which reminders, by part and offset, with the delegates."""
    key = lambda r: (r.part_code, r.offset_key)  # noqa: E731
    parts = []
    for (code, offset), group in groupby(sorted(rows, key=key), key=key):
        ids = [str(r.delegate_id) for r in group]
        more = f" and {len(ids) - 20} more" if len(ids) > 20 else ""
        parts.append(f"{code} {offset}: delegates {', '.join(ids[:20])}{more}")
    return "; ".join(parts)
