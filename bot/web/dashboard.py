"""The organizers' dashboard: registered, expected and checked in, per province and per category;
arrivals over the day; the latest check-ins; broadcast progress; the lists to download.

The page polls /dashboard/api/numbers every few seconds: plain requests pass every proxy and
restart cleanly after a Wi-Fi drop, and a few hundred delegates make the answer small and cheap.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from html import escape

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import checkin, exports, final_report, outbox, province_reports, transport, transport_sheets
from bot.web import logistics
from bot.web.auth import Visitor, api, identify, login_needed, may_open
from bot.web.desk import both, chosen_part, part_names
from bot.web.html import message_page, page, t
from bot.web.papers import printing_panel
from bot.web.texts import TEXTS
from models import Account, Broadcast, CheckIn, Delegate
from models.account import ORGANIZER
from models.base import utcnow
from models.outbox import BLOCKED, DROPPED, FAILED, PENDING, SENDING, SENT

BUCKET = timedelta(minutes=15)
MAX_BUCKETS = 96  # one day of quarter hours
LATEST = 10
BROADCASTS = 5

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def _reports_zip(session: AsyncSession, conference: Event, lang: str) -> bytes:
    standings = await province_reports.standing(session, conference)
    index = province_reports.index_text(conference, standings, lang)
    newest = await province_reports.newest_reports(session, conference)
    return await asyncio.to_thread(province_reports.archive, conference, newest, index, lang)


EXPORTS = {  # file name → (content type, builder); organizers' files hold phones and notes, as in /export
    "delegates.xlsx": (XLSX, lambda s, c, lang: exports.delegates_workbook(s, c, personal=True, lang=lang)),
    "delegates.csv": ("text/csv", lambda s, c, lang: exports.delegates_csv(s, c, personal=True, lang=lang)),
    "checkins.xlsx": (XLSX, lambda s, c, lang: exports.checkin_report(s, c, lang=lang)),
    "rooms.xlsx": (XLSX, lambda s, c, lang: exports.rooms_report(s, c, personal=True, lang=lang)),
    "reports.zip": ("application/zip", _reports_zip),
    "final-report.docx": (DOCX, final_report.final_docx),
    "final-report.xlsx": (XLSX, final_report.final_xlsx),
    "transport.xlsx": (XLSX, lambda s, c, lang: transport_sheets.manifest(s, c, lang=lang)),
    "meals.xlsx": (XLSX, lambda s, c, lang: exports.meals_report(s, c, lang=lang)),
}


async def _reports(session: AsyncSession, conference: Event) -> list[dict] | None:
    """Received / missing per province, with the time; None if the conference collects no reports."""
    if conference.province_reports is None:
        return None
    return [{"province": both(p.name) if (p := conference.province(s.province)) else None,
             "received": s.report.uploaded_at.astimezone(conference.tz).strftime("%d/%m %H:%M") if s.report else None,
             "file": s.report.file_name if s.report else "", "version": s.versions}
            for s in await province_reports.standing(session, conference)]


def _row(name: dict | None, registered: int, expected: int, arrived: int) -> dict:
    return {"name": name, "registered": registered, "expected": expected, "arrived": arrived}


def _numbers(count: checkin.Count | None) -> tuple[int, int, int]:
    return (count.registered, count.expected, count.arrived) if count else (0, 0, 0)


def _audience(conference: Event, audience: str) -> dict[str, str]:
    kind, _, code = audience.partition(":")
    province, category, part = conference.province(code), conference.category(code), conference.part(code)
    if kind == "province" and province:
        return both(province.name)
    if kind == "category" and category:
        return both(category.label)
    if kind == "part" and part:
        return both(part.title)
    key = f"audience_{audience}"
    return {lang: TEXTS[lang].get(key, audience) for lang in ("vi", "en")}


def _arrivals(conference: Event, moments: list[datetime]) -> list[dict]:
    """Check-ins per quarter hour, local time, every quarter from the first to the last (zeros too), on
    the day of the latest one: a list is one day's, and an early check-in the evening before would
    otherwise stretch the chart over two days."""
    if not moments:
        return []

    def floor(moment: datetime) -> datetime:
        local = moment.astimezone(conference.tz)
        return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)

    day = max(moments).astimezone(conference.tz).date()
    counts = Counter(floor(m) for m in moments if m.astimezone(conference.tz).date() == day)
    last = max(counts)
    first = max(min(counts), last - BUCKET * (MAX_BUCKETS - 1))
    buckets, at = [], first
    while at <= last:
        buckets.append({"t": at.strftime("%H:%M"), "n": counts.get(at, 0)})
        at += BUCKET
    return buckets


async def _broadcasts(session: AsyncSession, conference: Event) -> list[dict]:
    found = await session.scalars(select(Broadcast).where(Broadcast.event_id == conference.id)
                                  .order_by(Broadcast.id.desc()).limit(BROADCASTS))
    result = []
    for b in found:
        n = await outbox.counts(session, b.id)
        result.append({"id": b.id, "audience": _audience(conference, b.audience), "status": b.status,
                       "started": b.created_at.astimezone(conference.tz).strftime("%d/%m %H:%M"),
                       "sent": n[SENT], "pending": n[PENDING] + n[SENDING], "not_reached": n[BLOCKED] + n[FAILED],
                       "dropped": n[DROPPED]})
    return result


def _trip_name(conference: Event, trip: str) -> dict[str, str]:
    found = conference.transport.trip(trip) if conference.transport else None
    if found is not None:
        return both(found.title)
    place = conference.transport.pickups.place if conference.transport and conference.transport.pickups else None
    return {lang: "🛬 " + (place.get(lang) if place else trip) for lang in ("vi", "en")}


async def _transport(session: AsyncSession, conference: Event) -> dict:
    """The runs as planned (trip, departure, vehicle, people of seats) and the arrivals changed since."""
    if conference.transport is None:
        return {"runs": [], "changed": []}
    runs: Counter = Counter((s.trip, s.departs_at, s.vehicle) for s in await transport.seats(session, conference, riding=True))
    def local(moment: datetime) -> str:
        return moment.astimezone(conference.tz).strftime("%d/%m %H:%M")

    vehicle = conference.transport.vehicle
    return {"runs": [{"trip": _trip_name(conference, trip), "departs": local(at),
                      "vehicle": both(vehicle(code).label) if vehicle(code) else {"vi": code, "en": code},
                      "people": n, "seats": vehicle(code).seats if vehicle(code) else 0}
                     for (trip, at, code), n in runs.items()],
            "changed": [{"name": d.full_name, "departs": local(s.departs_at)}
                        for d, s in await transport.changed_arrivals(session, conference)]}


@api(ORGANIZER)
async def numbers(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    conference: Event = request.app["app"].conference
    part_code = chosen_part(conference, request.query.get("list"))
    count = (await checkin.arrivals(session, conference, part_code))[part_code]
    checkins = (await session.execute(
        select(CheckIn.at, CheckIn.via, Delegate.full_name, Delegate.province, Account.display_name)
        .join(Delegate, Delegate.id == CheckIn.delegate_id).outerjoin(Account, Account.id == CheckIn.by_id)
        .where(CheckIn.part_code == part_code, *checkin.counted(conference)).order_by(CheckIn.at))).all()
    provinces = [_row(both(p.name), *_numbers(count.by_province.get(p.code))) for p in conference.provinces]
    categories = [_row(both(c.label), *_numbers(found)) for c in conference.categories  # only who registered or came
                  if (found := count.by_category.get(c.code)) and (found.registered or found.arrived)]
    latest = [{"time": c.at.astimezone(conference.tz).strftime("%H:%M"), "name": c.full_name,
               "province": both(p.name) if (p := conference.province(c.province)) else None,
               "by": c.display_name or "", "via": c.via} for c in reversed(checkins[-LATEST:])]
    return web.json_response({
        "list": part_code, "lists": part_names(conference),
        "totals": _row(None, *_numbers(count.total)),
        "provinces": provinces, "categories": categories,
        "arrivals": _arrivals(conference, [c.at for c in checkins]), "latest": latest,
        "broadcasts": await _broadcasts(session, conference),
        "reports": await _reports(session, conference),
        "transport": await _transport(session, conference),
        "now": utcnow().astimezone(conference.tz).strftime("%H:%M:%S"),
    })


@api(ORGANIZER)
async def download(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    name = request.match_info["name"]
    if name not in EXPORTS:
        raise web.HTTPNotFound()
    conference: Event = request.app["app"].conference
    lang = request.query.get("lang") if request.query.get("lang") in ("vi", "en") else "vi"
    content_type, build = EXPORTS[name]
    body = await build(session, conference, lang)
    stamp = utcnow().astimezone(conference.tz).strftime("%Y%m%d-%H%M")
    return web.Response(body=body, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{conference.id}-{stamp}-{name}"'})


async def dashboard_page(request: web.Request) -> web.Response:
    async with request.app["app"].db.session() as session:
        who = await identify(request, session)
        if isinstance(who, str):
            return login_needed(ORGANIZER, who)
        if not may_open(who.role, ORGANIZER):
            return message_page("dashboard_title", "organizers_only", status=403, kind="login",
                                extra=f'<p><a class="button" href="/desk">{t("to_desk")}</a></p>')
        conference = request.app["app"].conference
        extra = await logistics.panel(session, conference)
    return page("dashboard_title", _dashboard_body(who.account.display_name, conference, extra),
                scripts=("charts.js", "dashboard.js"), csrf=who.csrf, kind="dashboard")


def _exports_links() -> str:
    return "".join(
        f'<a class="button" data-export="{escape(name)}" href="/dashboard/export/{escape(name)}" download>'
        f'{t(key)}</a>' for name, key in (("delegates.xlsx", "export_delegates_xlsx"),
                                          ("delegates.csv", "export_delegates_csv"),
                                          ("checkins.xlsx", "export_checkins"), ("rooms.xlsx", "export_rooms"),
                                          ("reports.zip", "export_reports_zip"),
                                          ("final-report.docx", "export_final_docx"),
                                          ("final-report.xlsx", "export_final_xlsx"),
                                          ("transport.xlsx", "export_transport"),
                                          ("meals.xlsx", "export_meals")))


def _host_panels(logistics_panel: str) -> str:
    """The provinces' reports, the transport (both filled by dashboard.js) and the rooms and meals."""
    return f"""<section class="panel"><h2>{t("reports")}</h2><table id="reports" class="numbers"></table>
<p id="no-reports" class="hint" hidden>{t("reports_none")}</p></section>
<section class="panel"><h2>{t("transport")}</h2><table id="transport" class="numbers"></table>
<ul id="transport-changed" class="warnings"></ul>
<p id="no-transport" class="hint" hidden>{t("no_transport")}</p></section>
{logistics_panel}"""


