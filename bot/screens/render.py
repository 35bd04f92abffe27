"""How delegates, dates and parts of the conference look on screen. All user text is HTML-escaped here."""
from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.event import Event, Part
from bot.services.agenda import AgendaPart
from bot.services.phone import display_phone
from bot.services.registration import Draft

_WEEKDAYS = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def day(d: date, lang: str) -> str:
    return f"{_WEEKDAYS[lang][d.weekday()]} {d.day}/{d.month}"


def part_label(s: Part, conference: Event, lang: str) -> str:
    start = s.starts_at.astimezone(conference.tz)
    return f"{day(start.date(), lang)}, {start:%H:%M} — {escape(s.title.get(lang))}"


def draft_card(draft: Draft, conference: Event, lang: str) -> str:
    """The registration as the delegate reviews it; every value escaped, missing ones shown as —."""
    province = conference.province(draft.province or "")
    category = conference.category(draft.category or "")
    mode = conference.travel_mode(draft.travel_mode or "")
    if draft.arrival_date:
        arrival = day(date.fromisoformat(draft.arrival_date), lang)
        arrival += f" {draft.arrival_time}" if draft.arrival_time else ""
        arrival += f" ({escape(mode.label.get(lang))})" if mode else ""
    else:
        arrival = _("not known yet")
    parts = "\n".join(
        f"   • {part_label(s, conference, lang)}" for s in conference.parts if s.code in draft.parts
    ) or "   —"
    lodging = {True: _("yes, arranged by the host"), False: _("no")}.get(draft.needs_lodging, "—")
    rows = [
        (_("Full name"), escape(draft.full_name or "—")),
        (_("Position"), escape(draft.position or "—")),
        (_("Organization"), escape(conference.organization_in(draft.organization, draft.province or "", lang) or "—")),
        (_("Province"), escape(province.name.get(lang)) if province else "—"),
        (_("Category"), escape(category.name.get(lang)) if category else "—"),
        (_("Phone"), display_phone(draft.phone) if draft.phone else "—"),
        (_("Arrival"), arrival),
        (_("Lodging"), lodging),
        *_logistics_rows(draft, conference, lang),
        (_("Note"), escape(draft.note) if draft.note else "—"),
    ]
    text = "\n".join(f"<b>{label}:</b> {value}" for label, value in rows)
    attending = _("Attending")
    return f"{text}\n<b>{attending}:</b>\n{parts}"


def salutation(code: str | None) -> str:
    return {"ong": _("Ông (Mr)"), "ba": _("Bà (Ms)")}.get(code or "", "")


def _logistics_rows(draft: Draft, conference: Event, lang: str) -> list[tuple[str, str]]:
    """The form of address, departure, room wish, companions and diets: each shown once it matters."""
    rows = [(_("Form of address"), salutation(draft.salutation))] if draft.salutation else []
    if draft.departure_date:
        leaving = day(date.fromisoformat(draft.departure_date), lang)
        rows.append((_("Departure"), f"{leaving} {draft.departure_time or ''}".strip()))
    if draft.needs_lodging and draft.room_share:
        room = _("single room") if draft.room_share == "single" else _("shared with a colleague")
        if draft.room_share == "shared" and draft.roommate:
            room = _("shared with {name}").format(name=escape(draft.roommate))
        rows.append((_("Room"), room))
    if draft.companions:
        rows.append((_("Travelling with you"), escape(draft.companions)))
    diets = [conference.diet(code).label.get(lang) for code in draft.diets if conference.diet(code)]
    if diets:
        rows.append((_("Diet"), escape(", ".join(diets))))
    return rows


def stay_card(hotel, room_label: str, lang: str) -> str:
    """Where the host lodges a delegate: the hotel, its address and the room."""
    name, address = escape(hotel.name.get(lang)), escape(hotel.address.get(lang))
    return _("🏨 <b>{hotel}</b>, {address}; room {room}").format(hotel=name, address=address, room=escape(room_label))


def audience_label(conference: Event, audience: str, lang: str) -> str:
    """Who a broadcast is for, in words ("all", "province:lam_dong", "part:conference", ...)."""
    kind, _sep, code = audience.partition(":")
    if kind == "province" and conference.province(code):
        return _("the delegates of {province}").format(province=conference.province(code).name.get(lang))
    if kind == "category" and conference.category(code):
        return _("category: {category}").format(category=conference.category(code).label.get(lang))
    if kind == "part" and conference.part(code):
        return _("those attending: {part}").format(part=conference.part(code).title.get(lang))
    return {"all": _("everyone registered"), "absent_today": _("those not yet checked in today"),
            "staff": _("staff and organizers")}.get(audience, audience)


def change_notice(conference: Event, old: AgendaPart | None, new: AgendaPart, lang: str) -> str:
    """What delegates attending a part are told when the organizers change it (in the current locale)."""
    tz = conference.tz
    start = new.starts_at.astimezone(tz)
    values = dict(day=f"{start.day}/{start.month}", title=escape(new.title.get(lang)), time=f"{start:%H:%M}",
                  place=escape(new.place.get(lang)))
    if old is None:
        line = _("{day}: added to the programme: {title}, at {time}, {place}.").format(**values)
    elif new.cancelled and not old.cancelled:
        line = _("{day}: {title} is cancelled.").format(**values)
    elif old.cancelled and not new.cancelled:
        line = _("{day}: {title} takes place after all, at {time}, {place}.").format(**values)
    elif old.starts_at != new.starts_at:
        before = old.starts_at.astimezone(tz)
        was = f"{before:%H:%M}" if before.date() == start.date() else f"{before:%H:%M} {before.day}/{before.month}"
        line = _("{day}: {title} now starts at {time} instead of {was}, {place}.").format(was=was, **values)
    else:
        line = _("{day}: {title} is now at {place} (instead of {was}), at {time}.").format(
            was=escape(old.place.get(lang)), **values)
    heading = _("🗓 <b>Agenda change</b>")
    return f"{heading}\n{line}\n" + _("/schedule shows the whole agenda.")
