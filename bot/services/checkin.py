"""Check-in at reception: one decision for every way a delegate is presented (camera deep link,
photo of the code, typed or scanned token, search by name or phone). Modelled on pretix: the
decision returns an outcome and a reason; the chat, the desk page or a test only render it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import tickets
from bot.services.phone import normalize_phone
from bot.services.pace import Pace
from bot.text import fold
from models import Account, CheckIn, CheckInLog, Delegate, DelegatePart, DeskScan
from models.base import utcnow
from models.delegate import CONFIRMED

CHECKED_IN, ALREADY, REFUSED = "checked_in", "already", "refused"
# reasons for REFUSED: not_a_code (another QR, a link, a word) | forged (shaped like a code, does not verify)
# | unknown | replaced | cancelled
QUEUED = timedelta(seconds=20)  # a scan older than this when it is decided waited in a queue (a desk offline)
OLDEST = timedelta(hours=24)  # nothing is back-dated further than this


@dataclass
class Decision:
    outcome: str
    reason: str | None = None
    delegate: Delegate | None = None
    checkin: CheckIn | None = None  # the new one, or the first one for ALREADY
    part_code: str = ""
    by: Account | None = None  # who made the (first) check-in
    replayed: bool = False  # the answer given earlier to the same scan (same nonce), not decided again


def default_part(conference: Event, now: datetime | None = None) -> str:
    """The check-in list of the event's local day; before the event the first, after it the last."""
    today = (now or utcnow()).astimezone(conference.tz).date()
    days = [(s.starts_at.astimezone(conference.tz).date(), s.code) for s in conference.parts]
    for day, code in days:
        if day == today:
            return code
    return days[0][1] if today < days[0][0] else days[-1][1]


async def scan(session: AsyncSession, conference: Event, secret: str, text: str, part_code: str,
               staff: Account, via: str, at: datetime | None = None) -> Decision:
    """Decide a presented code (token or deep link); `at` as in check_in."""
    token = tickets.find_token(text)
    if token is None:
        return Decision(REFUSED, "forged" if tickets.looks_damaged(text) else "not_a_code", part_code=part_code)
    ticket = tickets.read(secret, conference.id, token)
    if isinstance(ticket, str):
        return Decision(REFUSED, ticket, part_code=part_code)
    delegate = await session.get(Delegate, ticket.delegate_id)
    if delegate is None or delegate.event_id != conference.id:
        return Decision(REFUSED, "unknown", part_code=part_code)
    if delegate.active and ticket.version != delegate.ticket_version:
        return Decision(REFUSED, "replaced", delegate, part_code=part_code)
    return await check_in(session, delegate, part_code, staff, via, at)


def recorded_at(at: datetime | None, now: datetime | None = None) -> datetime:
    """When a check-in happened: a scan that waited offline in a queue is recorded at the moment it was
    made, so the arrivals chart and "already checked in at" tell the truth; never later than now, never
    more than OLDEST back, and a scan decided within QUEUED is simply now."""
    now = now or utcnow()
    if at is None or now - at <= QUEUED:
        return now
    return max(at, now - OLDEST)


async def check_in(session: AsyncSession, delegate: Delegate, part_code: str, staff: Account,
                   via: str, at: datetime | None = None) -> Decision:
    """Check a known delegate in on a list, exactly once even if two desks try at the same moment.
    `at` is when the scan was made, if it waited in a queue (see recorded_at); None: now."""
    if not delegate.active:
        return Decision(REFUSED, "cancelled", delegate, part_code=part_code)
    checkin = CheckIn(delegate_id=delegate.id, part_code=part_code, by_id=staff.id, via=via, at=recorded_at(at))
    try:
        async with session.begin_nested():  # a savepoint: the losing desk keeps its session usable
            session.add(checkin)
    except IntegrityError:
        first = await session.scalar(select(CheckIn).where(CheckIn.delegate_id == delegate.id,
                                                           CheckIn.part_code == part_code))
        by = await session.get(Account, first.by_id) if first and first.by_id else None
        return Decision(ALREADY, None, delegate, first, part_code, by)
    session.add(CheckInLog(delegate_id=delegate.id, part_code=part_code, action="checkin", by_id=staff.id, via=via,
                           at=checkin.at))
    await session.commit()
    return Decision(CHECKED_IN, None, delegate, checkin, part_code, staff)


async def decide(session: AsyncSession, conference: Event, secret: str, part_code: str, staff: Account, via: str,
                 *, text: str | None = None, delegate_id: int | None = None, nonce: str | None = None,
                 at: datetime | None = None) -> Decision:
    """One presented scan - a code (`text`) or a search pick (`delegate_id`) - made at `at` (None: now).
    A scan sent again with the same nonce by the same account (a queued scan whose answer was lost when
    the Wi-Fi dropped) gets its first answer back, replayed, and is never decided twice."""
    if nonce is not None:
        nonce = nonce[:64]
        earlier = await _answered(session, staff, nonce)
        if earlier is not None:
            return earlier
    if delegate_id is not None:
        delegate = await session.get(Delegate, delegate_id)
        if delegate is None or delegate.event_id != conference.id:
            decision = Decision(REFUSED, "unknown", part_code=part_code)
        else:
            decision = await check_in(session, delegate, part_code, staff, via, at)
    else:
        decision = await scan(session, conference, secret, text or "", part_code, staff, via, at)
    if nonce is None:
        return decision
    try:
        async with session.begin_nested():
            session.add(DeskScan(account_id=staff.id, scan_id=nonce, result=json.dumps(_snapshot(decision)),
                                 at=utcnow()))
    except IntegrityError:  # the same scan, sent twice at the same moment: the first answer stands
        return await _answered(session, staff, nonce) or decision
    await session.commit()
    return decision


