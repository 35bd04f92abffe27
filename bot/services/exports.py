"""Exports for the secretariat and the host: the delegate list (Excel and CSV), the check-in report
per day and the rooms needed per night.

Phone numbers and notes are personal data. Every export that could show them takes `personal`; the
bot offers exports to organizers only, and a staff-level export leaves those columns out entirely
(not blank: absent, so a forwarded file cannot leak them).

Excel has no time zones, so every moment is written as the event's local time (naive in the cell)
and the header says so in a comment.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services.agenda import AgendaPart
from bot.services.export_facts import Facts, by_province, group_of, load_delegates, load_facts
from bot.services.export_sheets import (Column, add_table, columns, csv_bytes, new_workbook, with_totals, word,
                                        words, workbook_bytes, yes_no)
from bot.services import lodging
from bot.services.lodging import BlockNight
from bot.services.meals import HeadCount, head_counts
from bot.services.phone import display_phone
from models import Account, CheckIn, Delegate, RoomAssignment
from models.delegate import CANCELLED, CONFIRMED


# --- the delegate list -------------------------------------------------------------------------

def _delegate_header(facts: Facts, personal: bool) -> list[Column]:
    lang = facts.lang
    w = words(lang)
    zone = f"{w('local_time')} ({facts.conference.timezone})"
    return columns(
        w("no_"), w("full_name"), w("position"), w("organization"), w("province"), w("category"),
        *(facts.part_header(p) for p in facts.parts), w("arrival_date"), w("arrival_time"), w("travel_mode"),
        w("lodging"), *((w("phone"), w("note")) if personal else ()), Column(w("registered_at"), zone), w("id"),
    )


def _delegate_row(facts: Facts, n: int, d: Delegate, personal: bool) -> list:
    attended = {p.code for p in facts.attended(d)}
    return [
        n, d.full_name, d.position, facts.organization(d), facts.province(d.province), facts.category(d.category),
        *("x" if p.code in attended else "" for p in facts.parts),
        d.arrival_date, d.arrival_time, facts.travel_mode(d.travel_mode), yes_no(d.needs_lodging, facts.lang),
        *((display_phone(d.phone), d.note) if personal else ()), facts.local(d.created_at), d.id,
    ]


def _summary(facts: Facts, groups: dict[str, list[Delegate]]) -> tuple[list[Column], list[list], list]:
    """Per province: registered, per category, per part, needing lodging; and the totals."""
    conference, lang = facts.conference, facts.lang
    header = columns(word("province", lang), word("registered", lang),
                     *(c.label.get(lang) for c in conference.categories),
                     *(facts.part_header(p) for p in facts.parts), word("lodging", lang))
    items = []
    for code, delegates in groups.items():
        attending = [{p.code for p in facts.attended(d)} for d in delegates]
        items.append((facts.group(code), [
            len(delegates), *(sum(d.category == c.code for d in delegates) for c in conference.categories),
            *(sum(p.code in codes for codes in attending) for p in facts.parts),
            sum(d.needs_lodging for d in delegates)]))
    return header, *with_totals(items, lang, len(header) - 1)


async def delegates_workbook(session: AsyncSession, conference: Event, *, personal: bool, lang: str = "vi") -> bytes:
    """The summary sheet, a sheet per province in the event file's order, and the cancellations."""
    facts = await load_facts(session, conference, lang)
    groups = by_province(conference, await load_delegates(session, conference))
    workbook = new_workbook()
    add_table(workbook, word("summary", lang), *_summary(facts, groups))
    header = _delegate_header(facts, personal)
    for code, delegates in groups.items():
        add_table(workbook, facts.group(code), header,
                  [_delegate_row(facts, n, d, personal) for n, d in enumerate(delegates, 1)])
    cancelled = await load_delegates(session, conference, CANCELLED)
    if cancelled:
        add_table(workbook, word("sheet_cancelled", lang), [*header, Column(word("cancelled_at", lang))],
                  [[*_delegate_row(facts, n, d, personal), d.cancelled_at and facts.local(d.cancelled_at)]
                   for n, d in enumerate(cancelled, 1)])
    return workbook_bytes(workbook)


async def delegates_csv(session: AsyncSession, conference: Event, *, personal: bool, lang: str = "vi") -> bytes:
    """The confirmed delegates of every province in one CSV file (UTF-8 with BOM, dd/mm/yyyy, HH:MM)."""
    facts = await load_facts(session, conference, lang)
    delegates = await load_delegates(session, conference)
    return csv_bytes(_delegate_header(facts, personal),
                     [_delegate_row(facts, n, d, personal) for n, d in enumerate(delegates, 1)])


# --- check-in per day ------------------------------------------------------------------------

