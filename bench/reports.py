"""How long the province reports' ZIP and the final report take, and how long they hold the event loop.

    .venv/bin/python -m bench.reports [--delegates 500] [--report-mb 10]

On SQLite: `--delegates` registrations spread over the provinces (each attending every part, half checked in
at the conference), and a report of `--report-mb` MB from each of the ten provinces. Prints the wall time of
each build and the longest stall of the event loop while it ran (a ticker every 10 ms)."""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

from bot.event import load_event
from bot.services import checkin, final_report, province_reports
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import Database
from testkit.paths import EVENT_FILE
from testkit.records import draft


async def _seat(db, conference, delegates: int, report_mb: int) -> None:
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="1", chat_id="1", display_name="x")
        codes = [p.code for p in conference.provinces if p.code != "central"]
        for n in range(delegates):
            province = codes[n % len(codes)]
            delegate = await reg.register(session, conference, draft(
                full_name=f"Đại biểu {n}", province=province, category=conference.categories_for(province)[0].code,
                phone=f"+8490{n:07d}", parts=[p.code for p in conference.parts]), registrant=staff, for_self=False)
            if n % 2 == 0:
                await checkin.check_in(session, delegate, "conference", staff, "search")
        for code in conference.province_reports.provinces:
            content = b"%PDF-1.7\n" + os.urandom(report_mb * 1024 * 1024)
            await province_reports.store(session, conference, code, content, f"{code}.pdf", staff, "web")


async def _measured(name: str, build) -> None:
    stalls, running = [0.0], True

    async def ticker() -> None:
        while running:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            stalls[0] = max(stalls[0], time.perf_counter() - before - 0.01)

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    size = len(await build())
    took = time.perf_counter() - started
    running = False
    await task
    print(f"{name}: {took * 1000:,.0f} ms, {size / 1024:,.0f} kB, longest event-loop stall {stalls[0] * 1000:,.0f} ms")


async def main(delegates: int, report_mb: int) -> None:
    conference = load_event(EVENT_FILE)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{folder}/bench.sqlite3")
        await db.migrate()
        await _seat(db, conference, delegates, report_mb)
        async with db.session() as session:
            async def zipped() -> bytes:
                standings = await province_reports.standing(session, conference)
                newest = await province_reports.newest_reports(session, conference)
                index = province_reports.index_text(conference, standings, "vi")
                return await asyncio.to_thread(province_reports.archive, conference, newest, index, "vi")

            await _measured("reports.zip", zipped)
            await _measured("final report DOCX", lambda: final_report.final_docx(session, conference, "vi"))
            await _measured("final report XLSX", lambda: final_report.final_xlsx(session, conference, "vi"))
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=500)
    parser.add_argument("--report-mb", type=int, default=10)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.delegates, arguments.report_mb))
