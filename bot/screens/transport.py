"""What transport looks like: a delegate's seats (in /me and in the notice the outbox sends), and the plan as
organizers preview it in /transport."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.event import Event
from bot.screens import listing
from bot.screens.render import day
from bot.services.transport_plan import NO_ROOM, NO_TIME, Plan
from models import Delegate, Seat
from models.transport import PICKUP


def trip_title(conference: Event, trip: str, lang: str) -> str:
    transport = conference.transport
    if trip == PICKUP and transport and transport.pickups:
        return _("Pick-up at {place}").format(place=transport.pickups.place.get(lang))
    found = transport.trip(trip) if transport else None
    return found.title.get(lang) if found else trip


def meeting_point(conference: Event, trip: str, lang: str) -> str:
    transport = conference.transport
    if trip == PICKUP and transport and transport.pickups:
        return transport.pickups.meeting_point.get(lang)
    found = transport.trip(trip) if transport else None
    return found.meeting_point.get(lang) if found else ""


def vehicle_label(conference: Event, code: str, lang: str) -> str:
    vehicle = conference.transport.vehicle(code) if conference.transport else None
    return vehicle.label.get(lang) if vehicle else code


def when(conference: Event, moment: datetime, lang: str) -> str:
    local = moment.astimezone(conference.tz)
    return f"{day(local.date(), lang)}, {local:%H:%M}"


def seat_lines(conference: Event, seats: Sequence[Seat], lang: str) -> list[str]:
    """One block per seat: the trip, the vehicle, when it leaves and where to meet it."""
    return [_("🚌 <b>{trip}</b>: {vehicle}, leaves {when}\n📍 Meeting point: {point}").format(
        trip=escape(trip_title(conference, s.trip, lang)), vehicle=escape(vehicle_label(conference, s.vehicle, lang)),
        when=when(conference, s.departs_at, lang), point=escape(meeting_point(conference, s.trip, lang)))
        for s in seats]


def notice(conference: Event, entries: Sequence[tuple[Delegate, Sequence[Seat]]], lang: str) -> str:
    """The notice a chat gets when a seat is given or changed: every delegate it stands for, with their seats."""
    several = len(entries) > 1
    blocks = [_("🚌 <b>Transport arranged by the organizers</b>")]
    for delegate, seats in entries:
        lines = seat_lines(conference, seats, lang) or [_("No transport is arranged for this delegate now.")]
        blocks.append("\n".join(([f"<b>{escape(delegate.full_name)}</b>"] if several else []) + lines))
    blocks.append(_("Please be at the meeting point on time; if your arrival changes, change it in /me."))
    return "\n\n".join(blocks)


def plan_text(conference: Event, plan: Plan, names: dict[int, str], lang: str) -> str:
    """The plan as organizers check it: each run with its vehicles and how full they are; who has no seat."""
    lines = [_("🚌 <b>Transport plan</b>")]
    for (trip, departs, vehicle), seated in plan.runs().items():
        seats = conference.transport.vehicle(vehicle).seats
        lines.append(f"• {escape(trip_title(conference, trip, lang))} — {when(conference, departs, lang)} — "
                     f"{escape(vehicle_label(conference, vehicle, lang))}: {len(seated)}/{seats}")
    if not plan.seats:
        lines.append(_("Nobody to carry yet."))
    reasons = Counter(u.reason for u in plan.unseated)
    for reason, label in ((NO_TIME, _("⚠️ Arriving by air without a day or time ({count}): {names}")),
                          (NO_ROOM, _("⚠️ No seat left, add vehicles in the event file ({count}): {names}"))):
        if reasons[reason]:
            found = [escape(names.get(u.delegate_id, "?")) for u in plan.unseated if u.reason == reason]
            lines.append(label.format(count=reasons[reason], names=listing.names(found)))
    return "\n".join(lines)
