"""Registering delegates: the draft a conversation fills in, and the records it becomes."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import NamedTuple

from sqlalchemy import Row, and_, bindparam, or_, select, update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import confirmations, lodging
from models import Account, Delegate, DelegatePart
from models.base import MAX_ID, utcnow
from models.db import as_loaded, insert_record, note_plan_changed
from models.delegate import CANCELLED, CONFIRMED

# changing these changes what the QR badge says, so the old code must stop working
TICKET_FIELDS = {"full_name", "province", "category"}
# changing these may change the nights a delegate stays: a room given before is flagged to the host (ROOM_REVIEWED)
STAY_FIELDS = {"arrival_date", "departure_date", "needs_lodging", "sessions"}
ROOM_REVIEWED = "room_reviewed"


@dataclass
class Draft:
    """A registration being filled in; lives in the conversation state (JSON), not in the database."""

    province: str | None = None
    category: str | None = None
    full_name: str | None = None
    position: str | None = None
    organization: str | None = None
    phone: str | None = None
    parts: list[str] = field(default_factory=list)
    arrival_date: str | None = None  # ISO date
    arrival_time: str | None = None  # HH:MM
    travel_mode: str | None = None
    needs_lodging: bool | None = None
    note: str | None = None
    salutation: str | None = None  # ong | ba
    departure_date: str | None = None  # ISO date
    departure_time: str | None = None  # HH:MM
    room_share: str | None = None  # single | shared
    roommate: str | None = None
    companions: str | None = None  # "lái xe; trợ lý"
    diets: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data: dict | None) -> Draft:
        """From the conversation state; a draft stored before `parts` was named so keeps its `sessions`."""
        data = dict(data or {})
        if "sessions" in data:
            data.setdefault("parts", data.pop("sessions"))
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})

    def dump(self) -> dict:
        """As dataclasses.asdict makes it (the lists copied), in a tenth of its time: the fields are text,
        flags and lists of text."""
        return {name: list(value) if type(value) is list else value for name, value in vars(self).items()}

    @classmethod
    def of(cls, delegate: Delegate) -> Draft:
        return cls(
            province=delegate.province, category=delegate.category, full_name=delegate.full_name,
            position=delegate.position, organization=delegate.organization, phone=delegate.phone,
            parts=delegate.part_codes,
            arrival_date=delegate.arrival_date.isoformat() if delegate.arrival_date else None,
            arrival_time=delegate.arrival_time.strftime("%H:%M") if delegate.arrival_time else None,
            travel_mode=delegate.travel_mode, needs_lodging=delegate.needs_lodging, note=delegate.note,
            salutation=delegate.salutation, room_share=delegate.room_share, roommate=delegate.roommate or None,
            departure_date=delegate.departure_date.isoformat() if delegate.departure_date else None,
            departure_time=delegate.departure_time.strftime("%H:%M") if delegate.departure_time else None,
            companions=delegate.companions or None, diets=delegate.diet_codes,
        )

    def missing(self) -> list[str]:
        required = ("province", "category", "full_name", "position", "organization", "phone")
        missing = [name for name in required if not getattr(self, name)]
        return missing + ([] if self.parts else ["sessions"])


def _apply(delegate: Delegate, draft: Draft) -> set[str]:
    """Copy the draft onto the record; return the names of the fields that changed."""
    values = {
        "province": draft.province, "category": draft.category, "full_name": draft.full_name,
        "position": draft.position, "organization": draft.organization, "phone": draft.phone,
        "arrival_date": date.fromisoformat(draft.arrival_date) if draft.arrival_date else None,
        "arrival_time": time.fromisoformat(draft.arrival_time) if draft.arrival_time else None,
        "travel_mode": draft.travel_mode, "needs_lodging": bool(draft.needs_lodging), "note": draft.note or "",
        **_logistics(draft),
    }
    changed = {name for name, value in values.items() if getattr(delegate, name, None) != value}
    for name in changed:
        setattr(delegate, name, values[name])
    if sorted(set(draft.parts)) != delegate.part_codes:
        delegate.parts = [DelegatePart(part_code=code) for code in sorted(set(draft.parts))]
        changed.add("sessions")
    return changed


def _logistics(draft: Draft) -> dict:
    """The host's logistics of a draft as the record stores them (room wishes only with lodging)."""
    lodging = bool(draft.needs_lodging)
    return {
        "salutation": draft.salutation,
        "departure_date": date.fromisoformat(draft.departure_date) if draft.departure_date else None,
        "departure_time": time.fromisoformat(draft.departure_time) if draft.departure_time else None,
        "room_share": draft.room_share if lodging else None,
        "roommate": (draft.roommate or "") if lodging and draft.room_share == "shared" else "",
        "companions": draft.companions or "", "diets": ",".join(sorted(set(draft.diets))),
    }


