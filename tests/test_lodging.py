"""Lodging and meals (issue 20): exact nights, rooms filled by delegation and wish, an organizer's choice refused
with its reason and nothing changed, a changed stay flagged, meals counted with their diets, the event file's
hotels and meals checked."""
import io
from datetime import date

import openpyxl
from sqlalchemy import select

from bot.services import exports, lodging, registration as reg
from bot.services.accounts import get_or_create_account
from bot.services.meals import head_counts
from models import Delegate, RoomAssignment
from testkit.event_file import broken_event_file
from testkit.records import draft


async def _seat(db, conference, **people) -> dict[str, int]:
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="600", chat_id="600",
                                            display_name="Văn phòng")
        return {key: (await reg.register(session, conference, d, registrant=staff, for_self=False)).id
                for key, d in people.items()}


def _person(name: str, phone: str, **changes) -> reg.Draft:
    return draft(**{"full_name": name, "phone": phone, "parts": ["reception", "exchange", "conference"],
                    "arrival_date": "2023-07-26", "departure_date": "2023-07-28", **changes})


def test_nights_run_from_the_arrival_to_the_night_before_the_departure():
    d = Delegate(needs_lodging=True, arrival_date=date(2023, 7, 25), departure_date=date(2023, 7, 27))
    assert lodging.stay_nights(d, [date(2023, 7, 26), date(2023, 7, 28)]) == [date(2023, 7, 25), date(2023, 7, 26)]
    d.departure_date = None  # they leave after the last part they attend
    assert lodging.stay_nights(d, [date(2023, 7, 26), date(2023, 7, 28)]) == [
        date(2023, 7, 25), date(2023, 7, 26), date(2023, 7, 27)]
    d.needs_lodging = False
    assert lodging.stay_nights(d, [date(2023, 7, 28)]) == []


async def test_rooms_are_filled_by_delegation_and_wish(db, conference):
    ids = await _seat(db, conference,
                      a=_person("Nguyễn Văn A", "+84905000101", room_share="shared"),
                      single=_person("Trần Văn Đơn", "+84905000102", room_share="single"),
                      b=_person("Lê Văn B", "+84905000103", room_share="shared"),
                      other=_person("Phạm Kon Tum", "+84905000104", province="kon_tum", room_share="shared",
                                    organization="UBND tỉnh Kon Tum"),
                      home=_person("Ở Nhà", "+84905000105", needs_lodging=False))
    async with db.session() as session:
        placed, left = await lodging.fill(session, conference)
        rooms = {a.delegate_id: (a.hotel, a.room) for a in await session.scalars(select(RoomAssignment))}
    assert placed == 4 and left == []
    assert rooms[ids["a"]] == rooms[ids["b"]] and rooms[ids["a"]][1].startswith("twin-")  # shared, same delegation
    assert rooms[ids["single"]][1].startswith("single-")
    assert rooms[ids["other"]] != rooms[ids["a"]]  # another province never shares with Gia Lai
    assert ids["home"] not in rooms


async def test_a_named_colleague_is_roomed_with_the_one_who_named_them(db, conference):
    ids = await _seat(db, conference,
                      x=_person("Nguyễn Văn X", "+84905000201", room_share="shared"),
                      y=_person("Trần Văn Y", "+84905000202", room_share="shared"),
                      z=_person("Lê Văn Z", "+84905000203", room_share="shared", roommate="nguyen van x"))
    async with db.session() as session:
        await lodging.fill(session, conference)
        state = await lodging.load(session, conference)
    room = {i: state.assigned[i].room for i in ids.values()}
    assert room[ids["x"]] == room[ids["z"]] != room[ids["y"]]


async def test_an_organizer_choice_is_refused_with_its_reason_and_nothing_changes(db, conference):
    ids = await _seat(db, conference,
                      a=_person("Nguyễn Văn A", "+84905000301", room_share="shared"),
                      b=_person("Lê Văn B", "+84905000302", room_share="shared"),
                      c=_person("Võ Văn C", "+84905000303", room_share="shared"),
                      kt=_person("Phạm Kon Tum", "+84905000304", province="kon_tum", organization="UBND tỉnh Kon Tum"),
                      home=_person("Ở Nhà", "+84905000305", needs_lodging=False),
                      early=_person("Đến Sớm", "+84905000306", arrival_date="2023-07-25"))
    async with db.session() as session:
        assert (await lodging.assign(session, conference, ids["a"], "ngoc_lan", "twin-1", 9)).assignment
        assert (await lodging.assign(session, conference, ids["b"], "ngoc_lan", "twin-1", 9)).assignment
        full = await lodging.assign(session, conference, ids["c"], "ngoc_lan", "twin-1", 9)
        stranger = await lodging.assign(session, conference, ids["kt"], "ngoc_lan", "twin-1", 9)
        no_room = await lodging.assign(session, conference, ids["c"], "ngoc_lan", "twin-31", 9)
        no_hotel = await lodging.assign(session, conference, ids["c"], "ritz", "twin-1", 9)
        not_lodged = await lodging.assign(session, conference, ids["home"], "ngoc_lan", "twin-2", 9)
        not_held = await lodging.assign(session, conference, ids["early"], "tttc", "twin-1", 9)
        state = await lodging.load(session, conference)
    assert (full.reason, full.details) == ("room_full", {"night": "26/07", "beds": 2})
    assert (stranger.reason, stranger.details) == ("other_delegation", {"name": "Nguyễn Văn A"})
    assert no_room.reason == "no_such_room" and no_hotel.reason == "no_such_hotel"
    assert not_lodged.reason == "no_lodging"
    assert (not_held.reason, not_held.details) == ("nights_not_held", {"night": "25/07"})
    assert sorted(state.assigned) == sorted([ids["a"], ids["b"]])  # nothing else was placed or moved


