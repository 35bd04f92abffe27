"""How delegates, dates and sessions look on screen. All user text is HTML-escaped here."""
from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.event import Event, Session
from bot.services.phone import display_phone
from bot.services.registration import Draft

_WEEKDAYS = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def day(d: date, lang: str) -> str:
    return f"{_WEEKDAYS[lang][d.weekday()]} {d.day}/{d.month}"


def session_line(s: Session, conference: Event, lang: str) -> str:
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
    sessions = "\n".join(
        f"   • {session_line(s, conference, lang)}" for s in conference.sessions if s.code in draft.sessions
    ) or "   —"
    lodging = {True: _("yes, arranged by the host"), False: _("no")}.get(draft.needs_lodging, "—")
    rows = [
        (_("Full name"), escape(draft.full_name or "—")),
        (_("Position"), escape(draft.position or "—")),
        (_("Organization"), escape(draft.organization or "—")),
        (_("Province"), escape(province.name.get(lang)) if province else "—"),
        (_("Category"), escape(category.name.get(lang)) if category else "—"),
        (_("Phone"), display_phone(draft.phone) if draft.phone else "—"),
        (_("Arrival"), arrival),
        (_("Lodging"), lodging),
        (_("Note"), escape(draft.note) if draft.note else "—"),
    ]
    text = "\n".join(f"<b>{label}:</b> {value}" for label, value in rows)
    attending = _("Attending")
    return f"{text}\n<b>{attending}:</b>\n{sessions}"
