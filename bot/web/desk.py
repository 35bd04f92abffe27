"""The reception desk page: camera, handheld scanner and search, one result area.

Every way in ends in bot.services.checkin.decide (a code or a search pick), the same decision the
chat desk uses, recorded `via="desk"` by the logged-in account. The page queues every scan in the
browser (IndexedDB) with an id it made itself (the scan's nonce) and its age, and sends the queue in
order; the service answers a scan sent twice - the answer was lost when the Wi-Fi dropped - the same
way and records a scan that waited offline at the moment it was made. This module only reads the
request and shows the decision.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from html import escape

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event, Text
from bot.screens.render import day
from bot.services import checkin
from bot.web.auth import Visitor, api, identify, login_needed, may_open
from bot.web.html import page, t
from bot.web.texts import as_script
from models import CheckIn, Delegate
from models.account import ORGANIZER, STAFF
from models.base import utcnow

VIA = "desk"
MAX_BATCH = 200  # scans in one request; a desk offline for an hour at a busy reception stays far below


def both(value: Text | None) -> dict[str, str] | None:
    return {"vi": value.vi, "en": value.en} if value else None


def part_names(conference: Event) -> list[dict]:
    """The check-in lists (the parts of the conference) as the chat desk names them, in both languages."""
    result = []
    for s in conference.parts:
        date = s.starts_at.astimezone(conference.tz).date()
        result.append({"code": s.code, "name": {lang: f"{day(date, lang)} — {s.title.get(lang)}"
                                                for lang in ("vi", "en")}})
    return result


def describe(decision: checkin.Decision, conference: Event) -> dict:
    """What reception needs to see, and nothing more: no phone, no note, no organization."""
    d = decision.delegate
    result: dict = {"outcome": decision.outcome, "reason": decision.reason, "list": decision.part_code}
    if d is not None and (decision.outcome != checkin.REFUSED or decision.reason in ("replaced", "cancelled")):
        result["name"] = d.full_name
    if d is not None and decision.outcome != checkin.REFUSED:
        province, category = conference.province(d.province), conference.category(d.category)
        result.update(province=both(province.name if province else None),
                      category=both(category.label if category else None), lodging=d.needs_lodging)
    if decision.checkin is not None:
        result.update(checkin=decision.checkin.id, time=decision.checkin.at.astimezone(conference.tz).strftime("%H:%M"))
    if decision.outcome == checkin.ALREADY:
        result["by"] = decision.by.display_name if decision.by else "?"
    return result


async def counts(session: AsyncSession, conference: Event, part_code: str | None = None) -> dict[str, list[int]]:
    """[checked in, expected] per list (all, or `list_code`), as the header shows it."""
    return {code: [a.total.arrived, a.total.expected]
            for code, a in (await checkin.arrivals(session, conference, part_code)).items()}


async def tally(session: AsyncSession, conference: Event, part_code: str) -> list[int]:
    return (await counts(session, conference, part_code))[part_code]


def chosen_part(conference: Event, code: object) -> str:
    return code if isinstance(code, str) and conference.part(code) else checkin.default_part(conference)


def _number(value: object) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0  # no delegate has id 0: refused as unknown


def _age(value: object) -> timedelta:
    """How long the scan waited in the browser's queue; its age, not the laptop's clock, is trusted."""
    try:
        return min(timedelta(milliseconds=max(int(value or 0), 0)), checkin.OLDEST)
    except (TypeError, ValueError, OverflowError):
        return timedelta(0)


async def decide(session: AsyncSession, request: web.Request, who: Visitor, item: dict) -> dict:
    """One queued scan, as the page shows its answer."""
    app = request.app["app"]
    conference: Event = app.conference
    nonce = str(item["id"])[:64] if item.get("id") else None
    decision = await checkin.decide(
        session, conference, app.settings.secret_key, chosen_part(conference, item.get("list")), who.account, VIA,
        text=str(item.get("text") or "")[:512],
        delegate_id=_number(item["delegate"]) if item.get("delegate") is not None else None,
        nonce=nonce, at=utcnow() - _age(item.get("age_ms")))
    return {**describe(decision, conference), "scan": nonce or str(uuid.uuid4()),
            **({"replayed": True} if decision.replayed else {})}


@api(STAFF, writes=True)
async def scans(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    """The browser's queue, oldest first; decided in that order, one answer per scan."""
    try:
        body = await request.json()
        items = body["scans"]
        assert isinstance(items, list) and all(isinstance(i, dict) for i in items)
    except (ValueError, KeyError, TypeError, AssertionError):
        return web.json_response({"error": "bad_request"}, status=400)
    if len(items) > MAX_BATCH:
        return web.json_response({"error": "too_many", "max": MAX_BATCH}, status=413)
    results = [await decide(session, request, who, item) for item in items]
    conference = request.app["app"].conference
    shown = {r["list"] for r in results}
    return web.json_response({"results": results,
                              "counts": {c: n for c, n in (await counts(session, conference)).items() if c in shown}})


