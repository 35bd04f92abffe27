"""The upload page for a province's six-month report, for secretariats on Zalo (which carries no files):
/report in the bot gives a one-time link (bot/web/auth.py signs the browser in with the role
`sec:<province>`); the page shows what was received and takes a new version.

A plain form, so it works without scripts: the CSRF token rides in a hidden field and the Origin must be
this site. The file is read in chunks and refused past the event file's limit without reading the rest;
its content decides its type (bot/services/province_reports.py), as in the chat.
"""
from __future__ import annotations

import hmac
from html import escape
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import province_reports
from bot.services.province_reports import kind_of, limit_bytes
from bot.web.auth import Visitor, identify, same_origin
from bot.web.html import message_page, page, t
from models.account import SECRETARIAT

PATH = "/desk/report"
CHUNK = 64 * 1024


def province_of(who: Visitor) -> str | None:
    return who.role[len(SECRETARIAT):] if who.role.startswith(SECRETARIAT) else None


async def _visitor(request: web.Request, session: AsyncSession) -> Visitor | web.Response:
    who = await identify(request, session)
    if isinstance(who, str):
        return message_page("report_title", "login_needed_report", status=401, kind="login")
    if province_of(who) is None or request.app["app"].conference.province_reports is None:
        return message_page("report_title", "report_secretariat_only", status=403, kind="login")
    return who


def _body(conference: Event, who: Visitor, report, notice: str = "") -> str:
    rules, province = conference.province_reports, conference.province(province_of(who))
    due = rules.due.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M")
    status = (t("report_current", file=report.file_name, version=str(report.version),
                time=report.uploaded_at.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M"))
              if report else t("report_missing"))
    return f"""<main class="notice" id="report">
<h1>{t("report_title")}</h1>
<p>{t("report_for", province=province.name.vi if province else province_of(who), due=due)}</p>
{notice}
<p id="report-status">{status}</p>
<form method="post" action="{PATH}" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{escape(who.csrf)}">
<input type="hidden" name="province" value="{escape(province_of(who))}">
<label>{t("report_choose", limit=str(rules.max_size_mb))}
<input type="file" name="file" accept=".pdf,.doc,.docx" required></label>
<p><button type="submit" class="big">{t("report_send")}</button></p>
</form>
<p><button type="button" class="lang" id="lang">{t("lang_switch")}</button></p>
</main>"""


async def report_page(request: web.Request) -> web.Response:
    conference: Event = request.app["app"].conference
    async with request.app["app"].db.session() as session:
        who = await _visitor(request, session)
        if isinstance(who, web.Response):
            return who
        report = await province_reports.current(session, conference, province_of(who))
    return page("report_title", _body(conference, who, report), kind="login", csrf=who.csrf)


async def _form(request: web.Request, limit: int) -> tuple[dict[str, str], str, bytes | None]:
    """The form's fields, the file's name and its bytes (None: over the limit; the rest is not read)."""
    fields, name, content = {}, "", b""
    reader = await request.multipart()
    async for part in reader:
        if part.name != "file":
            fields[part.name] = (await part.read(decode=True)).decode(errors="replace")[:200]
            continue
        # browsers send the name in UTF-8 with quotes as %22; some clients percent-encode all of it
        name, chunks, size = unquote(part.filename or ""), [], 0
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > limit:
                return fields, name, None
            chunks.append(chunk)
        content = b"".join(chunks)
    return fields, name, content


async def _answer(request: web.Request, who: Visitor, status: int, key: str, **values: str) -> web.Response:
    conference: Event = request.app["app"].conference
    async with request.app["app"].db.session() as session:
        report = await province_reports.current(session, conference, province_of(who))
    kind = "good" if status == 200 else "bad"
    notice = f'<p class="{kind}" id="report-answer">{t(key, **values)}</p>'
    return page("report_title", _body(conference, who, report, notice), kind="login", status=status, csrf=who.csrf)


async def report_upload(request: web.Request) -> web.Response:
    app = request.app["app"]
    conference: Event = app.conference
    async with app.db.session() as session:
        who = await _visitor(request, session)
        if isinstance(who, web.Response):
            return who
        rules = conference.province_reports
        fields, name, content = await _form(request, limit_bytes(rules))
        if not (same_origin(request) and hmac.compare_digest(fields.get("csrf", ""), who.csrf)):
            return await _answer(request, who, 403, "report_refused")
        if fields.get("province") != province_of(who):
            mine = conference.province(province_of(who))
            return await _answer(request, who, 403, "report_other_province", mine=mine.name.vi if mine else "")
        if content is None:
            return await _answer(request, who, 413, "report_too_large", limit=str(rules.max_size_mb))
        if not name or not content:
            return await _answer(request, who, 400, "report_no_file")
        if not name.lower().endswith(province_reports.NAME_ENDINGS) or kind_of(content) is None:
            return await _answer(request, who, 415, "report_wrong_type", file=name)
        stored = await province_reports.store(session, conference, province_of(who), content, name, who.account, "web")
    report = stored.report
    if not stored.new:
        return await _answer(request, who, 200, "report_same", version=str(report.version))
    return await _answer(request, who, 200, "report_received", file=report.file_name, version=str(report.version),
                         time=report.uploaded_at.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M"))


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get(PATH, report_page)
    web_app.router.add_post(PATH, report_upload)