def check_draft(event: Event, draft: Draft) -> list[str]:
    """Fields of the draft that the event does not allow (e.g. a category not offered in that province)."""
    problems = draft.missing()
    if draft.province and event.province(draft.province) is None:
        problems.append("province")
    if draft.category and draft.category not in (c.code for c in event.categories_for(draft.province or "")):
        problems.append("category")
    problems += ["sessions" for code in draft.parts if event.part(code) is None][:1]
    return problems


async def register(
    session: AsyncSession, event: Event, draft: Draft, *, registrant: Account, for_self: bool,
    confirmation: str | None = None, condition: Callable[[Delegate], Awaitable[bool]] | None = None,
) -> Delegate | None:
    """Store a confirmed registration. `for_self` ties it to the registrant's own account. `confirmation` is
    the review's key (bot/services/confirmations.py): if that review was confirmed already, nothing is stored
    and None is returned. `condition` (a personal link still unused, say) is awaited in the same transaction,
    the record written: if it does not hold, nothing is stored and None is returned."""
    delegate = new_record(event, draft, registrant=registrant, for_self=for_self)

    async def holds(stored: Delegate) -> bool:
        if confirmation and not await confirmations.take(session, confirmation, confirmations.REGISTRATION):
            return False
        return condition is None or await condition(stored)

    if await store(session, delegate, holds):
        return delegate
    await session.refresh(registrant)  # the rollback expired it; the caller goes on answering its holder
    return None


async def register_all(session: AsyncSession, event: Event, drafts: list[Draft], *, registrant: Account,
                       confirmation: str) -> list[Delegate]:
    """Colleagues confirmed together (a pasted list): all stored in one transaction with the review's
    `confirmation`, or none (an empty list) if that review was confirmed already."""
    for attempt in range(3):
        delegates = [new_record(event, draft, registrant=registrant, for_self=False) for draft in drafts]
        try:
            for delegate in delegates:
                await _insert(session, delegate)
            if not await confirmations.take(session, confirmation, confirmations.REGISTRATION):
                await session.rollback()
                await session.refresh(registrant)
                return []
            await session.commit()
        except IntegrityError:  # a claim code collision, one in a hundred million: new codes
            await session.rollback()
            if attempt == 2:
                raise
            continue
        for delegate in delegates:
            _as_stored(session, delegate)
        return delegates
    return []


def new_record(event: Event, draft: Draft, *, registrant: Account, for_self: bool) -> Delegate:
    """A confirmed registration, not yet stored."""
    problems = check_draft(event, draft)
    if problems:
        raise ValueError(f"draft incomplete or invalid: {problems}")
    delegate = Delegate(
        event_id=event.id, registered_by_id=registrant.id, account_id=registrant.id if for_self else None,
        status=CONFIRMED, ticket_version=1, claim_code=None if for_self else _new_claim_code(),
    )
    _apply(delegate, draft)
    return delegate