@api(STAFF, writes=True)
async def undo(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    try:
        checkin_id = int((await request.json())["checkin"])
    except (ValueError, KeyError, TypeError):
        return web.json_response({"error": "bad_request"}, status=400)
    undone = await checkin.undo(session, checkin_id, who.account)
    if undone is None:
        return web.json_response({"undone": False})
    delegate = await session.get(Delegate, undone.delegate_id)
    conference = request.app["app"].conference
    return web.json_response({"undone": True, "name": delegate.full_name if delegate else "",
                              "list": undone.part_code, "count": await tally(session, conference, undone.part_code)})


@api(STAFF)
async def search(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    """The chat desk's search (bot.services.checkin.search), paced with it; 429 when staff search too fast."""
    app = request.app["app"]
    conference: Event = app.conference
    part_code = chosen_part(conference, request.query.get("list"))
    found = await checkin.search(session, conference, request.query.get("q", "")[:100], who.account,
                                 app.dispatcher["search_pace"], limit=10)
    if found.refused == "too_fast":
        return web.json_response({"error": "too_fast", "retry_after": found.retry_after}, status=429,
                                 headers={"Retry-After": str(found.retry_after)})
    ids = [d.id for d in found.delegates]
    arrived = set(await session.scalars(select(CheckIn.delegate_id).where(
        CheckIn.part_code == part_code, CheckIn.delegate_id.in_(ids)))) if ids else set()
    results = []
    for d in found.delegates:
        province, category = conference.province(d.province), conference.category(d.category)
        digits = "".join(ch for ch in d.phone if ch.isdigit())
        results.append({"id": d.id, "name": d.full_name, "province": both(province.name if province else None),
                        "category": both(category.label if category else None),
                        "phone": digits[-3:],  # enough to tell namesakes apart, not a phone number
                        "checked_in": d.id in arrived})
    return web.json_response({"results": results, **({"hint": found.refused} if found.refused else {})})


@api(STAFF)
async def setup(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    conference: Event = request.app["app"].conference
    default = checkin.default_part(conference)
    return web.json_response({
        "me": who.account.display_name, "account": who.account.id, "role": who.role, "lists": part_names(conference), "default": default,
        "hand_over": both(conference.hand_over), "event": both(conference.short_name),
        "counts": await counts(session, conference),
    })


async def desk_page(request: web.Request) -> web.Response:
    async with request.app["app"].db.session() as session:
        who = await identify(request, session)
    if isinstance(who, str) or not may_open(who.role, STAFF):  # a province secretariat's session opens its page only
        return login_needed(STAFF, who if isinstance(who, str) else "role")
    body = _desk_body(who.account.display_name, dashboard=who.role == ORGANIZER)
    return page("desk_title", body, scripts=("queue.js", "desk.js"), csrf=who.csrf)


def _desk_header(display_name: str, *, dashboard: bool) -> str:
    to_dashboard = f'<a class="button" href="/dashboard">{t("to_dashboard")}</a>' if dashboard else ""
    return f"""<header class="bar">
<h1>🛎 {t("desk_title")}</h1>
<label class="list">{t("list")} <select id="list"></select></label>
<span id="count" class="count"></span>
<span id="net" class="net online">{t("online")}</span>
<span id="pending" class="pending" hidden></span>
<span class="spacer"></span>
<span class="who">{escape(display_name)}</span>
<a class="button" href="/desk/sheet">{t("sheet_list_open")}</a>
{to_dashboard}
<button type="button" id="lang" class="lang">{t("lang_switch")}</button>
<form method="post" action="/desk/logout"><button type="submit">{t("logout")}</button></form>
</header>"""


def _desk_body(display_name: str, *, dashboard: bool) -> str:
    return _desk_header(display_name, dashboard=dashboard) + f"""
<main class="desk">
<section class="inputs">
<label for="scanner" class="field">{t("scanner")}</label>
<input id="scanner" class="scanner" autocomplete="off" spellcheck="false" autofocus>
<p class="hint">{t("scanner_hint")}</p>
<button type="button" id="camera">{t("camera_on")}</button>
<div id="camera-box" class="camera" hidden><video id="video" playsinline muted></video>
<p id="camera-status" class="hint"></p></div>
<label for="search" class="field">{t("search")}</label>
<input id="search" type="search" autocomplete="off" spellcheck="false">
<ul id="results" class="results"></ul>
</section>
<section class="outcome">
<div id="result" class="result idle" aria-live="assertive"><p class="heading">{t("waiting")}</p></div>
<button type="button" id="undo" class="undo" hidden>{t("undo")}</button>
<p id="notice" class="notice-line" hidden></p>
<div id="held-box" class="held-box" hidden></div>
<div id="pending-box" hidden><ul id="pending-list" class="log"></ul></div>
<div id="synced-box" hidden><h2>{t("synced")}</h2><ul id="synced" class="log"></ul></div>
<h2>{t("recent")}</h2>
<ul id="recent" class="log"></ul>
</section>
</main>"""


async def texts_script(_request: web.Request) -> web.Response:
    return web.Response(text=as_script(), content_type="application/javascript")


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get("/desk", desk_page)
    web_app.router.add_get("/desk/texts.js", texts_script)
    web_app.router.add_get("/desk/api/setup", setup)
    web_app.router.add_get("/desk/api/search", search)
    web_app.router.add_post("/desk/api/scans", scans)
    web_app.router.add_post("/desk/api/undo", undo)
