"""Screenshots of the reception desk page and the organizers' dashboard, with realistic data.

    .venv/bin/python docs/make_screenshots.py

Runs the real bot against the fake Telegram server (testkit/fakebot) on a throw-away SQLite database,
seats delegates of several provinces, checks most of them in over the morning of 28/7, adds two
broadcasts, then drives Debian's Chromium (Playwright) to docs/desk.png and docs/dashboard.png.
"""
from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, update

from bot.app import start_web
from bot.config import Settings
from bot.services import checkin, tickets
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from bot.web import auth
from models import Account, AccountRole, Broadcast, CheckIn, CheckInLog, OutboxMessage
from models.account import ORGANIZER, STAFF
from models.outbox import BLOCKED, DONE, PENDING, RUNNING, SENT
from testkit.fakebot import FakeTelegram
from testkit.harness import RunningBot

CHROMIUM = "/usr/bin/chromium"
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Huỳnh", "Phan", "Ngô"]
MIDDLES = ["Văn", "Thị", "Minh", "Quốc", "Thanh", "Hữu", "Ngọc", "Đức"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hòa", "Hùng", "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc",
         "Quang", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vy", "Yến"]
# delegates per province (the host brings more), as a mid-year review usually looks
SEATS = {"lam_dong": 9, "binh_dinh": 6, "gia_lai": 5, "dak_lak": 5, "khanh_hoa": 4, "quang_nam": 4,
         "quang_ngai": 3, "phu_yen": 3, "kon_tum": 3, "dak_nong": 2, "central": 4}


async def seed(app) -> tuple[list, Account, Account]:
    rnd = random.Random(2023)
    conference = app.conference
    async with app.db.session() as session:
        desk1 = await get_or_create_account(session, channel="telegram", user_id="9100", chat_id="9100",
                                            display_name="Nguyễn Thị Mai")
        desk2 = await get_or_create_account(session, channel="telegram", user_id="9101", chat_id="9101",
                                            display_name="Trần Quốc Huy")
        for desk in (desk1, desk2):
            desk.roles.append(AccountRole(account_id=desk.id, role=STAFF))
        organizer = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001",
                                                display_name="Văn phòng Cụm")
        organizer.roles.append(AccountRole(account_id=organizer.id, role=ORGANIZER))
        await session.commit()
        delegates, n = [], 0
        for province, count in SEATS.items():
            allowed = conference.province(province).categories
            for _ in range(count):
                n += 1
                name = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLES)} {rnd.choice(GIVEN)}"
                own = await get_or_create_account(session, channel="telegram", user_id=str(20000 + n),
                                                  chat_id=str(20000 + n), display_name=name)
                draft = reg.Draft(province=province, category=rnd.choice(allowed[:4]), full_name=name,
                                  position="Phó Chủ tịch" if n % 5 == 0 else "Chuyên viên",
                                  organization=f"UBND tỉnh {conference.province(province).name.vi}",
                                  phone=f"+849{rnd.randrange(10**7, 10**8)}",
                                  parts=["reception", "conference"] + (["exchange"] if n % 3 else []),
                                  arrival_date="2023-07-26", arrival_time="14:00", travel_mode="air",
                                  needs_lodging=province != "lam_dong", note="")
                delegates.append(await reg.register(session, conference, draft, registrant=own, for_self=True))
        # the morning of 28/7: most have arrived, between 07:10 and 08:05
        start = datetime(2023, 7, 28, 7, 10, tzinfo=conference.tz)
        arrived = rnd.sample(delegates, 31)
        for i, delegate in enumerate(sorted(arrived, key=lambda d: rnd.random())):
            at = start + timedelta(minutes=55 * (i / len(arrived)) ** 0.8 + rnd.random())
            decision = await checkin.check_in(session, delegate, "conference", desk1 if i % 3 else desk2, "desk")
            await session.execute(update(CheckInLog).where(CheckInLog.delegate_id == delegate.id)
                                  .values(at=at))
            await session.execute(update(CheckIn).where(CheckIn.id == decision.checkin.id).values(at=at))
        await session.commit()
        # two broadcasts: the welcome (done) and the shuttle reminder to those not yet arrived (running)
        accounts = [d.account_id for d in delegates]
        for audience, status, sent, pending, blocked in (("all", DONE, 44, 0, 2), ("absent_today", RUNNING, 6, 8, 0)):
            broadcast = Broadcast(event_id=conference.id, audience=audience, text_vi="…", status=status,
                                  created_by_id=organizer.id,
                                  created_at=datetime(2023, 7, 28, 6, 30 if status == DONE else 7, 55,
                                                      tzinfo=conference.tz))
            session.add(broadcast)
            await session.flush()
            rows = [SENT] * sent + [PENDING] * pending + [BLOCKED] * blocked
            await session.execute(insert(OutboxMessage), [
                {"broadcast_id": broadcast.id, "account_id": a, "names": "", "status": s, "attempts": 1, "error": ""}
                for a, s in zip(accounts, rows)])
        await session.commit()
        return delegates, desk1, organizer


