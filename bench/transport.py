"""Transport planning: how long /transport's plan, its confirmation and the manifest take for many delegates.

    .venv/bin/python -m bench.transport [--delegates 300 1000]

Delegates written straight to a fresh SQLite database: two in three by air, landing every few minutes over
26/7 from 06:00, one in two attending the field visit. Times the plan from the registrations (`propose`), the
seats written (`apply`, committed, first time: everyone told), the same plan again (nobody told), the manifest
(XLSX), and the pure rules alone on 10,000 arrivals. Prints a markdown table for bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path

from bot.event import load_event
from bot.services import transport, transport_plan
from bot.services.transport_sheets import manifest
from models import Database, Delegate, DelegatePart
from testkit.paths import EVENT_FILE


def delegate(conference, n: int) -> Delegate:
    lands = datetime(2023, 7, 26, 6, 0) + timedelta(minutes=7 * n % (14 * 60))
    parts = ["reception", "conference"] + (["exchange"] if n % 2 else [])
    return Delegate(event_id=conference.id, full_name=f"Đại biểu {n}", position="Chuyên viên", organization="UBND",
                    province=conference.provinces[n % len(conference.provinces)].code, category="ubnd_office",
                    phone=f"+8490{n:07d}", arrival_date=date(2023, 7, 26), arrival_time=clock(lands.hour, lands.minute),
                    travel_mode="air" if n % 3 else "road", parts=[DelegatePart(part_code=p) for p in parts])


async def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = await work
    return time.perf_counter() - start, result


async def one(conference, count: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await db.migrate()
        async with db.session() as session:
            session.add_all([delegate(conference, n) for n in range(count)])
            await session.commit()
            propose, plan = await timed(transport.propose(session, conference))
            first, told = await timed(transport.apply(session, conference, plan))
            await transport.mark_told(session, told)
            await session.commit()
            again, told_again = await timed(transport.apply(session, conference, await transport.propose(session, conference)))
            sheet, body = await timed(manifest(session, conference))
        await db.close()
    return (f"| {count:,} | {len(plan.seats)} | {len(plan.unseated)} | {propose * 1000:.0f} | {first * 1000:.0f} "
            f"({len(told)} told) | {again * 1000:.0f} ({len(told_again)} told) | {sheet * 1000:.0f} ({len(body) // 1024} kB) |")


def rules_alone(conference, count: int) -> float:
    ict = timezone(timedelta(hours=7))
    travellers = [transport_plan.Traveller(n, "p", f"P{n}", datetime(2023, 7, 26, 6, tzinfo=ict)
                                           + timedelta(seconds=37 * n)) for n in range(count)]
    start = time.perf_counter()
    transport_plan.plan_pickups(conference.transport, conference.transport.pickups, travellers)
    return time.perf_counter() - start


async def main(counts: list[int]) -> None:
    conference = load_event(EVENT_FILE)
    print("| delegates | seats | without a seat | plan ms | confirm ms | again ms | manifest ms |\n"
          "|---|---|---|---|---|---|---|")
    for count in counts:
        print(await one(conference, count))
    print(f"\nthe rules alone, 10,000 arrivals: {rules_alone(conference, 10_000) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, nargs="+", default=[300, 1000])
    asyncio.run(main(parser.parse_args().delegates))