def _snapshot(decision: Decision) -> dict:
    """What a decision was, kept to be given again: the check-in as it was then, even if undone later."""
    c = decision.checkin
    return {"v": 2, "outcome": decision.outcome, "reason": decision.reason, "list": decision.part_code,
            "delegate": decision.delegate.id if decision.delegate else None,
            "by": decision.by.id if decision.by else None,
            "checkin": {"id": c.id, "at": c.at.isoformat(), "by": c.by_id, "via": c.via} if c else None}


async def _answered(session: AsyncSession, staff: Account, nonce: str) -> Decision | None:
    stored = await session.scalar(select(DeskScan.result).where(DeskScan.account_id == staff.id,
                                                                DeskScan.scan_id == nonce))
    kept = json.loads(stored) if stored else None
    if not kept or kept.get("v") != 2:  # none, or an answer kept by an earlier version: decide it (again)
        return None
    c = kept["checkin"]
    first = CheckIn(id=c["id"], delegate_id=kept["delegate"], part_code=kept["list"], by_id=c["by"], via=c["via"],
                    at=datetime.fromisoformat(c["at"])) if c else None
    delegate = await session.get(Delegate, kept["delegate"]) if kept["delegate"] else None
    by = await session.get(Account, kept["by"]) if kept["by"] else None
    return Decision(kept["outcome"], kept["reason"], delegate, first, kept["list"], by, replayed=True)


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
    session.add(CheckInLog(delegate_id=checkin.delegate_id, part_code=checkin.part_code, action="undo",
                           by_id=staff.id, via="undo"))
    await session.commit()
    return checkin


@dataclass
class Found:
    """What a search gives reception: the delegates, or why none are shown (refused: too_fast | whole_phone)."""
    delegates: list[Delegate]
    refused: str | None = None
    retry_after: int = 0  # seconds, when too_fast


async def search(session: AsyncSession, conference: Event, query: str, staff: Account, pace: Pace,
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
class Count:
    registered: int = 0  # confirmed registrations
    expected: int = 0  # of them, registered for this part of the conference
    arrived: int = 0  # checked in on this part's list (registered for it or not)


@dataclass
class Arrivals:
    part_code: str
    total: Count = field(default_factory=Count)
    by_province: dict[str, Count] = field(default_factory=dict)  # code → count
    by_category: dict[str, Count] = field(default_factory=dict)


def _add(found: Arrivals, kind: str, province: str, category: str, n: int) -> None:
    for count in (found.total, found.by_province.setdefault(province, Count()),
                  found.by_category.setdefault(category, Count())):
        setattr(count, kind, getattr(count, kind) + n)


def counted(conference: Event | None) -> tuple:
    """Who is counted, everywhere arrivals are shown: the conference's confirmed registrations. A cancelled
    registration drops out with its check-ins; an undone check-in is deleted, so it is gone too."""
    confirmed = (Delegate.status == CONFIRMED,)
    return confirmed if conference is None else (*confirmed, Delegate.event_id == conference.id)


async def arrivals(session: AsyncSession, conference: Event | None, part_code: str | None = None) -> dict[str, Arrivals]:
    """The one count of arrivals, per list (all of the conference's, or `list_code`), per province and per
    category: the chat's /stats and desk, the desk page and the dashboard all show these numbers.
    conference None counts every conference in the database (a deployment serves one)."""
    who = counted(conference)
    codes = [part_code] if part_code else [s.code for s in conference.parts]
    registered = (await session.execute(select(Delegate.province, Delegate.category, func.count()).where(*who)
                                        .group_by(Delegate.province, Delegate.category))).all()
    expected = (await session.execute(
        select(DelegatePart.part_code, Delegate.province, Delegate.category, func.count())
        .join(Delegate, Delegate.id == DelegatePart.delegate_id).where(*who, DelegatePart.part_code.in_(codes))
        .group_by(DelegatePart.part_code, Delegate.province, Delegate.category))).all()
    arrived = (await session.execute(
        select(CheckIn.part_code, Delegate.province, Delegate.category, func.count())
        .join(Delegate, Delegate.id == CheckIn.delegate_id).where(*who, CheckIn.part_code.in_(codes))
        .group_by(CheckIn.part_code, Delegate.province, Delegate.category))).all()
    result = {code: Arrivals(code) for code in codes}
    for found in result.values():
        for province, category, n in registered:
            _add(found, "registered", province, category, n)
    for kind, rows in (("expected", expected), ("arrived", arrived)):
        for code, province, category, n in rows:
            _add(result[code], kind, province, category, n)
    return result


@dataclass
class ListStats:
    part_code: str
    registered: int
    checked_in: int
    by_province: dict[str, tuple[int, int]]  # code → (registered, checked in)
    by_category: dict[str, tuple[int, int]]


def _pairs(counts: dict[str, Count]) -> dict[str, tuple[int, int]]:
    """(registered for the part, checked in), most registrations first; only who has either."""
    shown = sorted(((code, c) for code, c in counts.items() if c.expected or c.arrived), key=lambda kc: -kc[1].expected)
    return {code: (c.expected, c.arrived) for code, c in shown}


async def stats(session: AsyncSession, conference: Event) -> list[ListStats]:
    """Registered (attending that part) and checked in, per list, per province and per category."""
    return [ListStats(code, a.total.expected, a.total.arrived, _pairs(a.by_province), _pairs(a.by_category))
            for code, a in (await arrivals(session, conference)).items()]


async def checked_in_count(session: AsyncSession, part_code: str, conference: Event | None = None) -> int:
    return (await arrivals(session, conference, part_code))[part_code].total.arrived