async def main() -> None:
    from playwright.async_api import async_playwright

    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    fake = FakeTelegram()
    await fake.start()
    settings = Settings(_env_file=None, telegram_bot_token=fake.token, telegram_api_url=fake.base_url,
                        database_url=f"sqlite+aiosqlite:///{work / 'bot.sqlite3'}", secret_key="screenshots",
                        event_file=ROOT / "events" / "dalat-2023.yaml", send_rate_per_second=0,
                        web_host="127.0.0.1", web_port=0)
    bot = RunningBot(settings)
    app = await bot.start()
    runner = await start_web(app)
    settings.web_port = runner.addresses[0][1]
    try:
        delegates, desk1, organizer = await seed(app)
        async with app.db.session() as session:
            desk_link = auth.login_url(settings, await auth.create_login(session, desk1, STAFF))
            board_link = auth.login_url(settings, await auth.create_login(session, organizer, ORGANIZER))
        arrived = {c for c in await _arrived(app)}
        waiting = [d for d in delegates if d.id not in arrived]

        def code(d):
            return tickets.issue(settings.secret_key, app.conference.id, d.id, d.ticket_version)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
            # the dashboard first: the desk's scans below happen today, not on the morning of 28/7/2023
            page = await (await browser.new_context(viewport={"width": 1440, "height": 1000},
                                                    locale="vi-VN")).new_page()
            await page.goto(board_link)
            await page.wait_for_selector("#provinces tbody tr")
            await page.wait_for_timeout(500)
            await page.screenshot(path=str(ROOT / "docs" / "dashboard.png"), full_page=True)
            page = await (await browser.new_context(viewport={"width": 1440, "height": 900},
                                                    locale="vi-VN")).new_page()
            await page.goto(desk_link)
            await page.wait_for_selector("body[data-ready]")
            scans = ((code(waiting[0]), "checked_in"), (code(_by_id(delegates, arrived)[0]), "already"),
                     (tickets.issue("old-key", app.conference.id, 1, 1), "refused"),
                     (f"https://t.me/dalat_delegate_bot?start={code(waiting[1])}", "checked_in"))
            for text, outcome in scans:
                await page.fill("#scanner", text)
                await page.press("#scanner", "Enter")
                await page.wait_for_selector(f"#result[data-outcome={outcome}]")
            await page.fill("#search", "nguyen")
            await page.wait_for_selector("#results button.pick")
            await page.screenshot(path=str(ROOT / "docs" / "desk.png"))
            await browser.close()
        print("docs/desk.png and docs/dashboard.png written")
    finally:
        await runner.cleanup()
        await bot.stop()
        await fake.stop()


def _by_id(delegates, ids):
    return [d for d in delegates if d.id in ids]


async def _arrived(app) -> list[int]:
    from sqlalchemy import select

    async with app.db.session() as session:
        return list(await session.scalars(select(CheckIn.delegate_id).where(CheckIn.part_code == "conference")))


if __name__ == "__main__":
    asyncio.run(main())
