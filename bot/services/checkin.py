"""Check-in at reception: one decision for every way a delegate is presented (camera deep link,
photo of the code, typed or scanned token, search by name or phone). Modelled on pretix: the
decision returns an outcome and a reason; the chat, the desk page or a test only render it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import tickets
from bot.text import fold
from models import Account, CheckIn, CheckInLog, Delegate, DelegateSession
from models.base import utcnow
from models.delegate import CONFIRMED

CHECKED_IN, ALREADY, REFUSED = "checked_in", "already", "refused"
# reasons for REFUSED: forged | other_event | unknown | replaced | cancelled


@dataclass
class Decision:
    outcome: str
    reason: str | None = None
    delegate: Delegate | None = None
    checkin: CheckIn | None = None  # the new one, or the first one for ALREADY
    list_code: str = ""
    by: Account | None = None  # who made the (first) check-in


def default_list(conference: Event, now: datetime | None = None) -> str:
    """The check-in list of the event's local day; before the event the first, after it the last."""
    today = (now or utcnow()).astimezone(conference.tz).date()
    days = [(s.starts_at.astimezone(conference.tz).date(), s.code) for s in conference.sessions]
    for day, code in days:
        if day == today:
            return code
    return days[0][1] if today < days[0][0] else days[-1][1]


async def scan(session: AsyncSession, conference: Event, secret: str, text: str, list_code: str,
               staff: Account, via: str) -> Decision:
    """Decide a presented code (token or deep link)."""
    token = tickets.find_token(text)
    ticket = tickets.read(secret, conference.id, token) if token else "forged"
    if isinstance(ticket, str):
        return Decision(REFUSED, ticket, list_code=list_code)
    delegate = await session.get(Delegate, ticket.delegate_id)
    if delegate is None or delegate.event_id != conference.id:
        return Decision(REFUSED, "unknown", list_code=list_code)
    if delegate.active and ticket.version != delegate.ticket_version:
        return Decision(REFUSED, "replaced", delegate, list_code=list_code)
    return await check_in(session, delegate, list_code, staff, via)


async def check_in(session: AsyncSession, delegate: Delegate, list_code: str, staff: Account,
                   via: str) -> Decision:
    """Check a known delegate in on a list, exactly once even if two desks try at the same moment."""
    if not delegate.active:
        return Decision(REFUSED, "cancelled", delegate, list_code=list_code)
    checkin = CheckIn(delegate_id=delegate.id, list_code=list_code, by_id=staff.id, via=via, at=utcnow())
    try:
        async with session.begin_nested():  # a savepoint: the losing desk keeps its session usable
            session.add(checkin)
    except IntegrityError:
        first = await session.scalar(select(CheckIn).where(CheckIn.delegate_id == delegate.id,
                                                           CheckIn.list_code == list_code))
        by = await session.get(Account, first.by_id) if first and first.by_id else None
        return Decision(ALREADY, None, delegate, first, list_code, by)
    session.add(CheckInLog(delegate_id=delegate.id, list_code=list_code, action="checkin", by_id=staff.id, via=via,
                           at=checkin.at))
    await session.commit()
    return Decision(CHECKED_IN, None, delegate, checkin, list_code, staff)


async def undo(session: AsyncSession, checkin_id: int, staff: Account) -> CheckIn | None:
    """Take back a mistaken check-in; the log keeps both the check-in and the undo, with who and when. None if
    it was taken back already: the delete is conditional, so two presses at once (a double tap, the chat and
    the desk page) undo it and log it once."""
    checkin = await session.get(CheckIn, checkin_id)
    if checkin is None:
        return None
    deleted = await session.execute(delete(CheckIn).where(CheckIn.id == checkin_id))
    if not deleted.rowcount:  # taken back by the other press in the meantime
        await session.rollback()
        return None
    session.add(CheckInLog(delegate_id=checkin.delegate_id, list_code=checkin.list_code, action="undo",
                           by_id=staff.id, via="undo"))
    await session.commit()
    return checkin


async def search(session: AsyncSession, conference: Event, query: str, limit: int = 8) -> list[Delegate]:
    """Delegates whose name contains the words typed (diacritics optional), or whose phone has the digits;
    a check-in number ("427-0", see tickets.checkin_number) finds exactly its delegate."""
    number = tickets.read_checkin_number(query)
    if number is not None:
        delegate = await session.get(Delegate, number)
        return [delegate] if delegate is not None and delegate.event_id == conference.id and delegate.active else []
    rows = await session.scalars(select(Delegate).where(Delegate.event_id == conference.id,
                                                        Delegate.status == CONFIRMED).order_by(Delegate.full_name))
    digits = "".join(ch for ch in query if ch.isdigit())
    words = fold(query).split()
    found = []
    for delegate in rows:
        name = f" {fold(delegate.full_name)} "
        phone_digits = "0" + delegate.phone[3:] if delegate.phone.startswith("+84") else delegate.phone
        if (len(digits) >= 4 and digits in phone_digits) or (words and not digits and all(
                f" {w}" in name for w in words)):
            found.append(delegate)
            if len(found) == limit:
                break
    return found


@dataclass
class ListStats:
    list_code: str
    registered: int
    checked_in: int
    by_province: dict[str, tuple[int, int]]  # code → (registered, checked in)
    by_category: dict[str, tuple[int, int]]


async def stats(session: AsyncSession, conference: Event) -> list[ListStats]:
    """Registered (attending that part) and checked in, per list, per province and per category."""
    attending = (await session.execute(
        select(DelegateSession.session_code, Delegate.province, Delegate.category, Delegate.id)
        .join(Delegate, Delegate.id == DelegateSession.delegate_id)
        .where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED)
    )).all()
    arrived = {(row.delegate_id, row.list_code) for row in (await session.execute(
        select(CheckIn.delegate_id, CheckIn.list_code).join(Delegate, Delegate.id == CheckIn.delegate_id)
        .where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED)
    )).all()}
    result = []
    for s in conference.sessions:
        rows = [r for r in attending if r.session_code == s.code]
        # a delegate checked in on a list they did not register for still counts as arrived
        extra = {d for d, code in arrived if code == s.code} - {r.id for r in rows}
        reg_p, in_p, reg_c, in_c = Counter(), Counter(), Counter(), Counter()
        for r in rows:
            reg_p[r.province] += 1
            reg_c[r.category] += 1
            if (r.id, s.code) in arrived:
                in_p[r.province] += 1
                in_c[r.category] += 1
        checked = sum(1 for r in rows if (r.id, s.code) in arrived) + len(extra)
        result.append(ListStats(
            s.code, len(rows), checked,
            {p: (reg_p[p], in_p[p]) for p in sorted(reg_p, key=lambda c: -reg_p[c])},
            {c: (reg_c[c], in_c[c]) for c in sorted(reg_c, key=lambda c: -reg_c[c])},
        ))
    return result


async def checked_in_count(session: AsyncSession, list_code: str) -> int:
    return await session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.list_code == list_code))
