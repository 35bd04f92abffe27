"""The agenda as it stands: the event file's sessions with the organizers' changes applied."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from icalendar import Calendar, Event as IcsEvent
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Part, Text
from bot.text import clean
from models import Account, AgendaChange
from models.base import utcnow


@dataclass(frozen=True)
class AgendaPart:
    """A session as delegates see it now."""

    code: str
    title: Text
    starts_at: datetime
    ends_at: datetime | None
    place: Text
    programme: tuple[Text, ...]
    cancelled: bool = False
    for_everyone: bool = False  # added by the organizers: every delegate attends

    def attended_by(self, part_codes: list[str] | set[str]) -> bool:
        return self.for_everyone or self.code in part_codes


def _base(conference: Event, s: Part) -> AgendaPart:
    return AgendaPart(s.code, s.title, s.starts_at, s.ends_at, s.place or conference.venue.name, s.programme)


async def parts(session: AsyncSession, conference: Event) -> list[AgendaPart]:
    """Every session, in time order, as changed by the organizers."""
    changes = (await session.scalars(select(AgendaChange).where(AgendaChange.event_id == conference.id)
                                     .order_by(AgendaChange.id))).all()
    current = {s.code: _base(conference, s) for s in conference.parts}
    for change in changes:
        part = current.get(change.part_code)
        if part is None and change.title_vi:  # a part the organizers added
            part = AgendaPart(change.part_code, Text(vi=change.title_vi, en=change.title_en or change.title_vi),
                        change.starts_at, change.ends_at, conference.venue.name, (), for_everyone=True)
        if part is None:
            continue
        place = Text(vi=change.place_vi, en=change.place_en or change.place_vi) if change.place_vi else part.place
        current[part.code] = AgendaPart(part.code, part.title, change.starts_at or part.starts_at,
                                  change.ends_at or part.ends_at, place, part.programme, change.cancelled,
                                  part.for_everyone)
    return sorted(current.values(), key=lambda p: p.starts_at)


def _cleaned(text: Text | None) -> Text | None:
    """A place or a title typed by an organizer, as bot.text.clean stores free text."""
    if text is None:
        return None
    vi = clean(text.vi)
    if not vi:
        raise ValueError("a place or title with nothing visible in it")  # the handler refuses it before
    return Text(vi=vi, en=clean(text.en) or vi)


async def change(session: AsyncSession, conference: Event, code: str, by: Account | None, *,
                 starts_at: datetime | None = None, ends_at: datetime | None = None, place: Text | None = None,
                 cancelled: bool = False, commit: bool = True) -> AgendaChange:
    if conference.part(code) is None and not await _added(session, conference, code):
        raise KeyError(code)
    place = _cleaned(place)
    row = AgendaChange(event_id=conference.id, part_code=code, starts_at=starts_at, ends_at=ends_at,
                       place_vi=place.vi if place else None, place_en=place.en if place else None,
                       cancelled=cancelled, by_id=by.id if by else None)
    session.add(row)
    await (session.commit() if commit else session.flush())
    return row


async def add(session: AsyncSession, conference: Event, by: Account | None, *, title: Text, starts_at: datetime,
              ends_at: datetime | None = None, place: Text | None = None, commit: bool = True) -> AgendaChange:
    """A new part, attended by every delegate (a briefing, a dinner): a change with a code of its own."""
    title, place = _cleaned(title), _cleaned(place)
    taken = set(await session.scalars(select(AgendaChange.part_code).where(AgendaChange.event_id == conference.id)))
    number = 1
    while f"added_{number}" in taken:
        number += 1
    row = AgendaChange(event_id=conference.id, part_code=f"added_{number}", title_vi=title.vi, title_en=title.en,
                       starts_at=starts_at, ends_at=ends_at, place_vi=place.vi if place else None,
                       place_en=place.en if place else None, by_id=by.id if by else None)
    session.add(row)
    await (session.commit() if commit else session.flush())
    return row


async def _added(session: AsyncSession, conference: Event, code: str) -> bool:
    return await session.scalar(select(AgendaChange.id).where(
        AgendaChange.event_id == conference.id, AgendaChange.part_code == code,
        AgendaChange.title_vi.is_not(None)).limit(1)) is not None


def now_and_next(all_parts: list[AgendaPart], now: datetime | None = None) -> tuple[AgendaPart | None, AgendaPart | None]:
    now = now or utcnow()
    live = [p for p in all_parts if not p.cancelled]
    current = next((p for p in live if p.starts_at <= now < (p.ends_at or p.starts_at)), None)
    upcoming = next((p for p in live if p.starts_at > now), None)
    return current, upcoming


def calendar(conference: Event, chosen: list[AgendaPart], lang: str) -> bytes:
    """An .ics file of the parts a delegate attends, for a phone's calendar."""
    cal = Calendar()
    cal.add("prodid", "-//delegate-bot//vi")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", conference.short_name.get(lang))
    venue = conference.venue
    for part in chosen:
        if part.cancelled:
            continue
        item = IcsEvent()
        item.add("uid", f"{conference.id}-{part.code}@delegate-bot")
        item.add("summary", part.title.get(lang))
        # in UTC: an offset without a zone name would be written as a "floating" local time
        item.add("dtstart", part.starts_at.astimezone(timezone.utc))
        if part.ends_at:
            item.add("dtend", part.ends_at.astimezone(timezone.utc))
        item.add("dtstamp", utcnow())
        item.add("location", f"{part.place.get(lang)}, {venue.address.get(lang)}")
        item.add("geo", (venue.latitude, venue.longitude))
        if part.programme:
            item.add("description", "\n".join(f"- {p.get(lang)}" for p in part.programme))
        cal.add_component(item)
    return cal.to_ical()