async def store(session: AsyncSession, delegate: Delegate,
                condition: Callable[[Delegate], Awaitable[bool]] | None = None) -> bool:
    """Store a new record. With `condition` (awaited in the same transaction, the record written and given its
    id), only if it holds: False, and nothing stored, if not."""
    for attempt in range(3):
        try:
            await _insert(session, delegate)
            if condition is not None and not await condition(delegate):
                await session.rollback()
                return False
            await session.commit()
            _as_stored(session, delegate)
            return True
        except IntegrityError:  # claim code collision, one in a hundred million
            await session.rollback()
            if attempt == 2:
                raise
            delegate.claim_code = _new_claim_code()
    return False


_INSERT_PARTS = DelegatePart.__table__.insert()


async def _insert(session: AsyncSession, delegate: Delegate) -> None:
    """Write a new record and its parts by plain statements (models/db.py insert_record), uncommitted."""
    await insert_record(session, delegate)
    if delegate.parts:
        await session.execute(_INSERT_PARTS, [{"delegate_id": delegate.id, "part_code": part.part_code}
                                              for part in delegate.parts])
    note_plan_changed(session)  # no flush saw it


def _as_stored(session: AsyncSession, delegate: Delegate) -> None:
    """The record written by _insert, and committed, put in the session as if the session had read it."""
    for part in delegate.parts:
        part.delegate_id = delegate.id
    as_loaded(session, delegate, parts=list(delegate.parts))


async def update(session: AsyncSession, event: Event, delegate: Delegate, draft: Draft) -> set[str]:
    """Save changed fields; a changed name, province or category replaces the QR code."""
    problems = check_draft(event, draft)
    if problems:
        raise ValueError(f"draft invalid: {problems}")
    changed = _apply(delegate, draft)
    if changed & TICKET_FIELDS:
        delegate.ticket_version += 1
    if changed & STAY_FIELDS and await lodging.note_change(session, event, delegate):
        changed.add(ROOM_REVIEWED)
    if changed:
        await session.commit()
    return changed


async def cancel(session: AsyncSession, delegate: Delegate) -> None:
    delegate.status = CANCELLED
    delegate.cancelled_at = utcnow()
    await session.commit()


# the reads of a registration's steps, built once: building the expression cost more than running it (as the
# account's in bot/services/accounts.py)
_SAME_PHONE = select(Delegate.id, Delegate.full_name).where(
    Delegate.event_id == bindparam("event"), Delegate.status == CONFIRMED, Delegate.phone == bindparam("phone"),
    Delegate.id != bindparam("exclude")).order_by(Delegate.id)
_OWN = select(Delegate).where(Delegate.event_id == bindparam("event"), Delegate.account_id == bindparam("account"),
                              Delegate.status == CONFIRMED).limit(1)
_SAME_OR_OWN = select(Delegate).where(
    Delegate.event_id == bindparam("event"), Delegate.status == CONFIRMED, or_(
        Delegate.account_id == bindparam("account"),
        and_(Delegate.registered_by_id == bindparam("account"), Delegate.phone == bindparam("phone"),
             Delegate.full_name == bindparam("name")))).order_by(Delegate.id)
_RECORDS = select(Delegate).where(Delegate.event_id == bindparam("event")).where(
    or_(Delegate.account_id == bindparam("account"), Delegate.registered_by_id == bindparam("account"))
).order_by(Delegate.id)


async def delegates_of(session: AsyncSession, event: Event, account: Account) -> list[Delegate]:
    """The account's own record first, then the people it registered, oldest first; cancelled ones last."""
    delegates = list(await session.scalars(_RECORDS, {"event": event.id, "account": account.id}))
    return sorted(delegates, key=lambda d: (not d.active, d.account_id != account.id))


async def last_registered(session: AsyncSession, event: Event, account: Account) -> Delegate | None:
    """The active record this account registered last (its own or a colleague's): what a delegation's next
    colleague may share with it (the province; the arrival, travel and lodging of people travelling together)."""
    return await session.scalar(
        select(Delegate).where(Delegate.event_id == event.id, Delegate.status == CONFIRMED,
                               or_(Delegate.account_id == account.id, Delegate.registered_by_id == account.id))
        .order_by(Delegate.id.desc()).limit(1))


