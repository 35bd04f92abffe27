"""The OA's access token, renewed with the refresh token before it expires, kept in the database (one row,
models.zalo_oa.ZaloOaToken) so that every bot process uses the same pair.

Zalo's OAuth v4 (developers.zalo.me, "Official Account API › Xác thực và ủy quyền": POST
oauth.zaloapp.com/v4/oa/access_token, header secret_key = the app's secret key, form app_id,
grant_type=refresh_token, refresh_token) answers a new access token (valid `expires_in` seconds, about 25 hours)
and a new refresh token: the old refresh token is good once. Whoever refreshes stores the pair at once; a
process whose refresh is refused reads the pair another process stored. Neither token is ever logged.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import aiohttp
from sqlalchemy import select, update

from bot.config import Settings
from models import Database, ZaloOaToken

log = logging.getLogger(__name__)
MARGIN = timedelta(minutes=10)  # refreshed this long before it expires
SEEDED_LIFE = timedelta(hours=1)  # a token from the settings: its age is unknown, so it is renewed within the hour


class TokenError(Exception):
    """No access token can be had (the refresh token was refused or is missing): the OA must be re-authorized."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class OaTokens:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings, self.db = settings, db
        self._row: tuple[str, str, datetime] | None = None  # access, refresh, expires at
        self._lock = asyncio.Lock()

    async def access_token(self, *, stale: str | None = None) -> str:
        """A valid access token; `stale`: the one Zalo just called expired, to be replaced whatever its date."""
        async with self._lock:
            row = self._row if self._row and self._row[0] != stale else await self._load()
            if row[0] == stale or row[2] - _now() < MARGIN:
                row = await self._refresh(row)
            self._row = row
            return row[0]

    async def _load(self) -> tuple[str, str, datetime]:
        async with self.db.session() as session:
            stored = await session.get(ZaloOaToken, 1)
            if stored is not None:
                return stored.access_token, stored.refresh_token, stored.expires_at
            if not self.settings.zalo_oa_refresh_token and not self.settings.zalo_oa_access_token:
                raise TokenError("no ZALO_OA_ACCESS_TOKEN / ZALO_OA_REFRESH_TOKEN")
            seeded = ZaloOaToken(id=1, access_token=self.settings.zalo_oa_access_token,
                                 refresh_token=self.settings.zalo_oa_refresh_token,
                                 expires_at=_now() + (SEEDED_LIFE if self.settings.zalo_oa_access_token else
                                                      timedelta(0)))
            session.add(seeded)
            try:
                await session.commit()
            except Exception:  # another process seeded it first
                await session.rollback()
                stored = await session.get(ZaloOaToken, 1)
                return stored.access_token, stored.refresh_token, stored.expires_at
            return seeded.access_token, seeded.refresh_token, seeded.expires_at

    async def _refresh(self, row: tuple[str, str, datetime]) -> tuple[str, str, datetime]:
        try:
            body = await self._ask(row[1])
        except TokenError:
            again = await self._load()  # another process may have used the refresh token first
            if again[1] != row[1] and again[2] - _now() >= MARGIN:
                return again
            raise
        new = (str(body["access_token"]), str(body.get("refresh_token") or row[1]),
               _now() + timedelta(seconds=int(body.get("expires_in") or 3600)))
        async with self.db.session() as session:
            await session.execute(update(ZaloOaToken).where(ZaloOaToken.id == 1).values(
                access_token=new[0], refresh_token=new[1], expires_at=new[2], updated_at=_now()))
            await session.commit()
        log.info("Zalo OA access token renewed; valid until %s", new[2].isoformat(timespec="minutes"))
        return new

    async def _ask(self, refresh_token: str) -> dict:
        if not refresh_token:
            raise TokenError("no refresh token")
        form = {"app_id": self.settings.zalo_oa_app_id, "grant_type": "refresh_token", "refresh_token": refresh_token}
        url = f"{self.settings.zalo_oa_oauth_url}/v4/oa/access_token"
        try:
            async with aiohttp.ClientSession() as http:
                async with http.post(url, data=form, headers={"secret_key": self.settings.zalo_oa_app_secret},
                                     timeout=aiohttp.ClientTimeout(total=30)) as response:
                    body = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise TokenError(f"the token refresh got no answer ({type(exc).__name__})") from None
        if not isinstance(body, dict) or not body.get("access_token"):
            error = body.get("error") if isinstance(body, dict) else None
            raise TokenError(f"the token refresh was refused (error {error})")
        return body

    async def stored(self) -> tuple[str, datetime] | None:
        """For `bot check` and tests: the stored access token's expiry and whether one is stored at all."""
        async with self.db.session() as session:
            row = (await session.execute(select(ZaloOaToken.access_token, ZaloOaToken.expires_at))).first()
        return None if row is None else (row[0], row[1])
