"""Schedule reminders, with the database as the truth.

Which reminders are due is computed from the data every time (delegates, the parts they attend,
the agenda as changed, the offsets in the event file, who turned reminders off); the scheduler
only decides when to look again. A reminder is taken (a row in reminder_deliveries, unique per
delegate, session and offset) before it is sent, so it goes out once at most; a crash in the
instant between Telegram's answer and the row's update is the one case where it is not repeated
although it may not have arrived.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Reminder
from bot.services.agenda import AgendaPart, parts
from models import Account, Delegate, DelegatePart, ReminderDelivery
from models.base import utcnow
from models.delegate import CONFIRMED
from models.reminder import SENDING, SKIPPED

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


async def _active_delegates(session: AsyncSession, conference: Event, *where) -> list[Delegate]:
    return list(await session.scalars(select(Delegate).where(
        Delegate.event_id == conference.id, Delegate.status == CONFIRMED, *where)))


async def _taken(session: AsyncSession) -> set[tuple[int, str, str]]:
    """(delegate, session, offset) of every reminder already sent, being sent or skipped."""
    rows = await session.execute(
        select(ReminderDelivery.delegate_id, ReminderDelivery.part_code, ReminderDelivery.offset_key))
    return {tuple(row) for row in rows.all()}


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
    due = []
    for delegate in delegates:
        recipient = delegate.account_id or delegate.registered_by_id  # the registrant looks after the others
        if recipient not in wanting:
            continue
        for part in agenda.values():
            if not part.attended_by(delegate.part_codes):
                continue
            code = part.code
            for reminder in conference.reminders:
                key = offset_key(reminder)
                if (delegate.id, code, key) not in taken:
                    due.append(Due(delegate.id, recipient, part, key, due_time(reminder, part.starts_at, conference)))
    return sorted(due, key=lambda d: d.due_at)


def by_message(due: list[Due]) -> list[list[Due]]:
    """The reminders that go out as one message: same chat, same part, same offset."""
    groups: dict[tuple[int, str, str], list[Due]] = {}
    for item in due:
        groups.setdefault((item.account_id, item.part.code, item.offset_key), []).append(item)
    return list(groups.values())


async def take(session: AsyncSession, due: Due) -> bool:
    """Claim a reminder for sending; False if another run (or an earlier one) already has it."""
    session.add(ReminderDelivery(delegate_id=due.delegate_id, part_code=due.part.code, offset_key=due.offset_key,
                                 account_id=due.account_id, status=SENDING, due_at=due.due_at))
    try:
        await session.commit()
        return True
    except IntegrityError:
        await session.rollback()
        return False


def _row_of(due: Due):
    return (ReminderDelivery.delegate_id == due.delegate_id, ReminderDelivery.part_code == due.part.code,
            ReminderDelivery.offset_key == due.offset_key)


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
    """Reminders whose part began while nobody could send them: recorded as skipped, and logged."""
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
                if (delegate.id, part.code, key) in taken:
                    continue
                session.add(ReminderDelivery(delegate_id=delegate.id, part_code=part.code, offset_key=key,
                                             account_id=delegate.account_id or delegate.registered_by_id,
                                             status=SKIPPED, due_at=due_time(reminder, part.starts_at, conference)))
                skipped += 1
                log.info("reminder skipped, %s began: delegate %s, %s", part.code, delegate.id, key)
    if skipped:
        try:
            await session.commit()
        except IntegrityError:  # another process recorded them first
            await session.rollback()
    return skipped