def _dashboard_body(display_name: str, conference: Event, logistics_panel: str = "") -> str:
    return f"""<header class="bar">
<h1>📊 {t("dashboard_title")}</h1>
<label class="list">{t("list")} <select id="list"></select></label>
<span id="updated" class="net online"></span>
<span class="spacer"></span>
<span class="who">{escape(display_name)}</span>
<a class="button" href="/desk">{t("to_desk")}</a>
<button type="button" id="lang" class="lang">{t("lang_switch")}</button>
<form method="post" action="/desk/logout"><button type="submit">{t("logout")}</button></form>
</header>
<main class="dashboard">
<section class="cards">
<div class="card"><span class="label">{t("registered")}</span><span class="value" id="registered">–</span></div>
<div class="card"><span class="label">{t("expected")}</span><span class="value" id="expected">–</span></div>
<div class="card good"><span class="label">{t("arrived")}</span><span class="value" id="arrived">–</span>
<span class="rate" id="rate"></span></div>
</section>
<section class="panel"><h2>{t("by_province")}</h2>
<div class="split"><table id="provinces" class="numbers"></table>
<svg id="province-chart" class="chart"></svg></div></section>
<section class="panel"><h2>{t("by_category")}</h2>
<div class="split"><table id="categories" class="numbers"></table>
<svg id="category-chart" class="chart"></svg></div></section>
<section class="panel"><h2>{t("arrivals")}</h2>
<svg id="arrivals-chart" class="chart wide"></svg>
<p id="no-arrivals" class="hint" hidden>{t("no_arrivals")}</p></section>
<div class="split">
<section class="panel"><h2>{t("latest")}</h2><table id="latest" class="numbers"></table></section>
<section class="panel"><h2>{t("broadcasts")}</h2><table id="broadcasts" class="numbers"></table>
<p id="no-broadcasts" class="hint" hidden>{t("no_broadcasts")}</p></section>
</div>
{_host_panels(logistics_panel)}
<section class="panel"><h2>{t("exports")}</h2><div class="exports">{_exports_links()}</div>
<p class="hint">{t("exports_note")}</p></section>
{printing_panel(conference)}
</main>"""


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get("/dashboard", dashboard_page)
    web_app.router.add_get("/dashboard/api/numbers", numbers)
    web_app.router.add_get("/dashboard/export/{name}", download)
