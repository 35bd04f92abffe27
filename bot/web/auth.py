"""Who is at the desk page or the dashboard: the web side of signing in (the rules are in
bot/services/sign_in.py: links, sessions, roles).

Opening a one-time link starts a browser session held in an HttpOnly, SameSite=Strict cookie. Every request
checks that the account still holds the role.

State-changing requests also need the CSRF token (an HMAC of the session id with SECRET_KEY, sent
in a header by the page's scripts) and, when the browser says where the request comes from, an
Origin of this site. SameSite=Strict alone would stop other sites; the token also covers old browsers.

The link's GET only shows a page whose script POSTs the token: link previews and scanners that fetch
URLs do not use up the link, and the cookie is set on a same-site request (a cookie set in a redirect
of a navigation that started in another app is not sent by browsers with SameSite=Strict).
"""
from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.sign_in import (SESSION_LIFETIME, base_url, check_login, csrf_token, may_open, open_login,
                                  sign_out, signed_in)
from bot.web.html import message_page, page, t
from models import Account
from models.account import ORGANIZER, SECRETARIAT, STAFF

COOKIE = "delegate_desk"
CSRF_HEADER = "X-CSRF-Token"
HOME = {STAFF: "/desk", ORGANIZER: "/dashboard"}
REPORT_PAGE = "/desk/report"  # a province's secretariat: its report (bot/web/report_upload.py)


def home(role: str) -> str:
    return REPORT_PAGE if role.startswith(SECRETARIAT) else HOME[role]


@dataclass
class Visitor:
    account: Account
    role: str  # what the session grants
    csrf: str


async def identify(request: web.Request, session: AsyncSession) -> Visitor | str:
    """The visitor behind the cookie, or "login" (none, unknown, expired) or "role" (the role was taken away)."""
    settings: Settings = request.app["app"].settings
    raw = request.cookies.get(COOKIE)
    if not raw:
        return "login"
    found = await signed_in(session, raw, settings.admin_ids)
    if isinstance(found, str):
        return found
    account, role = found
    return Visitor(account, role, csrf_token(settings.secret_key, raw))


def same_origin(request: web.Request) -> bool:
    """The request was made by one of our pages: its Origin is this host (or the public URL's)."""
    origin = request.headers.get("Origin")
    if origin is None:
        # browsers send Origin with every POST; without it, trust only what the browser calls same-origin
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    allowed = {request.host}
    public = request.app["app"].settings.public_base_url
    if public:
        allowed.add(urlsplit(public).netloc)
    return urlsplit(origin).netloc in allowed


def json_error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


Handler = Callable[[web.Request, AsyncSession, Visitor], Awaitable[web.StreamResponse]]
Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]


def api(role: str, *, writes: bool = False) -> Callable[[Handler], Endpoint]:
    """A JSON endpoint (or a download) for `role`: 401 without a session, 403 without the role or, for
    `writes`, without the CSRF token and a same-site Origin."""

    def decorate(handler: Handler):
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            async with request.app["app"].db.session() as session:
                who = await identify(request, session)
                if isinstance(who, str):
                    return json_error(401, who)
                if not may_open(who.role, role):
                    return json_error(403, "organizers_only")
                if writes and not (same_origin(request) and hmac.compare_digest(
                        request.headers.get(CSRF_HEADER, ""), who.csrf)):
                    return json_error(403, "csrf")
                return await handler(request, session, who)

        return guarded

    return decorate


def login_needed(page_role: str, reason: str = "login") -> web.Response:
    key = "login_needed_dashboard" if page_role == ORGANIZER else "login_needed_desk"
    extra = f"<p>{t('session_lost')}</p>" if reason == "role" else ""
    return message_page("login_needed_title", key, status=401, kind="login", extra=extra)


# --- the login link ------------------------------------------------------------------------------

async def login_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    async with request.app["app"].db.session() as session:
        login = await check_login(session, token)
    if isinstance(login, str):
        return message_page("login_title", f"login_{login}", status=404 if login == "unknown" else 410, kind="login")
    button = ("login_button_dashboard" if login.role == ORGANIZER else
              "login_button_report" if login.role.startswith(SECRETARIAT) else "login_button_desk")
    body = f"""<main class="notice">
<h1>{t("login_title")}</h1>
<form method="post" id="login-form" action="/desk/login/{escape(token)}">
<button type="submit" class="big">{t(button)}</button>
</form>
<p class="muted" id="opening" hidden>{t("login_opening")}</p>
</main>"""
    return page("login_title", body, scripts=("login.js",), kind="login")


async def login_submit(request: web.Request) -> web.Response:
    app = request.app["app"]
    if not same_origin(request):
        return message_page("login_title", "login_origin", status=403, kind="login")
    async with app.db.session() as session:
        opened = await open_login(session, request.match_info["token"], app.settings.admin_ids)
    if isinstance(opened, str):
        status = {"role": 403, "unknown": 404}.get(opened, 410)
        return message_page("login_title", f"login_{opened}", status=status, kind="login")
    raw, web_session = opened
    response = web.Response(status=303, headers={"Location": home(web_session.role)})
    response.set_cookie(COOKIE, raw, max_age=int(SESSION_LIFETIME.total_seconds()), path="/", httponly=True,
                        samesite="Strict", secure=base_url(app.settings).startswith("https://"))
    return response


async def logout(request: web.Request) -> web.Response:
    """Ends the session on the server too (sign_in.sign_out)."""
    if not same_origin(request):
        return json_error(403, "csrf")
    raw = request.cookies.get(COOKIE)
    if raw:
        async with request.app["app"].db.session() as session:
            await sign_out(session, raw)
    response = web.Response(status=303, headers={"Location": "/desk"})
    response.del_cookie(COOKIE, path="/")
    return response


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get("/desk/login/{token}", login_page)
    web_app.router.add_post("/desk/login/{token}", login_submit)
    web_app.router.add_post("/desk/logout", logout)