def travel_of(delegate: Delegate) -> dict:
    """The arrival, travel and lodging of a record, as a draft holds them, with whose they are."""
    return {"name": delegate.full_name,
            "arrival_date": delegate.arrival_date.isoformat() if delegate.arrival_date else None,
            "arrival_time": delegate.arrival_time.strftime("%H:%M") if delegate.arrival_time else None,
            "travel_mode": delegate.travel_mode, "needs_lodging": bool(delegate.needs_lodging),
            "departure_date": delegate.departure_date.isoformat() if delegate.departure_date else None,
            "departure_time": delegate.departure_time.strftime("%H:%M") if delegate.departure_time else None,
            "room_share": delegate.room_share}


async def same_phone(session: AsyncSession, event: Event, phone: str, exclude_id: int | None = None) -> list[Row]:
    """Active registrations with this phone number (their `id` and `full_name`, oldest first): often the same
    person registered twice. Rows, not records: a secretariat may give its own number for hundreds of
    colleagues, and the review before each confirmation only names them."""
    return list(await session.execute(_SAME_PHONE, {"event": event.id, "phone": phone, "exclude": exclude_id or 0}))


class Stored(NamedTuple):
    """What a review's ✅ finds stored before it stores anything (stored_already)."""

    same: Delegate | None  # an active record this registrant already stored from exactly this draft
    own: Delegate | None  # the registrant's own active record


async def stored_already(session: AsyncSession, event: Event, draft: Draft, *, registrant: Account) -> Stored:
    """In one read: the active record this registrant already stored from exactly this draft (confirming it
    again, by a double tap or by an update handled a second time after a process died mid-way, see
    bot/infra/webhook.py, stores nothing), and the registrant's own active record (own_delegate's rule)."""
    rows = list(await session.scalars(_SAME_OR_OWN, {"event": event.id, "account": registrant.id,
                                                     "phone": draft.phone, "name": draft.full_name}))
    return Stored(_same_draft(rows, draft, registrant), own_among(rows, registrant))


def _same_draft(records: list[Delegate], draft: Draft, registrant: Account) -> Delegate | None:
    def normal(d: Draft) -> Draft:
        return replace(d, parts=sorted(set(d.parts)), note=d.note or "", needs_lodging=bool(d.needs_lodging),
                       arrival_date=d.arrival_date or None, arrival_time=d.arrival_time or None,
                       roommate=d.roommate or None, companions=d.companions or None, diets=sorted(set(d.diets)),
                       room_share=d.room_share if d.needs_lodging else None)

    if not draft.phone or not draft.full_name:  # a draft that can be confirmed has both
        return None
    wanted = normal(draft)
    return next((d for d in records if d.active and d.registered_by_id == registrant.id and d.phone == draft.phone
                 and d.full_name == draft.full_name and normal(Draft.of(d)) == wanted), None)


async def own_delegate(session: AsyncSession, event: Event, account: Account) -> Delegate | None:
    """The account holder's own active registration, if any."""
    return await session.scalar(_OWN, {"event": event.id, "account": account.id})


def own_among(records: list[Delegate], account: Account) -> Delegate | None:
    """The account holder's own active registration among records already read (own_delegate's rule)."""
    return next((d for d in records if d.account_id == account.id and d.active), None)


async def find_for(session: AsyncSession, event: Event, account: Account, delegate_id: int) -> Delegate | None:
    """A record this account may see and change: its own, or one it registered."""
    delegate = await session.get(Delegate, delegate_id)
    if delegate is None or delegate.event_id != event.id:
        return None
    return delegate if account.id in (delegate.account_id, delegate.registered_by_id) else None


# Taking over a record: the registrant forwards a link (Telegram) or a short code (Zalo: "DK 12345678").

