"""Lodging: the nights a delegate stays, their hotel and room, filled automatically and adjusted by hand.

A room is "<room type>-<number>" of a hotel of the event file (twin-3: the third twin room of its block). A
room holds at most its `beds` people each night; people of one delegation (province) only; a hotel holds
rooms only on the nights the event file lists for it. Companions (a driver, an assistant) are counted as
people per night and at meals, not placed in rooms here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Hotel
from bot.services.agenda import parts as agenda_parts
from bot.text import fold
from models import Delegate, RoomAssignment
from models.base import utcnow
from models.delegate import CONFIRMED


def stay_nights(delegate: Delegate, part_days: list[date]) -> list[date]:
    """The nights a lodged delegate sleeps in the city: from the arrival day (or the night before the first part
    attended) to the night before the departure day (or before the last part's day: they leave after it)."""
    if not delegate.needs_lodging or not part_days:
        return []
    first = delegate.arrival_date or min(part_days) - timedelta(days=1)
    leaving = delegate.departure_date or max(part_days)
    return [first + timedelta(days=n) for n in range((leaving - first).days)]


def rooms_of(hotel: Hotel) -> list[str]:
    return [f"{t.code}-{n}" for t in hotel.room_types for n in range(1, t.rooms + 1)]


def beds(hotel: Hotel, room: str) -> int | None:
    """The beds of a room of the hotel, or None if the hotel has no such room."""
    kind, _sep, number = room.rpartition("-")
    block = hotel.room_type(kind)
    if block is None or not number.isdigit() or not 1 <= int(number) <= block.rooms:
        return None
    return block.beds


@dataclass
class Lodging:
    """Everyone the host lodges, their nights, and who sleeps where."""

    conference: Event
    lodgers: dict[int, Delegate]
    nights: dict[int, list[date]]
    assigned: dict[int, RoomAssignment]
    beds_taken: dict[tuple[str, str], dict[date, set[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.beds_taken = defaultdict(lambda: defaultdict(set))
        for a in self.assigned.values():
            self._take(a.delegate_id, a.hotel, a.room)

    def _take(self, delegate_id: int, hotel: str, room: str) -> None:
        for night in self.nights.get(delegate_id, []):
            self.beds_taken[(hotel, room)][night].add(delegate_id)

    def _free(self, delegate_id: int) -> None:
        for nights in self.beds_taken.values():
            for people in nights.values():
                people.discard(delegate_id)

    def sharing(self, hotel: str, room: str) -> set[int]:
        return {i for people in self.beds_taken[(hotel, room)].values() for i in people}

    def refusal(self, delegate: Delegate, hotel: Hotel, room: str) -> tuple[str, dict] | None:
        """Why `delegate` cannot sleep in this room (a reason code and its details), or None."""
        nights = self.nights.get(delegate.id, [])
        room_beds = beds(hotel, room)
        if not nights:
            return "no_lodging", {}
        if room_beds is None:
            return "no_such_room", {"rooms": ", ".join(t.code for t in hotel.room_types)}
        outside = [n for n in nights if n not in hotel.nights]
        if outside:
            return "nights_not_held", {"night": f"{outside[0]:%d/%m}"}
        others = self.sharing(hotel.code, room) - {delegate.id}
        strangers = [self.lodgers[i] for i in others if self.lodgers[i].province != delegate.province]
        if strangers:
            return "other_delegation", {"name": strangers[0].full_name}
        for night in nights:
            if len(self.beds_taken[(hotel.code, room)][night] - {delegate.id}) >= room_beds:
                return "room_full", {"night": f"{night:%d/%m}", "beds": room_beds}
        return None

    def place(self, delegate: Delegate, hotel: Hotel, room: str, by_id: int | None) -> RoomAssignment:
        self._free(delegate.id)
        a = self.assigned.get(delegate.id) or RoomAssignment(delegate_id=delegate.id, event_id=self.conference.id)
        a.hotel, a.room, a.by_id, a.assigned_at, a.changed_at, a.change = hotel.code, room, by_id, utcnow(), None, ""
        a.nights = ",".join(n.isoformat() for n in self.nights[delegate.id])
        self.assigned[delegate.id] = a
        self._take(delegate.id, hotel.code, room)
        return a


async def load(session: AsyncSession, conference: Event) -> Lodging:
    tz = conference.tz
    part_days_of = {p.code: p.starts_at.astimezone(tz).date() for p in await agenda_parts(session, conference)
                    if not p.cancelled}
    rows = await session.scalars(select(Delegate).where(Delegate.event_id == conference.id,
                                                        Delegate.status == CONFIRMED).order_by(Delegate.id))
    lodgers, nights = {}, {}
    for d in rows:
        stayed = stay_nights(d, [part_days_of[c] for c in d.part_codes if c in part_days_of] or
                             sorted(set(part_days_of.values())))
        if stayed:
            lodgers[d.id], nights[d.id] = d, stayed
    found = await session.scalars(select(RoomAssignment).where(RoomAssignment.event_id == conference.id))
    assigned = {a.delegate_id: a for a in found if a.delegate_id in lodgers}
    return Lodging(conference, lodgers, nights, assigned)


@dataclass
class Placed:
    assignment: RoomAssignment | None
    reason: str = ""
    details: dict = field(default_factory=dict)


async def assign(session: AsyncSession, conference: Event, delegate_id: int, hotel_code: str, room: str,
                 by_id: int | None) -> Placed:
    """An organizer's choice of hotel and room for one delegate; refused (nothing changed) with a reason."""
    lodging = await load(session, conference)
    hotel = conference.hotel(hotel_code)
    delegate = lodging.lodgers.get(delegate_id)
    if hotel is None:
        return Placed(None, "no_such_hotel", {"hotels": ", ".join(h.code for h in conference.hotels)})
    if delegate is None:
        return Placed(None, "no_lodging" if await session.get(Delegate, delegate_id) else "no_such_delegate")
    refusal = lodging.refusal(delegate, hotel, room)
    if refusal:
        return Placed(None, *refusal)
    placed = lodging.place(delegate, hotel, room, by_id)
    session.add(placed)
    await session.commit()
    return Placed(placed)


async def fill(session: AsyncSession, conference: Event) -> tuple[int, list[Delegate]]:
    """Rooms for every lodger still without one, by delegation and wish: a single room for those who asked
    for one; those sharing with the colleague they named, else with the delegation, in as few rooms as fit.
    Returns how many were placed and who could not be (no room left for their nights)."""
    lodging = await load(session, conference)
    order = {p.code: i for i, p in enumerate(conference.provinces)}
    waiting = sorted((d for i, d in lodging.lodgers.items() if i not in lodging.assigned),
                     key=lambda d: (order.get(d.province, len(order)), d.room_share != "single", d.id))
    placed, left = 0, []
    for delegate in _pairs_together(waiting):
        spot = _best_room(lodging, delegate)
        if spot is None:
            left.append(delegate)
            continue
        session.add(lodging.place(delegate, *spot, by_id=None))
        placed += 1
    await session.commit()
    return placed, left


def _pairs_together(waiting: list[Delegate]) -> list[Delegate]:
    """The same order, each colleague named as a roommate (or naming one) right after the other."""
    ordered: list[Delegate] = []
    for delegate in waiting:
        if delegate in ordered:
            continue
        ordered.append(delegate)
        ordered += [d for d in waiting if d not in ordered and d.province == delegate.province and _names(delegate, d)]
    return ordered


def _best_room(lodging: Lodging, delegate: Delegate) -> tuple[Hotel, str] | None:
    candidates = [(h, r) for h in lodging.conference.hotels for r in rooms_of(h)
                  if lodging.refusal(delegate, h, r) is None]
    if not candidates:
        return None

    def rank(spot: tuple[Hotel, str]) -> tuple:
        hotel, room = spot
        mates = [lodging.lodgers[i] for i in lodging.sharing(hotel.code, room)]
        single = beds(hotel, room) == 1
        if delegate.room_share == "single":
            return (not single, bool(mates))
        named = any(_names(delegate, m) for m in mates)
        return (not named, single, not mates or any(m.room_share == "single" for m in mates))
    return min(candidates, key=rank)


def _names(a: Delegate, b: Delegate) -> bool:
    """One of the two named the other as the colleague to share with."""
    return bool(a.roommate and fold(a.roommate) == fold(b.full_name) or b.roommate and fold(b.roommate) == fold(a.full_name))


async def roommate_elsewhere(session: AsyncSession, conference: Event, name: str, province: str) -> Delegate | None:
    """The registered delegate of another delegation a roommate's name names, when no one of `province` has that
    name: a room is shared within a delegation only."""
    rows = await session.scalars(select(Delegate).where(Delegate.event_id == conference.id,
                                                        Delegate.status == CONFIRMED))
    named = [d for d in rows if fold(d.full_name) == fold(name)]
    if any(d.province == province for d in named):
        return None
    return named[0] if named else None


async def stay_of(session: AsyncSession, conference: Event, delegate: Delegate) -> tuple[Hotel, str] | None:
    """The hotel and room the host lodges the delegate in, once assigned."""
    a = await session.get(RoomAssignment, delegate.id)
    hotel = conference.hotel(a.hotel) if a and delegate.needs_lodging else None
    return (hotel, a.room) if hotel else None


async def note_change(session: AsyncSession, conference: Event, delegate: Delegate) -> bool:
    """After a delegate's record changed: if their nights (or their lodging) no longer match the room they were
    given, the assignment is flagged for the host (True). The caller commits."""
    a = await session.get(RoomAssignment, delegate.id)
    if a is None:
        return False
    lodging = await load(session, conference)
    now = ",".join(n.isoformat() for n in lodging.nights.get(delegate.id, []))
    if now == a.nights:
        return False
    a.changed_at, a.change = utcnow(), f"{a.nights or '—'} → {now or '—'}"[:200]
    return True


async def flagged(session: AsyncSession, conference: Event) -> list[tuple[Delegate, RoomAssignment]]:
    """Assignments whose delegate changed their stay afterwards, oldest change first."""
    rows = await session.execute(select(Delegate, RoomAssignment).join(
        RoomAssignment, RoomAssignment.delegate_id == Delegate.id).where(
        RoomAssignment.event_id == conference.id, RoomAssignment.changed_at.is_not(None)).order_by(
        RoomAssignment.changed_at))
    return [(d, a) for d, a in rows.all()]


@dataclass(frozen=True)
class BlockNight:
    """One room block of a hotel on one night: rooms held, rooms assigned, people in them."""

    hotel: Hotel
    night: date
    kind: str
    held: int
    used: int
    people: int


def usage(lodging: Lodging) -> list[BlockNight]:
    """Every hotel, night and room block of the event file, as assigned so far."""
    rows = []
    for hotel in lodging.conference.hotels:
        for night in hotel.nights:
            for block in hotel.room_types:
                taken = [people[night] for (code, room), people in lodging.beds_taken.items()
                         if code == hotel.code and room.rpartition("-")[0] == block.code and people.get(night)]
                rows.append(BlockNight(hotel, night, block.code, block.rooms, len(taken), sum(map(len, taken))))
    return rows
