"""Check-in at reception: one decision for every way a delegate is presented (camera deep link,
photo of the code, typed or scanned token, search by name or phone). Modelled on pretix: the
decision returns an outcome and a reason; the chat, the desk page or a test only render it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import tickets
from bot.services.phone import normalize_phone
from bot.services.search_pace import SearchPace
from bot.text import fold
from models import Account, CheckIn, CheckInLog, Delegate, DelegateSession
from models.base import utcnow
from models.delegate import CONFIRMED

CHECKED_IN, ALREADY, REFUSED = "checked_in", "already", "refused"
# reasons for REFUSED: not_a_code (another QR, a link, a word) | forged (shaped like a code, does not verify)
# | unknown | replaced | cancelled


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
    if token is None:
        return Decision(REFUSED, "forged" if tickets.looks_damaged(text) else "not_a_code", list_code=list_code)
    ticket = tickets.read(secret, conference.id, token)
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


@dataclass
class Found:
    """What a search gives reception: the delegates, or why none are shown (refused: too_fast | whole_phone)."""
    delegates: list[Delegate]
    refused: str | None = None
    retry_after: int = 0  # seconds, when too_fast


async def search(session: AsyncSession, conference: Event, query: str, staff: Account, pace: SearchPace,
                 limit: int = 8) -> Found:
    """The one search of both desks (chat and page), paced per staff member (bot/services/search_pace.py).
    Words find the delegates whose name has them (diacritics optional, whole words' starts); a phone
    number finds its delegate only when typed whole, in any usual form: a part of a number finds nobody,
    so a number cannot be rebuilt digit by digit from the results. A check-in number ("427-0", see
    tickets.checkin_number) finds exactly its delegate."""
    wait = pace.take(staff.id)
    if wait:
        return Found([], "too_fast", wait)
    confirmed = (Delegate.event_id == conference.id, Delegate.status == CONFIRMED)
    number = tickets.read_checkin_number(query)
    if number is not None:
        delegate = await session.get(Delegate, number)
        found = delegate is not None and delegate.event_id == conference.id and delegate.active
        return Found([delegate] if found else [])
    if tickets.looks_like_checkin_number(query):  # a check-in number mistyped: its check digit finds nobody
        return Found([])
    if any(ch.isdigit() for ch in query):  # names have no digits (bot/services/fields.py): a phone number
        phone = normalize_phone(query)
        if phone is None:
            return Found([], "whole_phone")
        rows = await session.scalars(select(Delegate).where(*confirmed, Delegate.phone == phone)
                                     .order_by(Delegate.full_name).limit(limit))
        return Found(list(rows))
    words = fold(query).split()
    if not words:
        return Found([])
    rows = await session.scalars(select(Delegate).where(*confirmed).order_by(Delegate.full_name))
    named = (d for d in rows if all(f" {w}" in f" {fold(d.full_name)} " for w in words))
    return Found(list(islice(named, limit)))


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