class NoSuchDay(ValueError):
    """No part of the conference falls on the day asked for; `days` are those that have one."""

    def __init__(self, day: date, days: list[date]) -> None:
        known = ", ".join(f"{d:%d/%m/%Y}" for d in days)
        super().__init__(f"no part of the conference on {day:%d/%m/%Y} (days: {known})")
        self.day, self.days = day, days


def _days(facts: Facts, day: date | None) -> dict[date, list[AgendaPart]]:
    """The conference days (local dates of the parts not cancelled) and their parts."""
    days: dict[date, list[AgendaPart]] = defaultdict(list)
    for part in facts.parts:
        if not part.cancelled:
            days[facts.day(part)].append(part)
    if day is None:
        return dict(sorted(days.items()))
    if day not in days:
        raise NoSuchDay(day, sorted(days))
    return {day: days[day]}


def _via(checkin: CheckIn, lang: str) -> str:
    try:
        return word(f"via_{checkin.via}", lang)
    except KeyError:
        return checkin.via


async def _checkins(session: AsyncSession, conference: Event) -> tuple[dict[tuple[int, str], CheckIn], dict[int, str]]:
    """Check-ins of confirmed delegates by (delegate, list), and the names of the staff who made them."""
    found = await session.scalars(select(CheckIn).join(Delegate, Delegate.id == CheckIn.delegate_id)
                                  .where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED))
    checkins = {(c.delegate_id, c.part_code): c for c in found}
    staff = dict((await session.execute(select(Account.id, Account.display_name).where(
        Account.id.in_({c.by_id for c in checkins.values() if c.by_id})))).all())
    return checkins, staff


async def checkin_report(session: AsyncSession, conference: Event, day: date | None = None, *,
                         lang: str = "vi") -> bytes:
    """A sheet per day listing everyone expected (attending a part that day), checked in or not, at
    what local time, by whom and how; someone checked in on a part they did not register for is
    listed too, marked. The summary gives per province and day: expected and checked in.
    `day` keeps one day only (NoSuchDay, a ValueError, if no part falls on it)."""
    facts = await load_facts(session, conference, lang)
    days = _days(facts, day)
    delegates = await load_delegates(session, conference)
    checkins, staff = await _checkins(session, conference)
    w = words(lang)
    header = columns(w("no_"), w("full_name"), w("province"), w("category"), w("position"), w("part"),
                     w("checked_in"), Column(w("checkin_time"), f"{w('local_time')} ({conference.timezone})"),
                     w("checkin_by"), w("checkin_via"), w("remark"))
    expected: dict[date, set[int]] = defaultdict(set)
    arrived: dict[date, set[int]] = defaultdict(set)
    sheets = []
    for the_day, day_parts in days.items():
        rows = _day_rows(facts, day_parts, delegates, checkins, staff, lang,
                         expected=expected[the_day], arrived=arrived[the_day])
        sheets.append((f"{w('day')} {the_day:%d-%m}", rows))
    groups = by_province(conference, delegates)
    summary = columns(w("province"), *(f"{d:%d/%m} — {w(key)}" for d in days for key in ("registered", "checked_in")))
    items = [(facts.group(code), [len(ids & s[the_day]) for the_day in days for s in (expected, arrived)])
             for code, ids in ((code, {d.id for d in members}) for code, members in groups.items())]
    workbook = new_workbook()
    add_table(workbook, w("summary"), summary, *with_totals(items, lang, len(summary) - 1))
    for name, rows in sheets:
        add_table(workbook, name, header, rows)
    return workbook_bytes(workbook)


def _day_rows(facts, day_parts, delegates, checkins, staff, lang: str, *, expected: set[int],
              arrived: set[int]) -> list[list]:
    """One day's sheet: who attends each of its parts (added to `expected`) or was checked in on it anyway
    (added to `arrived` when checked in)."""
    w = words(lang)
    rows: list[list] = []
    for part in day_parts:
        for d in delegates:
            attends = part.code in {p.code for p in facts.attended(d)}
            c = checkins.get((d.id, part.code))
            if not attends and c is None:
                continue
            expected.update([d.id] if attends else [])
            arrived.update([d.id] if c else [])
            rows.append([len(rows) + 1, d.full_name, facts.province(d.province), facts.category(d.category),
                         d.position, facts.part_header(part), yes_no(c is not None, lang),
                         c and facts.local(c.at).time(), staff.get(c.by_id, "") if c else "",
                         _via(c, lang) if c else "", "" if attends else w("not_expected")])
    return rows


# --- rooms per night ---------------------------------------------------------------------------

