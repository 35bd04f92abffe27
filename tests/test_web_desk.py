"""The desk page's and the dashboard's endpoints without a browser: login links from the bot (single
use, expiring, staff only), sessions tied to a role, 401 without a session, the CSRF defence, the
idempotent replay of a queued scan, and no personal data beyond what reception needs."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from aiohttp import ClientSession, CookieJar
from sqlalchemy import select

from bot.infra import logs
from bot.services import registration as reg
from bot.services import tickets
from bot.services.accounts import remove_role
from bot.services.pace import Pace
from models import Account, CheckIn, CheckInLog, Delegate, WebLogin, WebSession
from models.account import ORGANIZER, STAFF
from models.base import utcnow
from testkit.desk_site import Desk
from testkit.flows import until_text

pytest_plugins = ["testkit.desk_site"]  # the `site` fixture

REFUSAL = ("The reception desk page is for the reception staff and the organizers. If you work at reception, ask "
           "the organizers for a staff invitation.")


async def test_the_bot_gives_staff_a_one_time_link(site, fake):
    await site.account(9100, "Lễ tân 1", STAFF)
    staff = fake.user(9100, first_name="Lễ tân 1", language_code="vi", started=True)
    await staff.send("/desk")
    message = await until_text(staff, "/desk/login/")
    link = site.link_in(message.text)
    assert link.startswith(site.url)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        # the GET only shows a page: a link preview does not use the link up
        async with http.get(link) as response:
            assert response.status == 200 and 'id="login-form"' in await response.text()
        async with http.post(link, headers={"Origin": site.url}, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/desk"
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        async with http.get(site.url + "/desk/api/setup") as response:
            assert response.status == 200 and (await response.json())["role"] == STAFF
        # the same link a second time, from another browser
        async with ClientSession() as other:
            async with other.post(link, headers={"Origin": site.url}, allow_redirects=False) as response:
                assert response.status == 410 and "set-cookie" not in response.headers
            async with other.get(link) as response:
                assert response.status == 410
    async with site.app.db.session() as session:
        # only hashes are stored
        stored = (await session.scalars(select(WebLogin))).all() + (await session.scalars(select(WebSession))).all()
        token = link.rsplit("/", 1)[1]
        assert stored and all(token not in (getattr(s, "token_hash", "") + getattr(s, "session_hash", ""))
                              for s in stored)


async def test_delegates_get_no_link_and_staff_no_dashboard(site, fake):
    delegate = fake.user(9200, first_name="An", language_code="vi", started=True)
    await delegate.send("/desk")
    answer = (await delegate.next_message()).text
    assert answer == site.app.i18n.gettext(REFUSAL, locale="vi") and "/desk/login/" not in answer
    await delegate.send("/dashboard")
    assert "/desk/login/" not in (await delegate.next_message()).text
    await site.account(9100, "Lễ tân 1", STAFF)
    staff = fake.user(9100, first_name="Lễ tân 1", language_code="vi", started=True)
    await staff.send("/dashboard")
    assert "chỉ dành cho Ban Tổ chức" in (await staff.next_message()).text
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)  # ADMIN_IDS
    await organizer.send("/dashboard")
    link = site.link_in((await until_text(organizer, "/desk/login/")).text)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http, \
            http.post(link, headers={"Origin": site.url}, allow_redirects=False) as response:
        assert response.headers["Location"] == "/dashboard"


async def test_an_expired_link_is_refused(site):
    staff = await site.account(9100, "Lễ tân 1", STAFF)
    link = await site.login_link(staff, STAFF, lifetime=timedelta(seconds=-1))
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        async with http.get(link) as response:
            assert response.status == 410 and "hết hạn" in await response.text()
        async with http.post(link, headers={"Origin": site.url}, allow_redirects=False) as response:
            assert response.status == 410 and "set-cookie" not in response.headers
        async with http.post(site.url + "/desk/login/not-a-token", headers={"Origin": site.url}) as response:
            assert response.status == 404


async def test_everything_needs_a_session(site):
    endpoints = [("GET", "/desk/api/setup"), ("GET", "/desk/api/search?q=le"), ("POST", "/desk/api/scans"),
                 ("POST", "/desk/api/undo"), ("GET", "/dashboard/api/numbers"),
                 ("GET", "/dashboard/export/delegates.xlsx")]
    for cookie in ({}, {"delegate_desk": "forged-session-id"}):
        async with ClientSession(cookies=cookie, cookie_jar=CookieJar(unsafe=True)) as http:
            for method, path in endpoints:
                async with http.request(method, site.url + path, json={"scans": []},
                                        headers={"Origin": site.url}) as response:
                    assert response.status == 401, (method, path)
                    assert await response.json() == {"error": "login"}
            for path, command in (("/desk", "/desk"), ("/dashboard", "/dashboard")):
                async with http.get(site.url + path) as response:
                    page = await response.text()
                    assert response.status == 401 and command in page and "csrf-token\" content=\"\"" in page
                    assert "Lê" not in page and "desk.js" not in page and "dashboard.js" not in page


async def test_csrf_defence(site):
    staff = await site.account(9100, "Lễ tân 1", STAFF)
    desk = await site.client(staff)
    scan = {"id": "s1", "text": site.token(site.delegates[0])}
    try:
        assert (await desk.scans(scan, headers={"X-CSRF-Token": ""}))[0] == 403
        assert (await desk.scans(scan, headers={"X-CSRF-Token": "0" * 64}))[0] == 403
        # the right token from a page of another site
        assert (await desk.scans(scan, headers={"Origin": "https://evil.example"}))[0] == 403
        async with site.app.db.session() as session:
            assert (await session.scalars(select(CheckIn))).all() == []  # nothing was decided
        status, body = await desk.scans(scan)
        assert status == 200 and body["results"][0]["outcome"] == "checked_in"
        # a login link posted from another site is refused and stays usable
        link = await site.login_link(staff, STAFF)
        async with ClientSession() as http:
            async with http.post(link, headers={"Origin": "https://evil.example"}, allow_redirects=False) as response:
                assert response.status == 403
            async with http.post(link, headers={"Origin": site.url}, allow_redirects=False) as response:
                assert response.status == 303
    finally:
        await desk.close()


async def test_a_queued_scan_sent_twice_is_decided_once(site):
    staff = await site.account(9100, "Lễ tân 1", STAFF)
    other = await site.account(9101, "Lễ tân 2", STAFF)
    first, second = await site.client(staff), await site.client(other)
    lan, bich = site.delegates[:2]
    try:
        # the browser queued three scans while offline (10 minutes ago); the first answer was lost
        queued = [{"id": "a1", "text": site.deep_link(lan), "list": "conference", "age_ms": 600_000},
                  {"id": "a2", "delegate": bich.id, "list": "conference", "age_ms": 590_000},
                  {"id": "a3", "text": site.token(lan), "list": "conference", "age_ms": 580_000}]
        status, body = await first.scans(*queued)
        assert status == 200
        outcomes = [(r["scan"], r["outcome"]) for r in body["results"]]
        assert outcomes == [("a1", "checked_in"), ("a2", "checked_in"), ("a3", "already")]
        assert body["counts"]["conference"] == [2, 5]
        # the same queue again: the same answers, nothing new recorded
        status, again = await first.scans(*queued)
        assert [{k: v for k, v in r.items() if k != "replayed"} for r in again["results"]] == body["results"]
        assert all(r["replayed"] for r in again["results"])
        # another desk scanning the same delegate learns who was first, and when
        status, theirs = await second.scans({"id": "a1", "text": site.token(lan), "list": "conference"})
        [result] = theirs["results"]
        assert (result["outcome"], result["by"], result["time"]) == ("already", "Lễ tân 1", body["results"][0]["time"])
        async with site.app.db.session() as session:
            rows = (await session.scalars(select(CheckIn).order_by(CheckIn.id))).all()
            assert [(c.delegate_id, c.via) for c in rows] == [(lan.id, "desk"), (bich.id, "desk")]
            # recorded when scanned, not when the Wi-Fi came back
            assert timedelta(minutes=9) < utcnow() - rows[0].at < timedelta(minutes=11)
            log = (await session.scalars(select(CheckInLog).where(CheckInLog.delegate_id == lan.id))).all()
            assert len(log) == 1 and log[0].at == rows[0].at
        # a search pick of someone unknown, a forged code, text that is no code, a cancelled registration
        cancelled = site.delegates[4]
        async with site.app.db.session() as session:
            await reg.cancel(session, await session.get(Delegate, cancelled.id))
        forged = tickets.issue("not-the-secret", site.app.conference.id, lan.id, 1)
        status, body = await first.scans({"id": "b1", "delegate": 999999}, {"id": "b2", "text": forged},
                                         {"id": "b3", "text": "hello"}, {"id": "b4", "text": site.token(cancelled)})
        assert [(r["outcome"], r["reason"]) for r in body["results"]] == [
            ("refused", "unknown"), ("refused", "forged"), ("refused", "not_a_code"), ("refused", "cancelled")]
        assert body["results"][3]["name"] == "Võ Thị Hồng" and "province" not in body["results"][3]
        # undo the last check-in; undoing it twice says so
        checkin_id = next(r for r in again["results"] if r["scan"] == "a2")["checkin"]
        async with first.http.post(site.url + "/desk/api/undo", json={"checkin": checkin_id},
                                   headers={"X-CSRF-Token": first.csrf, **first.origin}) as response:
            assert (await response.json()) == {"undone": True, "name": "Trần Thị Bích", "list": "conference",
                                               "count": [1, 4]}  # one of five cancelled
        async with first.http.post(site.url + "/desk/api/undo", json={"checkin": checkin_id},
                                   headers={"X-CSRF-Token": first.csrf, **first.origin}) as response:
            assert (await response.json()) == {"undone": False}
    finally:
        await first.close()
        await second.close()


async def test_reception_sees_only_what_it_needs(site):
    staff = await site.account(9100, "<b>Desk</b> & 1", STAFF)
    desk = await site.client(staff)
    try:
        _, found = await desk.get("/desk/api/search?q=le%20van")
        [result] = found["results"]
        assert result["name"] == "Lê <Văn> & Co" and result["phone"] == "456"
        assert set(result) == {"id", "name", "province", "category", "phone", "checked_in"}
        _, found = await desk.get("/desk/api/search?q=0912345003")  # by phone, namesakes told apart
        assert [r["name"] for r in found["results"]] == ["Phạm Minh Đức"]
        _, body = await desk.scans({"id": "c1", "text": site.token(site.delegates[0])})
        shown = body["results"][0]
        assert set(shown) <= {"outcome", "reason", "list", "name", "province", "category", "lodging", "checkin",
                              "time", "by", "scan"}
        assert shown["province"] == {"vi": "Gia Lai", "en": "Gia Lai"} and shown["lodging"] is True
        async with desk.http.get(site.url + "/desk") as response:
            page = await response.text()
        assert "&lt;b&gt;Desk&lt;/b&gt; &amp; 1" in page and "<b>Desk</b>" not in page
        assert "0905" not in page and "ăn chay" not in page
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["Referrer-Policy"] == "same-origin"
        # the desk is not the dashboard
        assert (await desk.get("/dashboard/api/numbers"))[0] == 403
        async with desk.http.get(site.url + "/dashboard") as response:
            assert response.status == 403
    finally:
        await desk.close()


async def test_the_desk_page_search_needs_a_whole_phone_number_and_is_paced(site):
    """The page shows a result's three last digits: a part of a number must find nobody, or the whole
    number could be rebuilt one digit at a time. The chat desk and the page count against one pace."""
    staff = await site.account(9100, "Lễ tân 1", STAFF)
    desk = await site.client(staff)
    try:
        for query in ("0905", "0905%20123", "%2B84%20905%20123%2045", "123456"):
            status, found = await desk.get(f"/desk/api/search?q={query}")
            assert (status, found) == (200, {"results": [], "hint": "whole_phone"}), query
        for query in ("0905%20123%20456", "%2B84905123456", "84.905.123.456"):
            _, found = await desk.get(f"/desk/api/search?q={query}")
            assert [r["name"] for r in found["results"]] == ["Lê <Văn> & Co"], query
        site.app.dispatcher["search_pace"] = Pace(2, 60.0)
        assert [(await desk.get("/desk/api/search?q=tran"))[0] for _ in range(2)] == [200, 200]
        async with desk.http.get(site.url + "/desk/api/search?q=tran") as response:
            assert response.status == 429 and int(response.headers["Retry-After"]) > 0
            assert await response.json() == {"error": "too_fast", "retry_after": int(response.headers["Retry-After"])}
    finally:
        await desk.close()


async def test_the_access_log_shows_no_login_token_and_no_search(site, caplog):
    """A login link works for half an hour (an organizer's opens the exports) and a search is a name or a
    phone number: neither may stay in the server's log, which shows the path's shape instead."""
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    staff = await site.account(9100, "Lễ tân 1", STAFF)
    link = await site.login_link(staff, STAFF)
    token = link.rsplit("/", 1)[1]
    desk = Desk(site, ClientSession(cookie_jar=CookieJar(unsafe=True)))
    try:
        async with desk.http.get(link) as response:
            assert response.status == 200
        async with desk.http.get(site.url + "/desk/static/login.js", headers={"Referer": link}) as response:
            assert response.status == 200
        await desk.login(link)
        for query in ("0905123456", "tr%E1%BA%A7n%20th%E1%BB%8B", "Tr%E1%BA%A7n", "nguyen"):
            assert (await desk.get(f"/desk/api/search?q={query}&list=conference"))[0] == 200
    finally:
        await desk.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    logged = "\n".join(lines)
    for secret in (token, "0905123456", "905123456", "tr%E1%BA%A7n", "trần", "Tr%E1%BA%A7n", "Trần", "nguyen"):
        assert secret not in logged, secret
    assert "GET /desk/login/… HTTP" in logged and "POST /desk/login/… HTTP" in logged
    assert logged.count("GET /desk/api/search?q=…&list=conference HTTP") == 4
    assert '"http://127.0.0.1:' in logged and '/desk/login/…"' in logged  # the Referer, redacted


def test_our_own_log_lines_show_no_link_code_or_search():
    """Whatever one of our lines carries (an error that quotes a URL, a link): the same redaction."""
    ticket = tickets.issue("s3cret", "dalat-2023", 42, 1)
    message = ("sendPhoto failed (bad url https://bot.example/zalo/qr/%s.vi.1700000000.AbCdEfGhIjKlMnOpQrStUv.png); "
               "login https://bot.example/desk/login/Zx9_secret-token; https://t.me/bot?start=%s; "
               "GET /desk/api/search?list=conference&q=0905%%20123; code %s")
    record = logging.LogRecord("bot.x", logging.WARNING, __file__, 1, message, (ticket, "inv_Abc123", ticket), None)
    assert logs.Redact([]).filter(record)
    assert record.getMessage() == ("sendPhoto failed (bad url https://bot.example/zalo/qr/…); login "
                                   "https://bot.example/desk/login/…; https://t.me/bot?start=…; "
                                   "GET /desk/api/search?list=conference&q=…; code [code]")


async def test_a_session_whose_account_lost_the_role_is_refused(site):
    staff = await site.account(9100, "Lễ tân 1", STAFF)
    desk = await site.client(staff)
    try:
        assert (await desk.get("/desk/api/setup"))[0] == 200
        async with site.app.db.session() as session:
            assert await remove_role(session, await session.get(Account, staff.id), STAFF)
        assert await desk.get("/desk/api/setup") == (401, {"error": "role"})
        assert (await desk.scans({"id": "x", "text": site.token(site.delegates[0])}))[0] == 401
        async with site.app.db.session() as session:
            assert (await session.scalars(select(WebSession))).all() == []  # the session is gone for good
        # and a link made before the role was removed no longer opens a session
        async with site.app.db.session() as session:
            account = await session.get(Account, staff.id)
        link = await site.login_link(account, STAFF)
        async with ClientSession() as http, \
                http.post(link, headers={"Origin": site.url}, allow_redirects=False) as response:
            assert response.status == 403
    finally:
        await desk.close()


async def test_dashboard_numbers_and_lists(site):
    organizer = await site.account(9001, "Ban Tổ chức", ORGANIZER)
    board = await site.client(organizer, ORGANIZER)
    staff = await site.client(await site.account(9100, "Lễ tân 1", STAFF))
    try:
        await staff.scans({"id": "d1", "text": site.token(site.delegates[0]), "list": "conference"},
                          {"id": "d2", "text": site.token(site.delegates[1]), "list": "conference"})
        status, numbers = await board.get("/dashboard/api/numbers?list=conference")
        assert status == 200 and numbers["totals"] == {"name": None, "registered": 5, "expected": 5, "arrived": 2}
        provinces = {r["name"]["vi"]: (r["registered"], r["expected"], r["arrived"]) for r in numbers["provinces"]}
        assert provinces["Gia Lai"] == (1, 1, 1) and provinces["Lâm Đồng"] == (1, 1, 0)
        assert provinces["Kon Tum"] == (0, 0, 0)  # a province that has not registered anyone is still listed
        assert sum(b["n"] for b in numbers["arrivals"]) == 2
        assert [c["name"] for c in numbers["latest"]] == ["Trần Thị Bích", "Lê <Văn> & Co"]
        assert numbers["latest"][0]["by"] == "Lễ tân 1"
        # an organizer's session opens the desk too
        assert (await board.get("/desk/api/setup"))[0] == 200
        for name, kind in (("delegates.xlsx", "spreadsheetml"), ("delegates.csv", "text/csv"),
                           ("checkins.xlsx", "spreadsheetml"), ("rooms.xlsx", "spreadsheetml")):
            async with board.http.get(f"{site.url}/dashboard/export/{name}?lang=en") as response:
                body = await response.read()
                assert response.status == 200 and kind in response.headers["Content-Type"], name
                assert name in response.headers["Content-Disposition"]
                assert body[:2] == b"PK" if name.endswith("xlsx") else "Lê <Văn> & Co" in body.decode("utf-8-sig")
        async with board.http.get(f"{site.url}/dashboard/export/secrets.txt") as response:
            assert response.status == 404
        async with staff.http.get(f"{site.url}/dashboard/export/delegates.csv") as response:
            assert response.status == 403
    finally:
        await board.close()
        await staff.close()


def test_the_pages_have_every_text_in_both_languages():
    import re
    from pathlib import Path

    from bot.web import texts

    web = Path(texts.__file__).parent
    used = set()
    for source in [*web.glob("*.py"), *(web / "static").glob("*.js")]:
        if source.name != "jsQR.js":
            used |= set(re.findall(r"""\bt\(\s*["']([a-z_]*[a-z])["']""", source.read_text(encoding="utf-8")))
    used |= {f"reason_{r}" for r in ("not_a_code", "forged", "unknown", "replaced", "cancelled")}
    used |= {f"status_{s}" for s in ("running", "done", "cancelled")} | {f"login_{r}" for r in
                                                                         ("unknown", "used", "expired", "role")}
    assert set(texts.TEXTS["vi"]) == set(texts.TEXTS["en"])
    assert used - set(texts.TEXTS["vi"]) == set()


async def test_a_cancelled_delegate_drops_out_of_every_count_alike(site, fake):
    """After a delegate who was checked in cancels, the chat desk's count line, /stats, the desk page's
    header and the dashboard show the same number of arrivals."""
    organizer = await site.account(9001, "Ban Tổ chức", ORGANIZER)
    await site.account(9001, "Ban Tổ chức", STAFF)
    board = await site.client(organizer, ORGANIZER)
    lan, bich = site.delegates[:2]
    try:
        status, body = await board.scans({"id": "c1", "text": site.token(lan), "list": "conference"},
                                         {"id": "c2", "text": site.token(bich), "list": "conference"})
        assert [r["outcome"] for r in body["results"]] == ["checked_in", "checked_in"]
        async with site.app.db.session() as session:
            await reg.cancel(session, await session.get(Delegate, bich.id))
        chat = fake.user(9001, first_name="Ban Tổ chức", language_code="en", started=True)
        await chat.send("/checkin")
        desk_line = re.search(r"\((\d+) checked in\)", (await until_text(chat, "checked in)")).text)
        await chat.send("/stats")
        stats = (await until_text(chat, "Registered and checked in")).text
        parts = [re.search(r": (\d+)/(\d+)$", line) for line in stats.splitlines()[1:] if line and line[0] != " "]
        conference = [s.code for s in site.app.conference.parts].index("conference")
        page = (await board.get("/desk/api/setup"))[1]["counts"]["conference"]
        dashboard = (await board.get("/dashboard/api/numbers?list=conference"))[1]
        seen = {"chat desk": int(desk_line.group(1)), "/stats": int(parts[conference].group(1)),
                "desk page": page[0], "dashboard": dashboard["totals"]["arrived"],
                "dashboard by province": sum(r["arrived"] for r in dashboard["provinces"])}
        assert seen == dict.fromkeys(seen, 1), seen
        assert int(parts[conference].group(2)) == page[1] == dashboard["totals"]["expected"] == 4
    finally:
        await board.close()
