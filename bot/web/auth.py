"""Who is at the desk page or the dashboard.

The bot gives staff (/desk) and organizers (/dashboard) a one-time link that expires; opening it
starts a browser session held in an HttpOnly, SameSite=Strict cookie. Both live in the database (as
SHA-256 hashes only), so they survive a restart and work with several bot processes. Every request
checks that the account still holds the role: removing someone's role locks them out at once.

State-changing requests also need the CSRF token (an HMAC of the session id with SECRET_KEY, sent
in a header by the page's scripts) and, when the browser says where the request comes from, an
Origin of this site. SameSite=Strict alone would stop other sites; the token also covers old browsers.

The link's GET only shows a page whose script POSTs the token: link previews and scanners that fetch
URLs do not use up the link, and the cookie is set on a same-site request (a cookie set in a redirect
of a navigation that started in another app is not sent by browsers with SameSite=Strict).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.accounts import roles_of
from bot.web.html import message_page, page, t
from models import Account, DeskScan, WebLogin, WebSession
from models.account import ORGANIZER, STAFF
from models.base import utcnow

LOGIN_LIFETIME = timedelta(minutes=30)  # time to walk from the phone to the desk's computer
SESSION_LIFETIME = timedelta(hours=12)  # one working day at reception
SCANS_KEPT = timedelta(days=3)  # long enough for any queued scan to be re-sent
COOKIE = "delegate_desk"
CSRF_HEADER = "X-CSRF-Token"
HOME = {STAFF: "/desk", ORGANIZER: "/dashboard"}


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def base_url(settings: Settings) -> str:
    return settings.public_base_url or f"http://{settings.web_host}:{settings.web_port}"


def login_url(settings: Settings, token: str) -> str:
    return f"{base_url(settings)}/desk/login/{token}"


def csrf_token(secret: str, raw_session: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + raw_session.encode(), hashlib.sha256).hexdigest()


def may_open(session_role: str, page_role: str) -> bool:
    """An organizer's session opens the desk too (organizers have staff rights); staff's not the dashboard."""
    return page_role == STAFF or session_role == ORGANIZER


async def create_login(session: AsyncSession, account: Account, role: str, lifetime: timedelta = LOGIN_LIFETIME) -> str:
    """A new login link's token (returned once, stored hashed); old links, sessions and scans are tidied."""
    now = utcnow()
    await session.execute(delete(WebLogin).where(WebLogin.expires_at < now - timedelta(days=1)))
    await session.execute(delete(WebSession).where(WebSession.expires_at < now))
    await session.execute(delete(DeskScan).where(DeskScan.at < now - SCANS_KEPT))
    token = secrets.token_urlsafe(24)
    session.add(WebLogin(token_hash=digest(token), account_id=account.id, role=role, expires_at=now + lifetime))
    await session.commit()
    return token


async def check_login(session: AsyncSession, token: str) -> WebLogin | str:
    """The link, or why it cannot be used: "unknown", "used", "expired" (nothing is changed)."""
    login = await session.scalar(select(WebLogin).where(WebLogin.token_hash == digest(token)))
    if login is None:
        return "unknown"
    if login.used_at is not None:
        return "used"
    if login.expires_at <= utcnow():
        return "expired"
    return login


async def open_login(session: AsyncSession, token: str, admin_ids: frozenset[int]) -> tuple[str, WebSession] | str:
    """Use the link once: a new session id (returned once, stored hashed), or why not (as check_login, or "role")."""
    login = await check_login(session, token)
    if isinstance(login, str):
        return login
    now = utcnow()
    # the conditional update is what makes the link single-use when two tabs open it at once
    claimed = await session.execute(update(WebLogin).where(WebLogin.id == login.id, WebLogin.used_at.is_(None))
                                    .values(used_at=now))
    if claimed.rowcount != 1:
        await session.rollback()
        return "used"
    account = await session.get(Account, login.account_id)
    if account is None or login.role not in roles_of(account, admin_ids):
        await session.commit()
        return "role"
    raw = secrets.token_urlsafe(32)
    web_session = WebSession(session_hash=digest(raw), account_id=account.id, role=login.role,
                             expires_at=now + SESSION_LIFETIME)
    session.add(web_session)
    await session.commit()
    return raw, web_session


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
    web_session = await session.scalar(select(WebSession).where(WebSession.session_hash == digest(raw)))
    if web_session is None or web_session.expires_at <= utcnow():
        return "login"
    account = await session.get(Account, web_session.account_id)
    if account is None or web_session.role not in roles_of(account, settings.admin_ids):
        await session.delete(web_session)
        await session.commit()
        return "role"
    return Visitor(account, web_session.role, csrf_token(settings.secret_key, raw))


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
    button = "login_button_dashboard" if login.role == ORGANIZER else "login_button_desk"
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
    response = web.Response(status=303, headers={"Location": HOME[web_session.role]})
    response.set_cookie(COOKIE, raw, max_age=int(SESSION_LIFETIME.total_seconds()), path="/", httponly=True,
                        samesite="Strict", secure=base_url(app.settings).startswith("https://"))
    return response


async def logout(request: web.Request) -> web.Response:
    """Ends the session on the server too, so a copied cookie is worthless afterwards."""
    if not same_origin(request):
        return json_error(403, "csrf")
    raw = request.cookies.get(COOKIE)
    if raw:
        async with request.app["app"].db.session() as session:
            await session.execute(delete(WebSession).where(WebSession.session_hash == digest(raw)))
            await session.commit()
    response = web.Response(status=303, headers={"Location": "/desk"})
    response.del_cookie(COOKIE, path="/")
    return response


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_get("/desk/login/{token}", login_page)
    web_app.router.add_post("/desk/login/{token}", login_submit)
    web_app.router.add_post("/desk/logout", logout)