# Claim codes are 8 random digits; a handful of wrong tries per quarter hour keeps guessing hopeless. The app
# keeps one pace of wrong tries (CLAIM_TRIES in CLAIM_WINDOW seconds) in this process's memory: enough to stop
# one person typing codes, the risk here.
CLAIM_TRIES, CLAIM_WINDOW = 5, 15 * 60


def _new_claim_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def claim_payload(secret: str, delegate: Delegate) -> str:
    """Deep-link payload for taking over a record: c<id>_<signature>, within Telegram's 64 characters."""
    mac = hmac.new(secret.encode(), f"claim:{delegate.event_id}:{delegate.id}:{delegate.claim_code}".encode(),
                   hashlib.sha256).hexdigest()[:20]
    return f"c{delegate.id}_{mac}"


async def claim(session: AsyncSession, event: Event, secret: str, account: Account, payload: str) -> Delegate | str:
    """Give the record to the account that opened the link; returns the record, or why not."""
    try:
        head, mac = payload[1:].split("_", 1)
        delegate_id = int(head)
    except ValueError:
        return "invalid"
    if not 0 < delegate_id <= MAX_ID:
        return "invalid"
    delegate = await session.get(Delegate, delegate_id)
    # a used link cannot be told from a forged one (the signature covers the code a take-over clears):
    # both are "invalid", so a forged link tells nothing of which records exist or have an owner
    if delegate is None or delegate.event_id != event.id or not delegate.claim_code:
        return "invalid"
    if not hmac.compare_digest(claim_payload(secret, delegate), payload):
        return "invalid"
    return await _take_over(session, event, account, delegate)


async def claim_by_code(session: AsyncSession, event: Event, account: Account, code: str) -> Delegate | str:
    """The same, by the short code typed in a chat without deep links (Zalo): "DK 12345678"."""
    delegate = await session.scalar(select(Delegate).where(Delegate.event_id == event.id, Delegate.claim_code == code))
    if delegate is None:  # never issued, or used: a used code is gone
        return "invalid"
    return await _take_over(session, event, account, delegate)


async def _take_over(session: AsyncSession, event: Event, account: Account, delegate: Delegate) -> Delegate | str:
    if not delegate.active:
        return "cancelled"
    if await own_delegate(session, event, account) is not None:
        return "already_registered"
    # single use: one conditional UPDATE clears the code, so of several people taking the record over at
    # once (on SQLite, which has no row locks, as on PostgreSQL) one gets it; the others, as with a used link
    taken = await session.execute(update_rows(Delegate).where(
        Delegate.id == delegate.id, Delegate.claim_code == delegate.claim_code, Delegate.status == CONFIRMED,
    ).values(account_id=account.id, claim_code=None).execution_options(synchronize_session=False))
    await session.commit()  # nothing written if lost; a commit, unlike a rollback, keeps the account loaded
    if taken.rowcount != 1:
        return "invalid"
    note_plan_changed(session)  # the record's reminders now have a chat to go to
    await session.refresh(delegate)
    return delegate


# "DK 12345678" (đăng ký): a claim code; "DK <16 characters>": a nominee's personal code (the part of their
# t.me link after "?start=n"), for the same people on Zalo, where a link cannot open the bot.
_TYPED_CLAIM = re.compile(r"^\s*[dđ]k\s*[:#.\-]?\s*(.+?)\s*$", re.IGNORECASE)
_CLAIM_DIGITS = re.compile(r"^\d{8}$")
_NOMINEE_CODE = re.compile(r"^n?([A-Za-z0-9_-]{16})$")


def typed_claim(text: str | None) -> str | None:
    """The code in "DK 1234 5678" or "DK <nominee code>", else None."""
    match = _TYPED_CLAIM.match(text or "")
    if match is None:
        return None
    code = match.group(1)
    digits = re.sub(r"[\s.]", "", code)
    if _CLAIM_DIGITS.match(digits):
        return digits
    nominee = _NOMINEE_CODE.match(code)
    return nominee.group(1) if nominee else None


def is_claim_code(code: str) -> bool:
    return bool(_CLAIM_DIGITS.match(code))