async def test_a_changed_stay_after_a_room_is_flagged_and_said(db, conference):
    ids = await _seat(db, conference, a=_person("Nguyễn Văn A", "+84905000401", room_share="single"))
    async with db.session() as session:
        await lodging.fill(session, conference)
        delegate = await session.get(Delegate, ids["a"])
        unchanged = await reg.update(session, conference, delegate, reg.Draft.of(delegate))
        later = reg.Draft.of(delegate)
        later.departure_date = "2023-07-27"  # leaves a day earlier
        changed = await reg.update(session, conference, delegate, later)
        [(who, assignment)] = await lodging.flagged(session, conference)
    assert reg.ROOM_REVIEWED not in unchanged and reg.ROOM_REVIEWED in changed
    assert who.id == ids["a"] and assignment.change == "2023-07-26,2023-07-27 → 2023-07-26"
    async with db.session() as session:  # placed again: no longer flagged
        again = await lodging.assign(session, conference, ids["a"], assignment.hotel, assignment.room, 9)
        assert again.assignment.nights == "2023-07-26" and await lodging.flagged(session, conference) == []


def test_meals_count_attendance_lodging_companions_and_diets(conference):
    stays = {1: [date(2023, 7, 26), date(2023, 7, 27)], 2: [], 3: [date(2023, 7, 27)]}
    people = [Delegate(id=1, diets="vegetarian", companions="lái xe; trợ lý"),
              Delegate(id=2, diets="no_pork,vegetarian"), Delegate(id=3, diets="")]
    parts = {1: {"reception", "exchange", "conference"}, 2: {"conference"}, 3: {"exchange"}}
    counts = {c.meal.code: c for c in head_counts(conference, people, lambda d: stays[d.id], lambda d: parts[d.id])}
    assert (counts["dinner_26"].delegates, counts["dinner_26"].companions) == (1, 2)  # slept there on the 26th
    assert counts["breakfast_28"].delegates == 2 and counts["breakfast_28"].total == 4  # the nights of the 27th
    lunch = counts["lunch_28"]  # the conference: attendance, whether lodged or not
    assert (lunch.delegates, lunch.total, lunch.diets["vegetarian"], lunch.diets["no_pork"]) == (2, 4, 2, 1)
    assert counts["lunch_27"].delegates == 2 and counts["lunch_27"].diets["vegetarian"] == 1


