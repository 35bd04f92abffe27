"""The real bot and its web server (desk page, dashboard) on a free port, with delegates, staff and
organizers seated in the database; shared by the endpoint tests and the browser tests."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from aiohttp import ClientSession, CookieJar
from sqlalchemy import select

from bot.app import start_web
from bot.services import registration as reg
from bot.services import tickets
from bot.services.accounts import get_or_create_account
from bot.web import auth
from models import Account, AccountRole, Delegate
from models.account import STAFF
from testkit.records import draft

LINK = re.compile(r"(http://\S+/desk/login/[A-Za-z0-9_-]+)")

# (full name, province, category, phone); the first is the name every escaping test uses
PEOPLE = [
    ("Lê <Văn> & Co", "gia_lai", "ubnd_office", "+84905123456"),
    ("Trần Thị Bích", "binh_dinh", "ubnd_leader", "+84912345001"),
    ("Nguyễn Văn An", "lam_dong", "emulation_board", "+84912345002"),
    ("Phạm Minh Đức", "khanh_hoa", "home_affairs_leader", "+84912345003"),
    ("Võ Thị Hồng", "dak_lak", "ubnd_office", "+84912345004"),
]


@dataclass
class Site:
    url: str
    app: object
    settings: object
    delegates: list[Delegate] = field(default_factory=list)

    def token(self, delegate: Delegate) -> str:
        return tickets.issue(self.settings.secret_key, self.app.conference.id, delegate.id, delegate.ticket_version)

    @staticmethod
    def link_in(text: str) -> str:
        """The login link in the bot's message."""
        return LINK.search(text).group(1)

    def deep_link(self, delegate: Delegate) -> str:
        return f"https://t.me/dalat_delegate_bot?start={self.token(delegate)}"

    async def account(self, user_id: int, name: str, role: str | None = None) -> Account:
        async with self.app.db.session() as session:
            account = await get_or_create_account(session, channel="telegram", user_id=str(user_id),
                                                  chat_id=str(user_id), display_name=name)
            if role and role not in {r.role for r in account.roles}:
                account.roles.append(AccountRole(account_id=account.id, role=role))
                await session.commit()
            return account

    async def login_link(self, account: Account, role: str, **kwargs) -> str:
        async with self.app.db.session() as session:
            account = await session.get(Account, account.id)
            return auth.login_url(self.settings, await auth.create_login(session, account, role, **kwargs))

    async def client(self, account: Account | None = None, role: str = STAFF) -> Desk:
        """An HTTP client; with an account, logged in by a fresh link (as a browser would)."""
        desk = Desk(self, ClientSession(cookie_jar=CookieJar(unsafe=True)))
        if account is not None:
            await desk.login(await self.login_link(account, role))
        return desk


class Desk:
    """A browser-like client: keeps the cookie, reads the CSRF token from the page, sends Origin."""

    def __init__(self, site: Site, http: ClientSession) -> None:
        self.site, self.http, self.csrf = site, http, ""

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": self.site.url}

    async def login(self, link: str) -> None:
        async with self.http.post(link, headers=self.origin, allow_redirects=False) as response:
            assert response.status == 303, await response.text()
            home = response.headers["Location"]
        async with self.http.get(self.site.url + home) as response:
            page = await response.text()
        self.csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page).group(1)

    async def scans(self, *items: dict, headers: dict | None = None):
        sent = {"X-CSRF-Token": self.csrf, **self.origin, **(headers or {})}
        async with self.http.post(self.site.url + "/desk/api/scans", json={"scans": list(items)},
                                  headers=sent) as response:
            return response.status, await response.json()

    async def get(self, path: str):
        async with self.http.get(self.site.url + path) as response:
            return response.status, await response.json()

    async def close(self) -> None:
        await self.http.close()


async def seat(app, people=PEOPLE) -> list[Delegate]:
    """Delegates registered by a provincial specialist, attending the 26/7 reception and the 28/7 conference."""
    async with app.db.session() as session:
        specialist = await get_or_create_account(session, channel="telegram", user_id="7000", chat_id="7000",
                                                 display_name="Chuyên viên")
        seated = []
        for name, province, category, phone in people:
            seated.append(await reg.register(session, app.conference, draft(
                full_name=name, province=province, category=category, phone=phone,
                parts=["reception", "conference"]), registrant=specialist, for_self=False))
        return list(await session.scalars(select(Delegate).where(Delegate.id.in_([d.id for d in seated]))
                                          .order_by(Delegate.id)))


@pytest.fixture
async def site(running, settings):
    """The running bot's web server on a free port; its login links point at that port."""
    settings.web_host, settings.web_port = "127.0.0.1", 0
    runner = await start_web(running.app)
    settings.web_port = runner.addresses[0][1]
    result = Site(f"http://127.0.0.1:{settings.web_port}", running.app, settings)
    result.delegates = await seat(running.app)
    yield result
    await runner.cleanup()

