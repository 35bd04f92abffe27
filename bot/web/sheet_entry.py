"""Entering a signed sign-in sheet at the desk page: the part's list of one province (or all), a tick box
per delegate, each tick a check-in decided by bot.services.checkin (via "sheet"), so the desk, the chat
and the dashboard count it once. Those already checked in show ticked and cannot be ticked again.

A plain form posted to the server: the CSRF token travels in a hidden field (a form cannot send the
header the scripts send), checked with the Origin as for every other write."""
from __future__ import annotations

import hmac
from html import escape
from urllib.parse import urlencode

from aiohttp import web

from bot.event import Event
from bot.services import checkin, papers
from bot.web.auth import identify, login_needed, same_origin
from bot.web.desk import chosen_part, part_names
from bot.web.html import message_page, page, t
from bot.web.papers import options
from bot.web.texts import text
from models.account import STAFF

VIA = "sheet"
MAX_TICKS = 2000


def _province(conference: Event, code: object) -> str:
    return code if isinstance(code, str) and conference.province(code) else ""


def _chooser(conference: Event, part_code: str, province: str) -> str:
    parts = [(p["code"], p["name"]["vi"]) for p in part_names(conference)]
    provinces = [("", text("all_provinces"))] + [(p.code, p.name.vi) for p in conference.provinces]
    return f"""<form method="get" action="/desk/sheet" class="exports">
<label>{t("list")} <select name="list">{options(parts, part_code)}</select></label>
<label>{t("sheet_province")} <select name="province">{options(provinces, province)}</select></label>
<button type="submit">{t("sheet_show")}</button></form>"""


def _rows(conference: Event, delegates: list, arrived: set[int]) -> str:
    rows = []
    for n, d in enumerate(delegates, 1):
        province = conference.province(d.province)
        done = d.id in arrived
        box = (f'<input type="checkbox" name="delegate" value="{d.id}"' + (" checked disabled" if done else "")
               + f' id="d{d.id}">')
        rows.append(f'<tr><td>{n}</td><td>{box}</td><td><label for="d{d.id}">{escape(d.full_name)}</label></td>'
                    f'<td>{escape(d.position)}</td><td>{escape(province.name.vi if province else "")}</td></tr>')
    return "".join(rows)


async def sheet_page(request: web.Request) -> web.Response:
    app = request.app["app"]
    conference: Event = app.conference
    async with app.db.session() as session:
        who = await identify(request, session)
        if isinstance(who, str):
            return login_needed(STAFF, who)
        part_code = chosen_part(conference, request.query.get("list"))
        province = _province(conference, request.query.get("province"))
        delegates = await papers.signers(session, conference, part_code, province or None)
        arrived = await papers.checked_in_ids(session, part_code, [d.id for d in delegates])
    entered = request.query.get("entered", "")
    notice = f'<p class="notice-line">{t("sheet_entered", count=escape(entered))}</p>' if entered.isdigit() else ""
    table = (f'<table class="numbers sheet">{_rows(conference, delegates, arrived)}</table>' if delegates
             else f'<p class="hint">{t("sheet_nobody")}</p>')
    body = f"""<header class="bar"><h1>✍️ {t("sheet_list_title")}</h1><span class="spacer"></span>
<a class="button" href="/desk">{t("desk_title")}</a></header>
<main class="dashboard">{notice}<p class="hint">{t("sheet_list_hint")}</p>{_chooser(conference, part_code, province)}
<form method="post" action="/desk/sheet">
<input type="hidden" name="csrf" value="{escape(who.csrf)}">
<input type="hidden" name="list" value="{escape(part_code)}">
<input type="hidden" name="province" value="{escape(province)}">{table}
<p><button type="submit" class="big">{t("sheet_enter")}</button></p></form></main>"""
    return page("sheet_list_title", body, csrf=who.csrf)


def _ticked(form) -> list[int]:
    ids = []
    for value in form.getall("delegate", [])[:MAX_TICKS]:
        if isinstance(value, str) and value.isdigit() and 0 < int(value) < 2**31:
            ids.append(int(value))
    return list(dict.fromkeys(ids))


async def sheet_submit(request: web.Request) -> web.Response:
    """Each ticked delegate checked in on the part's list by the signed-in account; then the list again."""
    app = request.app["app"]
    conference: Event = app.conference
    form = await request.post()
    async with app.db.session() as session:
        who = await identify(request, session)
        if isinstance(who, str):
            return login_needed(STAFF, who)
        if not (same_origin(request) and hmac.compare_digest(str(form.get("csrf", "")), who.csrf)):
            return message_page("sheet_list_title", "sheet_stale", status=403)
        part_code = chosen_part(conference, form.get("list"))
        entered = 0
        for delegate_id in _ticked(form):
            decision = await checkin.decide(session, conference, app.settings.secret_key, part_code, who.account,
                                            VIA, delegate_id=delegate_id)
            entered += decision.outcome == checkin.CHECKED_IN
    query = urlencode({"list": part_code, "province": _province(conference, form.get("province")),
                       "entered": entered})
    return web.Response(status=303, headers={"Location": f"/desk/sheet?{query}"})


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get("/desk/sheet", sheet_page)
    web_app.router.add_post("/desk/sheet", sheet_submit)
