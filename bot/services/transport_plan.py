"""Transport planning as pure rules, with no database: arrivals grouped into airport pick-ups by time, people
into vehicles of the seats the host lists, and what is left without a seat (and why).

A pick-up run starts with the first arrival not yet met; everyone landing within the window of it shares the
run, which leaves when the last of them has landed. A run takes the vehicles free at that moment (a vehicle is
back `round_trip_minutes` after it left): the smallest that holds everyone left, or else the largest and on.
People of one province sit together: they are seated in province order. Whoever finds no seat is kept in the
plan as unseated, with the reason, so the host sees them and nobody is lost.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.event import Pickups, Transport, Trip, Vehicle
from models.transport import PICKUP

NO_TIME, NO_ROOM = "no_time", "no_room"  # why someone has no seat: no arrival time given; every vehicle full


@dataclass(frozen=True)
class Traveller:
    delegate_id: int
    province: str
    name: str
    arrival_at: datetime | None = None  # when they land (pick-ups); None if they gave no day or time


@dataclass(frozen=True)
class Placed:
    delegate_id: int
    trip: str  # PICKUP or a trip's code
    vehicle: str
    departs_at: datetime
    arrival_at: datetime | None = None


@dataclass(frozen=True)
class Unseated:
    delegate_id: int
    trip: str
    reason: str  # NO_TIME or NO_ROOM


@dataclass
class Plan:
    seats: list[Placed] = field(default_factory=list)
    unseated: list[Unseated] = field(default_factory=list)

    def runs(self) -> dict[tuple[str, datetime, str], list[Placed]]:
        """Who rides together: (trip, departure, vehicle) → seats, in departure order."""
        found: dict[tuple[str, datetime, str], list[Placed]] = {}
        for seat in sorted(self.seats, key=lambda s: (s.departs_at, s.trip, s.vehicle)):
            found.setdefault((seat.trip, seat.departs_at, seat.vehicle), []).append(seat)
        return found


def group_arrivals(travellers: Sequence[Traveller], window: timedelta) -> list[list[Traveller]]:
    """Arrivals with a time, by time: each group spans at most `window` from its first arrival."""
    timed = sorted((t for t in travellers if t.arrival_at is not None), key=lambda t: (t.arrival_at, t.delegate_id))
    groups: list[list[Traveller]] = []
    for traveller in timed:
        if groups and traveller.arrival_at - groups[-1][0].arrival_at <= window:
            groups[-1].append(traveller)
        else:
            groups.append([traveller])
    return groups


def fill(people: Sequence[Traveller], vehicles: Sequence[Vehicle]) -> tuple[list[tuple[Traveller, str]], list[Traveller]]:
    """People into the vehicles given: the smallest that holds everyone left, or else the largest and on.
    Returns who sits where and who is left (every vehicle full)."""
    waiting = sorted(people, key=lambda t: (t.province, t.name, t.delegate_id))
    free = sorted(vehicles, key=lambda v: (v.seats, v.code))
    seated: list[tuple[Traveller, str]] = []
    while waiting and free:
        vehicle = next((v for v in free if v.seats >= len(waiting)), free[-1])
        free.remove(vehicle)
        seated += [(t, vehicle.code) for t in waiting[:vehicle.seats]]
        waiting = waiting[vehicle.seats:]
    return seated, waiting


def plan_pickups(transport: Transport, pickups: Pickups, travellers: Sequence[Traveller]) -> Plan:
    plan = Plan(unseated=[Unseated(t.delegate_id, PICKUP, NO_TIME) for t in travellers if t.arrival_at is None])
    fleet = [transport.vehicle(code) for code in pickups.vehicles]
    back_at: dict[str, datetime] = {}
    for group in group_arrivals(travellers, timedelta(minutes=pickups.window_minutes)):
        leaves = max(t.arrival_at for t in group)
        seated, left = fill(group, [v for v in fleet if back_at.get(v.code, leaves) <= leaves])
        for traveller, vehicle in seated:
            back_at[vehicle] = leaves + timedelta(minutes=pickups.round_trip_minutes)
            plan.seats.append(Placed(traveller.delegate_id, PICKUP, vehicle, leaves, traveller.arrival_at))
        plan.unseated += [Unseated(t.delegate_id, PICKUP, NO_ROOM) for t in left]
    return plan


def plan_trip(transport: Transport, trip: Trip, travellers: Sequence[Traveller]) -> Plan:
    seated, left = fill(travellers, [transport.vehicle(code) for code in trip.vehicles])
    return Plan([Placed(t.delegate_id, trip.code, vehicle, trip.departs_at) for t, vehicle in seated],
                [Unseated(t.delegate_id, trip.code, NO_ROOM) for t in left])


def keep_moves(plan: Plan, moves: Sequence[Placed], capacity: Callable[[str, str], int]) -> Plan:
    """Moves organizers made by hand survive a new plan: a delegate whose run (trip and departure) is the one
    they were moved in goes back to the vehicle they were moved to, while it has a seat left in that run."""
    moved = {(m.delegate_id, m.trip): m for m in moves}
    taken = Counter((s.trip, s.departs_at, s.vehicle) for s in plan.seats)
    seats = []
    for seat in plan.seats:
        move = moved.get((seat.delegate_id, seat.trip))
        if (move is not None and move.departs_at == seat.departs_at and move.vehicle != seat.vehicle
                and taken[(seat.trip, seat.departs_at, move.vehicle)] < capacity(seat.trip, move.vehicle)):
            taken[(seat.trip, seat.departs_at, seat.vehicle)] -= 1
            taken[(seat.trip, seat.departs_at, move.vehicle)] += 1
            seat = replace(seat, vehicle=move.vehicle)
        seats.append(seat)
    return Plan(seats, plan.unseated)


def seats_of(transport: Transport, trip: str) -> dict[str, int]:
    """The vehicles a trip (or the pick-ups) may use, with their seats."""
    if trip == PICKUP:
        codes = transport.pickups.vehicles if transport.pickups else ()
    else:
        found = transport.trip(trip)
        codes = found.vehicles if found else ()
    return {code: transport.vehicle(code).seats for code in codes}
