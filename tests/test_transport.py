"""Transport planning: arrivals grouped by time into pick-up runs, people into vehicles of the host's seats,
what is left without a seat, and a new plan telling only those whose seat changed."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.event import Pickups, Text, Transport, Trip, Vehicle
from bot.services import registration as reg, transport
from bot.services.accounts import get_or_create_account
from bot.services.transport_plan import (NO_ROOM, NO_TIME, Placed, Traveller, fill, group_arrivals, keep_moves,
                                         plan_pickups, plan_trip)
from models import Delegate, Seat
from models.transport import PICKUP
from testkit.event_file import broken_event_file
from testkit.records import draft

ICT = timezone(timedelta(hours=7))
T = Text(vi="x", en="x")


def at(hour: int, minute: int = 0, day: int = 26) -> datetime:
    return datetime(2023, 7, day, hour, minute, tzinfo=ICT)


def fleet(*seats: int) -> Transport:
    vehicles = tuple(Vehicle(code=f"v{n}", label=T, seats=s) for n, s in enumerate(seats))
    return Transport(vehicles=vehicles, pickups=Pickups(travel_mode="air", place=T, meeting_point=T,
                                                         window_minutes=60, round_trip_minutes=150,
                                                         vehicles=tuple(v.code for v in vehicles)))


def people(*times, province: str = "gia_lai") -> list[Traveller]:
    return [Traveller(n + 1, province, f"P{n}", t) for n, t in enumerate(times)]


def test_flights_landing_within_the_window_share_a_run_that_leaves_after_the_last():
    groups = group_arrivals(people(at(9), at(9, 40), at(10), at(10, 1), at(13)), timedelta(minutes=60))
    assert [[t.delegate_id for t in g] for g in groups] == [[1, 2, 3], [4], [5]]
    plan = plan_pickups(fleet(15), fleet(15).pickups, people(at(9), at(9, 40), at(10)))
    assert {s.departs_at for s in plan.seats} == {at(10)} and plan.unseated == []


def test_the_smallest_vehicle_that_holds_everyone_then_the_largest_and_on():
    seated, left = fill(people(*[at(9)] * 5), fleet(6, 15).vehicles)
    assert {v for _, v in seated} == {"v0"} and left == []
    seated, left = fill(people(*[at(9)] * 20), fleet(6, 15).vehicles)
    assert sorted(v for _, v in seated).count("v1") == 15 and sorted(v for _, v in seated).count("v0") == 5
    seated, left = fill(people(*[at(9)] * 23), fleet(6, 15).vehicles)
    assert len(seated) == 21 and len(left) == 2


def test_a_vehicle_out_on_a_run_is_not_used_again_until_it_is_back():
    plan = plan_pickups(fleet(6), fleet(6).pickups, people(at(9), at(10, 30), at(12, 0)))
    assert [(s.delegate_id, s.departs_at) for s in plan.seats] == [(1, at(9)), (3, at(12))]
    assert [(u.delegate_id, u.reason) for u in plan.unseated] == [(2, NO_ROOM)]


def test_an_arrival_without_a_time_is_kept_unseated_with_its_reason():
    plan = plan_pickups(fleet(6), fleet(6).pickups, people(at(9), None))
    assert [s.delegate_id for s in plan.seats] == [1]
    assert [(u.delegate_id, u.reason) for u in plan.unseated] == [(2, NO_TIME)]


def test_a_trip_fills_its_buses_and_keeps_a_delegation_together():
    t = fleet(4, 4)
    trip = Trip(code="visit", part="exchange", title=T, departs_at=at(13, day=27), meeting_point=T,
                vehicles=("v0", "v1"))
    travellers = people(*[None] * 3, province="b") + [Traveller(10 + n, "a", f"Q{n}") for n in range(3)]
    plan = plan_trip(t, trip, travellers)
    by_vehicle = {s.delegate_id: s.vehicle for s in plan.seats}
    assert len({by_vehicle[i] for i in (10, 11, 12)}) == 1 and plan.unseated == []
    assert len(plan_trip(t, trip, travellers + people(*[None] * 3, province="c")).unseated) == 1


def test_the_event_file_names_an_unknown_vehicle_or_a_vehicle_without_seats(tmp_path):
    error = broken_event_file(tmp_path, lambda raw: raw["transport"]["trips"][0].update(vehicles=["bus_9"]))
    assert "transport.trips.0.vehicles: unknown vehicle 'bus_9'" in error
    error = broken_event_file(tmp_path, lambda raw: raw["transport"]["vehicles"][0].update(seats=0))
    assert "transport.vehicles.0.seats" in error
    error = broken_event_file(tmp_path, lambda raw: raw["transport"]["trips"][0].update(part="picnic"))
    assert "unknown part 'picnic'" in error


async def _register(db, conference, n: int, **changes) -> int:
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id=str(700 + n),
                                              chat_id=str(700 + n), display_name=f"D{n}")
        delegate = await reg.register(session, conference, draft(full_name=f"Đại biểu {n}", phone=f"+8490100{n:04d}",
                                                                 **changes), registrant=account, for_self=True)
        return delegate.id


async def test_a_new_plan_tells_only_those_whose_seat_changed_and_flags_a_changed_arrival(db, conference):
    first = await _register(db, conference, 1, arrival_time="10:30")
    second = await _register(db, conference, 2, arrival_time="10:50", parts=["exchange", "conference"])
    async with db.session() as session:
        told = await transport.apply(session, conference, await transport.propose(session, conference))
        assert told == {first, second}
        await transport.mark_told(session, told)
        await session.commit()
        seats = {(s.delegate_id, s.trip): s for s in await transport.seats(session, conference)}
        assert seats[(first, PICKUP)].departs_at == at(10, 50) == seats[(second, PICKUP)].departs_at
        assert seats[(second, "field_visit")].vehicle in ("bus_1", "bus_2") and (first, "field_visit") not in seats
        assert await transport.apply(session, conference, await transport.propose(session, conference)) == set()
        delegate = await session.get(Delegate, first)
        delegate.arrival_time = datetime(2023, 7, 26, 15, 0).time()
        await session.commit()
        assert [d.id for d, _ in await transport.changed_arrivals(session, conference)] == [first]
        # the second's run still leaves at 10:50 when it lands: only the first is told again
        assert await transport.apply(session, conference, await transport.propose(session, conference)) == {first}
        await session.commit()
        assert (await transport.of_delegate(session, first))[0].departs_at == at(15)
        assert await transport.changed_arrivals(session, conference) == []


async def test_a_cancelled_registration_is_flagged_then_loses_its_seat_untold(db, conference):
    kept = await _register(db, conference, 1)
    gone = await _register(db, conference, 2)
    async with db.session() as session:
        await transport.mark_told(session, await transport.apply(session, conference,
                                                                 await transport.propose(session, conference)))
        await session.commit()
        await reg.cancel(session, await session.get(Delegate, gone))
        assert [d.id for d, _ in await transport.changed_arrivals(session, conference)] == [gone]
        assert [s.delegate_id for s in await transport.seats(session, conference, riding=True)] == [kept]
        told = await transport.apply(session, conference, await transport.propose(session, conference))
        assert told == {gone} and await transport.recipients(session, told) == []
        await session.commit()
        assert [s.delegate_id for s in await transport.seats(session, conference)] == [kept]


async def test_a_move_is_refused_for_a_full_or_unknown_vehicle(db, conference):
    ids = [await _register(db, conference, n, arrival_time="09:00") for n in range(8)]
    async with db.session() as session:
        await transport.apply(session, conference, await transport.propose(session, conference))
        await session.commit()
        rides = {s.delegate_id: s.vehicle for s in await transport.seats(session, conference)}
        assert set(rides.values()) == {"van_1"} or set(rides.values()) == {"van_2"}
        other = "van_2" if rides[ids[0]] == "van_1" else "van_1"
        assert (await transport.move(session, conference, "bus_7", str(ids[0]))).reason == "no_delegate"
        assert (await transport.move(session, conference, str(ids[0]), "bus_7")).reason == "unknown_vehicle"
        assert (await transport.move(session, conference, str(ids[0]), "bus_1")).reason == "no_seat"
        moved = await transport.move(session, conference, f"#{ids[0]}", other)
        assert isinstance(moved, Seat) and moved.vehicle == other
        await session.commit()
        assert isinstance(await transport.move(session, conference, "0901000001", "car_1"), Seat)  # by phone
        for n in ids[2:7]:
            assert isinstance(await transport.move(session, conference, str(n), "car_1"), Seat)
        full = await transport.move(session, conference, str(ids[7]), "car_1")
        assert full.reason == "full" and full.seats == 6
        count = len(list(await session.scalars(select(Seat).where(Seat.vehicle == "car_1"))))
        assert count == 6
        await session.commit()
        # planned again: the moves by hand are kept (and nobody is told: the seats did not change)
        await transport.mark_told(session, set(ids))
        assert await transport.apply(session, conference, await transport.propose(session, conference)) == set()
        await session.commit()
        rides = {s.delegate_id: s.vehicle for s in await transport.seats(session, conference)}
        assert [rides[n] for n in ids] == [other] + ["car_1"] * 6 + [rides[ids[7]]] and rides[ids[7]] != "car_1"


def test_a_move_by_hand_is_kept_while_its_run_leaves_at_the_same_time_and_has_room():
    t = fleet(2, 15)
    plan = plan_pickups(t, t.pickups, people(at(9), at(9), at(9)))
    assert {s.vehicle for s in plan.seats} == {"v1"}
    moves = [Placed(1, PICKUP, "v0", at(9)), Placed(2, PICKUP, "v0", at(9)), Placed(3, PICKUP, "v0", at(9)),
             Placed(4, PICKUP, "v0", at(8))]
    kept = keep_moves(plan, moves, lambda trip, vehicle: {"v0": 2, "v1": 15}[vehicle])
    assert [(s.delegate_id, s.vehicle) for s in kept.seats] == [(1, "v0"), (2, "v0"), (3, "v1")]  # v0 holds two
    # the first now lands at 10:30, in a run of its own: the move (made for the 9:00 run) no longer holds
    later = plan_pickups(t, t.pickups, people(at(10, 30), at(9), at(9)))
    assert {(s.delegate_id, s.vehicle) for s in keep_moves(later, moves[:1], lambda trip, v: 15).seats} == {
        (1, "v1"), (2, "v0"), (3, "v0")}
