"""Transport as the organizers run it: the plan proposed from the registrations (rules in transport_plan.py),
applied to the seats (models/transport.py), a delegate moved to another vehicle, arrivals changed since
planning flagged, and who must be told because their seat changed."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Trip
from bot.services.outbox import Recipient
from bot.services.phone import display_phone, normalize_phone
from bot.services.transport_plan import Placed, Plan, Traveller, keep_moves, plan_pickups, plan_trip, seats_of
from models import Account, CheckIn, Delegate, DelegatePart, Seat
from models.delegate import CONFIRMED
from models.transport import PICKUP, fingerprint



def arrival_at(conference: Event, delegate: Delegate) -> datetime | None:
    if delegate.arrival_date is None or delegate.arrival_time is None:
        return None
    return datetime.combine(delegate.arrival_date, delegate.arrival_time, tzinfo=conference.tz)


def _traveller(conference: Event, d: Delegate) -> Traveller:
    return Traveller(d.id, d.province, d.full_name, arrival_at(conference, d))


async def confirmed(session: AsyncSession, conference: Event, *where) -> list[Delegate]:
    return list(await session.scalars(select(Delegate).where(
        Delegate.event_id == conference.id, Delegate.status == CONFIRMED, *where).order_by(Delegate.id)))


async def trip_delegates(session: AsyncSession, conference: Event, trip: Trip) -> list[Delegate]:
    """Everyone attending the trip's part: registered for it or checked in to it."""
    return await confirmed(session, conference, or_(
        Delegate.id.in_(select(DelegatePart.delegate_id).where(DelegatePart.part_code == trip.part)),
        Delegate.id.in_(select(CheckIn.delegate_id).where(CheckIn.part_code == trip.part))))


async def propose(session: AsyncSession, conference: Event) -> Plan:
    """The plan from the registrations as they stand: pick-ups and every trip."""
    transport, plan = conference.transport, Plan()
    if transport is None:
        return plan
    if transport.pickups is not None:
        flying = await confirmed(session, conference, Delegate.travel_mode == transport.pickups.travel_mode)
        plan = plan_pickups(transport, transport.pickups, [_traveller(conference, d) for d in flying])
    for trip in transport.trips:
        found = plan_trip(transport, trip, [_traveller(conference, d) for d in await trip_delegates(session, conference, trip)])
        plan.seats += found.seats
        plan.unseated += found.unseated
    moves = [Placed(s.delegate_id, s.trip, s.vehicle, s.departs_at) for s in await seats(session, conference)
             if s.pinned]
    return keep_moves(plan, moves, lambda trip, vehicle: seats_of(transport, trip).get(vehicle, 0))


async def seats(session: AsyncSession, conference: Event, *, riding: bool = False) -> list[Seat]:
    """Every seat; `riding`: only those of confirmed delegates (what the host's lists count)."""
    query = select(Seat).where(Seat.event_id == conference.id)
    if riding:
        query = query.where(Seat.delegate_id.in_(select(Delegate.id).where(Delegate.status == CONFIRMED)))
    return list(await session.scalars(query.order_by(Seat.departs_at, Seat.trip, Seat.vehicle, Seat.delegate_id)))


def to_tell(current: list[Seat], plan: Plan) -> set[int]:
    """The delegates whose seat the plan gives, changes or takes away (a seat told before and kept: nobody)."""
    wanted = {(p.delegate_id, p.trip): fingerprint(p.vehicle, p.departs_at) for p in plan.seats}
    told = {(s.delegate_id, s.trip): s.told for s in current}
    return ({s.delegate_id for s in current if (s.delegate_id, s.trip) not in wanted}
            | {key[0] for key, seat in wanted.items() if told.get(key) != seat})


async def apply(session: AsyncSession, conference: Event, plan: Plan) -> set[int]:
    """The seats become the plan's (not committed). Returns the delegates to tell (`to_tell`)."""
    current = {(s.delegate_id, s.trip): s for s in await seats(session, conference)}
    changed = to_tell(list(current.values()), plan)
    wanted = {(p.delegate_id, p.trip): p for p in plan.seats}
    for key, seat in current.items():
        if key not in wanted:
            await session.delete(seat)
    for key, placed in wanted.items():
        seat = current.get(key) or Seat(event_id=conference.id, delegate_id=placed.delegate_id, trip=placed.trip,
                                        told="", pinned=False)
        # a move by hand holds while the plan keeps the delegate in that vehicle at that time
        seat.pinned = bool(seat.pinned) and (seat.vehicle, seat.departs_at) == (placed.vehicle, placed.departs_at)
        seat.vehicle, seat.departs_at, seat.arrival_at = placed.vehicle, placed.departs_at, placed.arrival_at
        session.add(seat)
    await session.flush()
    return changed


async def mark_told(session: AsyncSession, delegate_ids: set[int]) -> None:
    for seat in await session.scalars(select(Seat).where(Seat.delegate_id.in_(delegate_ids))):
        seat.told = seat.fingerprint


