"""The printed papers on the web: the dashboard's Printing panel (badges and sign-in sheets as PDF), the MC's
list that updates itself until the opening, and the desk's page where a signed paper sheet is entered,
one tick a check-in through bot.services.checkin, so every count stays one.

The pages are drawn on the server (plain forms, no data script): they work on any browser at the venue."""
from __future__ import annotations

from html import escape

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.screens.paper_content import badge_cards, introduction_lines, sheet_labels, sheets
from bot.screens.papers import badges_pdf, build_elsewhere
from bot.screens.sign_sheets import Sheet, sign_in_pdf
from bot.services import papers
from bot.services.export_sheets import word
from bot.web.auth import Visitor, api, identify, login_needed, may_open
from bot.web.desk import chosen_part, part_names
from bot.web.html import message_page, page, t
from bot.web.texts import text
from models.account import ORGANIZER
from models.base import utcnow

PDF = "application/pdf"


def _lang(request: web.Request) -> str:
    return "en" if request.query.get("lang") == "en" else "vi"


def _pdf_response(body: bytes, conference: Event, name: str) -> web.Response:
    stamp = utcnow().astimezone(conference.tz).strftime("%Y%m%d-%H%M")
    return web.Response(body=body, content_type=PDF, headers={
        "Content-Disposition": f'attachment; filename="{conference.id}-{stamp}-{name}.pdf"'})


def _scope(conference: Event, query) -> papers.Scope | None:
    """The form's choice: a check-in number typed wins; else "all", "province:code" or "category:code"."""
    number = (query.get("number") or "").strip()
    if number:
        scope = papers.scope_from(conference, number)
        return scope if scope and scope.kind == papers.DELEGATE else None
    kind, _, code = (query.get("scope") or papers.ALL).partition(":")
    if kind == papers.ALL or (kind == papers.PROVINCE and conference.province(code)) or (
            kind == papers.CATEGORY and conference.category(code)):
        return papers.Scope(kind, code)
    return None


@api(ORGANIZER)
async def badges_file(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    app = request.app["app"]
    conference: Event = app.conference
    scope, lang = _scope(conference, request.query), _lang(request)
    delegates = await papers.badge_holders(session, conference, scope) if scope else []
    if not delegates:
        return message_page("printing", "badges_none", status=404, kind="dashboard")
    me = await app.bot.me()
    cards = badge_cards(delegates, conference, lang, me.username, app.settings.secret_key)
    body = await build_elsewhere(badges_pdf, cards, conference.badge.width_mm, conference.badge.height_mm,
                                 word("badges_title", lang))
    return _pdf_response(body, conference, f"badges-{scope.kind}")


@api(ORGANIZER)
async def sheets_file(request: web.Request, session: AsyncSession, who: Visitor) -> web.Response:
    conference: Event = request.app["app"].conference
    lang, part_code = _lang(request), chosen_part(conference, request.query.get("list"))
    province = request.query.get("province") if conference.province(request.query.get("province") or "") else None
    delegates = await papers.signers(session, conference, part_code, province)
    found = sheets(delegates, conference, part_code, lang)
    if not found:  # nobody yet: a sheet with its headings, saying so
        found = [Sheet((conference.short_name.get(lang), conference.part(part_code).title.get(lang)))]
    body = await build_elsewhere(sign_in_pdf, found, sheet_labels(lang))
    return _pdf_response(body, conference, f"sign-in-{part_code}" + (f"-{province}" if province else ""))


def options(items: list[tuple[str, str]], chosen: str = "") -> str:
    return "".join(f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(label)}</option>'
                   for v, label in items)


def _languages() -> str:
    return f'<label>{t("document_lang")} <select name="lang">{options([("vi", "Tiếng Việt"), ("en", "English")])}' \
           '</select></label>'


def printing_panel(conference: Event) -> str:
    """The dashboard's Printing panel: plain GET forms, each answered with a PDF download."""
    scopes = [(papers.ALL, text("badges_all"))]
    scopes += [(f"province:{p.code}", p.name.vi) for p in conference.provinces]
    scopes += [(f"category:{c.code}", c.label.vi) for c in conference.categories]
    parts = [(p["code"], p["name"]["vi"]) for p in part_names(conference)]
    provinces = [("", text("all_provinces"))] + [(p.code, p.name.vi) for p in conference.provinces]
    size = f"{conference.badge.width_mm:g} × {conference.badge.height_mm:g}"
    return f"""<section class="panel" id="printing"><h2>{t("printing")}</h2>
<form method="get" action="/dashboard/papers/badges.pdf" class="exports"><strong>{t("badges_pdf")}</strong>
<select name="scope">{options(scopes)}</select>
<label>{t("badges_number")} <input name="number" size="8" autocomplete="off"></label>{_languages()}
<button type="submit">{t("build_pdf")}</button></form>
<p class="hint">{escape(size)} mm — {t("badges_note")}</p>
<form method="get" action="/dashboard/papers/sign-in.pdf" class="exports"><strong>{t("sign_in_pdf")}</strong>
<select name="list">{options(parts)}</select><select name="province">{options(provinces)}</select>{_languages()}
<button type="submit">{t("build_pdf")}</button></form>
<p><a class="button" href="/dashboard/mc">{t("mc_open")}</a>
<a class="button" href="/desk/sheet">{t("sheet_list_open")}</a></p></section>"""


async def _visitor(request: web.Request, role: str) -> Visitor | web.Response:
    async with request.app["app"].db.session() as session:
        who = await identify(request, session)
    if isinstance(who, str):
        return login_needed(role, who)
    if not may_open(who.role, role):
        return message_page("mc_title", "organizers_only", status=403, kind="login")
    return who


async def mc_page(request: web.Request) -> web.Response:
    """The MC's list, drawn on the server and reloaded by the page every few seconds until the opening."""
    who = await _visitor(request, ORGANIZER)
    if isinstance(who, web.Response):
        return who
    conference: Event = request.app["app"].conference
    lang = _lang(request)
    if conference.introduction is None:
        return message_page("mc_title", "mc_missing", status=404, kind="dashboard")
    async with request.app["app"].db.session() as session:
        delegations = await papers.introduced(session, conference)
    groups = "".join(f'<h2>{escape(heading)}</h2><ul class="mc">'
                     + "".join(f"<li>{escape(line)}</li>" for line in lines)
                     + "</ul>" for heading, lines in introduction_lines(delegations, conference, lang))
    now = utcnow().astimezone(conference.tz).strftime("%H:%M:%S")
    body = f"""<header class="bar"><h1>🎤 {t("mc_title")}</h1><span class="net online">{escape(now)}</span>
<span class="spacer"></span><a class="button" href="/dashboard">{t("dashboard_title")}</a></header>
<main class="dashboard mc" data-reload="15"><p class="hint">{t("mc_hint")} —
{escape(conference.part(conference.introduction.part).title.get(lang))}</p>
{groups or f'<p class="hint">{t("mc_empty")}</p>'}</main>"""
    return page("mc_title", body, scripts=("reload.js",), kind="dashboard")


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get("/dashboard/papers/badges.pdf", badges_file)
    web_app.router.add_get("/dashboard/papers/sign-in.pdf", sheets_file)
    web_app.router.add_get("/dashboard/mc", mc_page)