async def test_manifests_show_rooms_by_hotel_and_night_and_the_meals(db, conference):
    await _seat(db, conference, a=_person("Nguyễn Văn A", "+84905000501", room_share="shared", diets=["vegetarian"],
                                          companions="lái xe"),
                b=_person("Lê Văn B", "+84905000502", room_share="shared"))
    async with db.session() as session:
        await lodging.fill(session, conference)
        rooms = openpyxl.load_workbook(io.BytesIO(await exports.rooms_report(session, conference, personal=True)))
        meals = openpyxl.load_workbook(io.BytesIO(await exports.meals_report(session, conference)))
    by_hotel = [r for r in rooms["Theo khách sạn"].iter_rows(values_only=True)][1:]
    twin_26 = next(r for r in by_hotel if r[0].startswith("Khách sạn Ngọc Lan") and r[1].day == 26 and r[2] == "Phòng đôi")
    assert twin_26[3:] == (30, 1, 2)  # held, assigned, people
    assert not any(r[4] for r in by_hotel if r[1].day == 25)  # nobody slept there on the 25th
    listed = [r for r in rooms["Danh sách"].iter_rows(values_only=True)]
    header = listed[0]
    first = dict(zip(header, listed[1]))
    assert first["Khách sạn"].startswith("Khách sạn Ngọc Lan") and first["Phòng"] == "twin-1"
    assert first["Người đi cùng"] == "lái xe" and first["Ngày về"].day == 28
    summary = {r[0]: r for r in rooms["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tổng cộng"][-2:] == (2, 6)  # a companion two nights; 2 people + 1 companion, two nights
    rows = {r[0]: r for r in meals["Bữa ăn"].iter_rows(values_only=True)}
    assert rows["Cơm trưa 28/7"][2:6] == (2, 1, 3, 1)  # delegates, companions, total, vegetarian


def test_hotels_and_meals_are_checked_in_the_event_file(tmp_path):
    def unknown_part(data):
        data["meals"][0]["parts"] = ["gala"]

    def twice(data):
        data["hotels"][0]["room_types"].append(dict(data["hotels"][0]["room_types"][0]))

    def nobody_eats(data):
        data["meals"][0].pop("lodgers")

    assert "meals.0.parts: unknown part 'gala'" in broken_event_file(tmp_path, unknown_part)
    assert "hotels.0.room_types: a code appears twice" in broken_event_file(tmp_path, twice)
    assert "say who eats it" in broken_event_file(tmp_path, nobody_eats)


async def test_the_dashboard_shows_rooms_meals_and_changed_stays(db, conference):
    from bot.web import logistics

    ids = await _seat(db, conference, a=_person("Nguyễn <Văn> A", "+84905000601", room_share="single",
                                                diets=["no_pork"]))
    async with db.session() as session:
        await lodging.fill(session, conference)
        delegate = await session.get(Delegate, ids["a"])
        later = reg.Draft.of(delegate)
        later.arrival_date = "2023-07-27"
        await reg.update(session, conference, delegate, later)
        html = await logistics.panel(session, conference)
    assert "<td>Khách sạn Ngọc Lan (tạm)</td><td>26/07</td><td>Phòng đơn</td><td>1/20</td><td>1</td>" not in html
    assert "<td>Khách sạn Ngọc Lan (tạm)</td><td>27/07</td><td>Phòng đơn</td><td>1/20</td><td>1</td>" in html
    assert f"<td>#{ids['a']}</td><td>Nguyễn &lt;Văn&gt; A</td>" in html  # flagged, its name escaped
    assert "<td>Cơm trưa 28/7</td><td>1</td><td>0</td><td>1</td><td>Không ăn thịt heo: 1</td>" in html


def test_what_is_typed_at_the_new_questions(conference):
    from bot.services.fields import Refusal, salutation_in
    from handlers import steps

    assert salutation_in("Ông Nguyễn Văn An") == ("ong", "Nguyễn Văn An")
    assert salutation_in("bà Trần Thị Hai") == ("ba", "Trần Thị Hai")
    assert salutation_in("Ba Văn Tư") == (None, "Ba Văn Tư") and salutation_in("Ông An") == (None, "Ông An")
    d = reg.Draft(note="ghi chú cũ", diets=["no_pork"])
    assert steps.read_text("note", "1, 3", d, conference, "vi") == ("ghi chú cũ", ["vegetarian", "seafood_allergy"])
    assert steps.read_text("note", "Ăn chay, không hành", d, conference, "vi") == (
        "Ăn chay, không hành", ["no_pork", "vegetarian"])
    assert steps.read_text("departure", "thu sau 28/7 lúc 15h", d, conference, "vi") == ("2023-07-28", "15:00")
    assert steps.read_text("departure", "25/7 15:00", d, conference, "vi") == Refusal("departure")  # before it all
    assert steps.read_text("room", "Lê Văn B", d, conference, "vi") == ("shared", "Lê Văn B")
    assert steps.read_text("room", "B2", d, conference, "vi") == Refusal("digits")
    steps.store(d, "note", "")  # «Nothing to add»
    assert (d.note, d.diets) == (None, [])


async def test_a_full_hotel_leaves_the_rest_waiting_and_named(db, conference):
    hotel = conference.hotels[0]
    small = conference.model_copy(update={"hotels": (hotel.model_copy(update={"room_types": (
        hotel.room_types[0].model_copy(update={"rooms": 1}),)}),)})  # one single room in all
    ids = await _seat(db, small, a=_person("Nguyễn Văn A", "+84905000701", room_share="single"),
                      b=_person("Lê Văn B", "+84905000702", room_share="shared"))
    async with db.session() as session:
        placed, left = await lodging.fill(session, small)
        assert placed == 1 and [d.id for d in left] == [ids["b"]]
        refused = await lodging.assign(session, small, ids["b"], hotel.code, "single-1", 9)
        state = await lodging.load(session, small)
    assert refused.reason == "room_full" and list(state.assigned) == [ids["a"]]
    assert ids["b"] in state.lodgers  # still waiting for a room, nothing lost