async def rooms_report(session: AsyncSession, conference: Event, *, personal: bool = False,
                       lang: str = "vi") -> bytes:
    """The rooms the host arranges, per night. A delegate who needs lodging sleeps in the city from
    their arrival date (or, without one, the night before the first part they attend) to the night
    before their departure date (or, without one, before the day of the last part they attend: they
    leave after it). Cancelled parts keep nobody overnight. The summary counts people per night and
    province (companions included in the total); "by hotel" the rooms held and assigned per night and room
    type; the list names them, night by night, with their hotel and room."""
    facts = await load_facts(session, conference, lang)
    delegates = await load_delegates(session, conference)
    rooms = {a.delegate_id: a for a in await session.scalars(
        select(RoomAssignment).where(RoomAssignment.event_id == conference.id))}
    groups = by_province(conference, delegates)
    stays = [(d, group_of(groups, d), facts.nights(d)) for d in delegates]
    nights = sorted({night for *_, stayed in stays for night in stayed})
    w = words(lang)
    items = [(night, [*(sum(night in stayed for _, g, stayed in stays if g == code) for code in groups),
                      sum(len(d.companion_list) for d, _, stayed in stays if night in stayed),
                      sum((1 + len(d.companion_list)) * (night in stayed) for d, _, stayed in stays)])
             for night in nights]
    workbook = new_workbook()
    summary = columns(w("night"), *(facts.group(c) for c in groups), w("companions"), w("total"))
    add_table(workbook, w("summary"), summary, *with_totals(items, lang, len(summary) - 1))
    add_table(workbook, w("hotels"), *_hotel_nights(facts, lodging.usage(await lodging.load(session, conference))))
    header = columns(w("night"), w("no_"), w("salutation"), w("full_name"), w("province"), w("category"),
                     w("position"), w("organization"), w("hotel"), w("room"), w("room_wish"), w("companions"),
                     w("arrival_date"), w("arrival_time"), w("departure_date"), w("departure_time"),
                     w("travel_mode"), *((w("phone"), w("note")) if personal else ()))
    rows = [[night, n, *_stay_row(facts, d, rooms.get(d.id), lang), d.arrival_date, d.arrival_time,
             d.departure_date, d.departure_time, facts.travel_mode(d.travel_mode),
             *((display_phone(d.phone), d.note) if personal else ())]
            for night in nights
            for n, d in enumerate((d for d, _, stayed in stays if night in stayed), 1)]
    add_table(workbook, w("rooms_list"), header, rows)
    return workbook_bytes(workbook)


def _stay_row(facts: Facts, d: Delegate, a: RoomAssignment | None, lang: str) -> list:
    hotel = facts.conference.hotel(a.hotel) if a else None
    wish = {"single": word("single", lang), "shared": word("shared", lang)}.get(d.room_share or "", "")
    if d.room_share == "shared" and d.roommate:
        wish += f" ({d.roommate})"
    flag = f" — {word('stay_changed', lang)}" if a and a.changed_at else ""
    return [SALUTATION.get(d.salutation or "", ""), d.full_name, facts.province(d.province),
            facts.category(d.category), d.position, facts.organization(d),
            hotel.name.get(lang) if hotel else word("unassigned", lang), (a.room + flag) if a else "", wish,
            "; ".join(d.companion_list)]


SALUTATION = {"ong": "Ông", "ba": "Bà"}


def _hotel_nights(facts: Facts, usage: list[BlockNight]) -> tuple[list[Column], list[list]]:
    """Per hotel, night and room type: the rooms held, the rooms assigned, the people in them."""
    w = words(facts.lang)
    header = columns(w("hotel"), w("night"), w("room_type"), w("rooms_held"), w("rooms_used"), w("guests"))
    return header, [[u.hotel.name.get(facts.lang), u.night, u.hotel.room_type(u.kind).label.get(facts.lang), u.held,
                     u.used, u.people] for u in usage]


# --- meals ---------------------------------------------------------------------------------------

async def meals_report(session: AsyncSession, conference: Event, *, lang: str = "vi") -> bytes:
    """Per meal of the event file: delegates, their companions, the total, and the count of each diet."""
    facts = await load_facts(session, conference, lang)
    counts = await meal_counts(session, conference, facts)
    w = words(lang)
    header = columns(w("meal"), Column(w("at"), f"{w('local_time')} ({conference.timezone})"), w("delegates"),
                     w("companions"), w("total"), *(d.label.get(lang) for d in conference.diets))
    rows = [[c.meal.label.get(lang), facts.local(c.meal.at), c.delegates, c.companions, c.total,
             *(c.diets[d.code] for d in conference.diets)] for c in counts]
    workbook = new_workbook()
    add_table(workbook, w("meals"), header, rows)
    return workbook_bytes(workbook)


async def meal_counts(session: AsyncSession, conference: Event, facts: Facts | None = None) -> list[HeadCount]:
    facts = facts or await load_facts(session, conference, "vi")
    delegates = await load_delegates(session, conference)
    return head_counts(conference, delegates, facts.nights,
                       lambda d: {p.code for p in facts.attended(d) if not p.cancelled})