async def recipients(session: AsyncSession, delegate_ids: set[int]) -> list[Recipient]:
    """One recipient per chat (the delegate's own, or the colleague's who registered them); a cancelled
    registration is not told that its seat is gone."""
    names: dict[int, list[str]] = defaultdict(list)
    if delegate_ids:
        for d in await session.scalars(select(Delegate).where(Delegate.id.in_(delegate_ids),
                                                              Delegate.status == CONFIRMED).order_by(Delegate.id)):
            account_id = d.account_id or d.registered_by_id
            if account_id is not None:
                names[account_id].append(f"{d.full_name} ({display_phone(d.phone)})")
    reachable = dict((await session.execute(select(Account.id, Account.reachable)
                                            .where(Account.id.in_(names)))).all()) if names else {}
    return [Recipient(a, ", ".join(n), reachable.get(a, False), len(n)) for a, n in names.items()]


async def of_account(session: AsyncSession, conference: Event, account_id: int) -> list[tuple[Delegate, list[Seat]]]:
    """The delegates a chat stands for (confirmed ones) with their seats, for the notice and for /me."""
    found = await confirmed(session, conference,
                             or_(Delegate.account_id == account_id, Delegate.registered_by_id == account_id))
    return [(d, await of_delegate(session, d.id)) for d in found]


_SEATS = select(Seat).where(Seat.delegate_id == bindparam("delegate")).order_by(Seat.departs_at)  # built once


async def of_delegate(session: AsyncSession, delegate_id: int) -> list[Seat]:
    return list(await session.scalars(_SEATS, {"delegate": delegate_id}))


def arrival_changed(conference: Event, delegate: Delegate, seat: Seat) -> bool:
    """A pick-up planned for an arrival the delegate has changed since (or no longer comes by air)."""
    pickups = conference.transport.pickups if conference.transport else None
    if seat.trip != PICKUP or pickups is None:
        return False
    return (not delegate.active or delegate.travel_mode != pickups.travel_mode
            or arrival_at(conference, delegate) != seat.arrival_at)


ARRIVAL_FIELDS = {"arrival_date", "arrival_time", "travel_mode"}  # what a pick-up was planned from


async def pickup_changed(session: AsyncSession, conference: Event, delegate: Delegate) -> bool:
    return any(arrival_changed(conference, delegate, s) for s in await of_delegate(session, delegate.id))


async def changed_arrivals(session: AsyncSession, conference: Event) -> list[tuple[Delegate, Seat]]:
    """Pick-ups whose delegate's arrival changed after planning: for the host to plan again."""
    rows = await session.execute(select(Delegate, Seat).join(Seat, Seat.delegate_id == Delegate.id).where(
        Seat.event_id == conference.id, Seat.trip == PICKUP).order_by(Seat.departs_at, Delegate.id))
    return [(d, s) for d, s in rows.all() if arrival_changed(conference, d, s)]


@dataclass(frozen=True)
class MoveRefusal:
    reason: str  # no_delegate | several | unknown_vehicle | no_seat | full
    known: tuple[str, ...] = ()  # the vehicles that may be named
    seats: int = 0


async def find_delegate(session: AsyncSession, conference: Event, raw: str) -> list[Delegate]:
    """By record number (#12 or 12) or by phone."""
    token = raw.strip().lstrip("#")
    if token.isdigit() and len(token) < 9:
        return await confirmed(session, conference, Delegate.id == int(token))
    phone = normalize_phone(raw)
    return await confirmed(session, conference, Delegate.phone == phone) if phone else []


async def move(session: AsyncSession, conference: Event, who: str, vehicle: str) -> Seat | MoveRefusal:
    """The delegate's seat on the trip (or pick-up run) `vehicle` serves moves to it, at the same departure;
    refused when that vehicle is full then. Flushed, not committed: the caller tells the delegate. A new plan
    keeps the move (`keep_moves`)."""
    transport = conference.transport
    known = tuple(v.code for v in transport.vehicles) if transport else ()
    found = await find_delegate(session, conference, who)
    if len(found) != 1:
        return MoveRefusal("several" if found else "no_delegate")
    if transport is None or transport.vehicle(vehicle) is None:
        return MoveRefusal("unknown_vehicle", known)
    seat = next((s for s in await of_delegate(session, found[0].id) if vehicle in seats_of(transport, s.trip)), None)
    if seat is None:
        return MoveRefusal("no_seat", known)
    if seat.vehicle == vehicle:
        return seat
    taken = len(list(await session.scalars(select(Seat.id).where(
        Seat.event_id == conference.id, Seat.trip == seat.trip, Seat.vehicle == vehicle,
        Seat.departs_at == seat.departs_at))))
    capacity = seats_of(transport, seat.trip)[vehicle]
    if taken >= capacity:
        return MoveRefusal("full", known, capacity)
    seat.vehicle, seat.pinned = vehicle, True
    await session.flush()
    return seat
