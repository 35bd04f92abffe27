"""The host's transport manifests in Excel: a summary of runs, the airport pick-ups by time and vehicle, one
sheet per trip (the field-visit buses), and who has no seat or whose arrival changed after planning."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import transport
from bot.services.export_facts import load_facts
from bot.services.export_sheets import add_table, columns, new_workbook, workbook_bytes
from bot.services.phone import display_phone
from bot.services.transport_plan import NO_TIME
from models import Delegate
from models.transport import PICKUP

WORDS = {  # sheet and column names, Vietnamese and English
    "runs": ("Các chuyến xe", "Runs"), "pickups": ("Đón sân bay", "Airport pick-ups"),
    "unseated": ("Chưa có chỗ", "Without a seat"), "trip": ("Chuyến", "Trip"), "departs": ("Giờ xuất phát", "Departs"),
    "vehicle": ("Xe", "Vehicle"), "seats": ("Số chỗ", "Seats"), "people": ("Số người", "People"),
    "no_": ("STT", "No."), "id": ("Mã", "ID"), "full_name": ("Họ và tên", "Full name"),
    "province": ("Tỉnh", "Province"), "phone": ("Điện thoại", "Phone"), "arrival": ("Giờ đến", "Arrival"),
    "meeting_point": ("Điểm hẹn", "Meeting point"), "remark": ("Lưu ý", "Remark"),
    "changed": ("Đã đổi giờ đến sau khi xếp xe", "Arrival changed after planning"),
    "no_time": ("Đi máy bay, chưa có ngày/giờ đến", "By air, no arrival day or time"),
    "no_room": ("Hết chỗ: cần thêm xe", "No seat left: more vehicles needed"),
    "pickup": ("Đón tại", "Pick-up at"),
}


def _w(lang: str):
    return lambda key: WORDS[key][1 if lang == "en" else 0]


def _local(conference: Event, moment):
    return moment.astimezone(conference.tz).replace(tzinfo=None) if moment else None


async def manifest(session: AsyncSession, conference: Event, *, lang: str = "vi") -> bytes:
    facts, w = await load_facts(session, conference, lang), _w(lang)
    seats = await transport.seats(session, conference, riding=True)
    people = {d.id: d for d in await transport.confirmed(session, conference)}
    changed = {s.id for _, s in await transport.changed_arrivals(session, conference)}
    workbook = new_workbook()
    runs: dict[tuple, int] = {}
    for s in seats:
        runs[(s.trip, s.departs_at, s.vehicle)] = runs.get((s.trip, s.departs_at, s.vehicle), 0) + 1
    add_table(workbook, w("runs"), columns(w("trip"), w("departs"), w("vehicle"), w("people"), w("seats")),
              [[_trip(conference, trip, lang), _local(conference, at), _vehicle(conference, v, lang), n,
                _seats(conference, v)] for (trip, at, v), n in runs.items()])
    header = columns(w("departs"), w("vehicle"), w("no_"), w("id"), w("full_name"), w("province"), w("phone"),
                     w("arrival"), w("meeting_point"), w("remark"))
    for trip in [PICKUP] + [t.code for t in (conference.transport.trips if conference.transport else ())]:
        rows, last, n = [], None, 0
        for s in (s for s in seats if s.trip == trip):
            d = people.get(s.delegate_id)
            if d is None:
                continue
            n = 1 if (s.departs_at, s.vehicle) != last else n + 1
            last = (s.departs_at, s.vehicle)
            rows.append([_local(conference, s.departs_at), _vehicle(conference, s.vehicle, lang), n, d.id, d.full_name,
                         facts.province(d.province), display_phone(d.phone),
                         _local(conference, transport.arrival_at(conference, d)) if trip == PICKUP else None,
                         _point(conference, trip, lang), w("changed") if s.id in changed else ""])
        add_table(workbook, w("pickups") if trip == PICKUP else _trip(conference, trip, lang), header, rows)
    await _unseated(session, conference, workbook, people, lang)
    return workbook_bytes(workbook)


async def _unseated(session, conference: Event, workbook, people: dict[int, Delegate], lang: str) -> None:
    """Who the plan, made now, would leave without a seat, and why: the host adds vehicles or phones them."""
    facts, w = await load_facts(session, conference, lang), _w(lang)
    plan = await transport.propose(session, conference)
    rows = [[_trip(conference, u.trip, lang), d.id, d.full_name, facts.province(d.province), display_phone(d.phone),
             w("no_time") if u.reason == NO_TIME else w("no_room")]
            for u in plan.unseated if (d := people.get(u.delegate_id))]
    add_table(workbook, w("unseated"), columns(w("trip"), w("id"), w("full_name"), w("province"), w("phone"),
                                               w("remark")), rows)


def _trip(conference: Event, trip: str, lang: str) -> str:
    transport_ = conference.transport
    if trip == PICKUP and transport_ and transport_.pickups:
        return f"{_w(lang)('pickup')} {transport_.pickups.place.get(lang)}"
    found = transport_.trip(trip) if transport_ else None
    return found.title.get(lang) if found else trip


def _vehicle(conference: Event, code: str, lang: str) -> str:
    vehicle = conference.transport.vehicle(code) if conference.transport else None
    return vehicle.label.get(lang) if vehicle else code


def _seats(conference: Event, code: str) -> int | None:
    vehicle = conference.transport.vehicle(code) if conference.transport else None
    return vehicle.seats if vehicle else None


def _point(conference: Event, trip: str, lang: str) -> str:
    transport_ = conference.transport
    if trip == PICKUP and transport_ and transport_.pickups:
        return transport_.pickups.meeting_point.get(lang)
    found = transport_.trip(trip) if transport_ else None
    return found.meeting_point.get(lang) if found else ""
