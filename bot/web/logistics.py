"""The dashboard's logistics panel: rooms by hotel and night, meals with their diets, and the delegates
whose stay changed after they were given a room. Drawn when the page opens (these change slowly);
event names in the conference's language."""
from __future__ import annotations

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import exports, lodging
from bot.web.html import t


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="numbers"><tr>{head}</tr>{body}</table>'


async def panel(session: AsyncSession, conference: Event) -> str:
    lang = conference.language
    state = await lodging.load(session, conference)
    rooms = [[u.hotel.name.get(lang), f"{u.night:%d/%m}", u.hotel.room_type(u.kind).label.get(lang),
              f"{u.used}/{u.held}", u.people] for u in lodging.usage(state)]
    meals = [[c.meal.label.get(lang), c.delegates, c.companions, c.total,
              ", ".join(f"{conference.diet(code).label.get(lang)}: {n}" for code, n in c.diets.items() if n)]
             for c in await exports.meal_counts(session, conference)]
    changed = [[f"#{d.id}", d.full_name, a.change] for d, a in await lodging.flagged(session, conference)]
    waiting = len(state.lodgers) - len(state.assigned)
    parts = [f'<section class="panel" id="rooms"><h2>{t("rooms_title")}</h2>',
             f'<p class="hint">{t("rooms_waiting", count=str(waiting))}</p>',
             _table([t("hotel"), t("night"), t("room_type"), t("rooms_used"), t("guests")], rooms) if rooms else "",
             f'<h2>{t("stay_changed")}</h2>',
             _table(["#", t("name"), t("change")], changed) if changed else f'<p class="hint">{t("none")}</p>',
             "</section>",
             f'<section class="panel" id="meals"><h2>{t("meals_title")}</h2>',
             _table([t("meal"), t("delegates"), t("companions"), t("total"), t("diets")], meals) if meals else "",
             "</section>"]
    return "".join(parts)
