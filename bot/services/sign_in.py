"""Signing in to the web pages (reception desk, dashboard): the rules, without the web server.

The bot gives staff (/desk) and organizers (/dashboard) a one-time link that expires; opening it starts a
browser session. Both live in the database as SHA-256 hashes only (a copy of the database opens nothing),
so they survive a restart and work with several bot processes. Every use checks that the account still
holds the role: removing someone's role locks them out at once. The chat command that sends the link
(handlers/web_login.py) and the pages that take it (bot/web/auth.py) both use these rules.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.accounts import roles_of
from models import Account, DeskScan, WebLogin, WebSession
from models.account import ORGANIZER, STAFF
from models.base import utcnow

LOGIN_LIFETIME = timedelta(minutes=30)  # time to walk from the phone to the desk's computer
SESSION_LIFETIME = timedelta(hours=12)  # one working day at reception
SCANS_KEPT = timedelta(days=3)  # long enough for any queued scan to be re-sent


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def base_url(settings: Settings) -> str:
    return settings.public_base_url or f"http://{settings.web_host}:{settings.web_port}"


def login_url(settings: Settings, token: str) -> str:
    return f"{base_url(settings)}/desk/login/{token}"


def csrf_token(secret: str, raw_session: str) -> str:
    """The CSRF token of a browser session: an HMAC of its id with SECRET_KEY."""
    return hmac.new(secret.encode(), b"csrf:" + raw_session.encode(), hashlib.sha256).hexdigest()


def may_open(session_role: str, page_role: str) -> bool:
    """An organizer's session opens the desk too (organizers have staff rights); staff's not the dashboard; a
    province secretariat's (its report's upload page) neither."""
    return session_role == ORGANIZER or page_role == session_role == STAFF


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


async def signed_in(session: AsyncSession, raw: str, admin_ids: frozenset[int]) -> tuple[Account, str] | str:
    """(account, role) of a browser session id, or "login" (unknown, expired) or "role" (the role was taken
    away: the session is ended)."""
    web_session = await session.scalar(select(WebSession).where(WebSession.session_hash == digest(raw)))
    if web_session is None or web_session.expires_at <= utcnow():
        return "login"
    account = await session.get(Account, web_session.account_id)
    if account is None or web_session.role not in roles_of(account, admin_ids):
        await session.delete(web_session)
        await session.commit()
        return "role"
    return account, web_session.role


async def sign_out(session: AsyncSession, raw: str) -> None:
    """Ends the session on the server too, so a copied cookie is worthless afterwards."""
    await session.execute(delete(WebSession).where(WebSession.session_hash == digest(raw)))
    await session.commit()
