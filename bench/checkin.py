"""Check-in speed: reading a code from a phone photo, and check-in decisions per second.

    .venv/bin/python -m bench.checkin [--delegates 2000] [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]

1. Photo decode: the badge PNG turned and scaled onto a grey 1 MP (1280×800) and 3 MP
   (2000×1500) JPEG, as a phone photographs a screen; zxing-cpp reads it (bot.services.badge).
2. Decisions: `checkin.scan` (verify the signed token, load the delegate, insert the check-in,
   log, commit) for every delegate once, then again (all "already"), on SQLite and PostgreSQL;
   one at a time (the server time a deep-link scan costs) and eight desks at once.
Results go to bench/out/checkin.json. Destroys the PostgreSQL database's public schema.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.event import load_event
from bot.services import badge, checkin, tickets
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import Database
from testkit.database import reset_database
from testkit.photos import phone_photo
from testkit.records import draft

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench"


def decode_times(runs: int = 30) -> dict:
    url = "https://t.me/dalat_delegate_bot?start=" + tickets.issue(SECRET, "dalat-2023", 1234, 1)
    png = badge.render(url, ["Nguyễn Thị Hồng Hạnh", "Lâm Đồng", "Thường trực HĐND tỉnh"])
    result = {}
    for name, size, angle in (("1 MP", (1280, 800), 12), ("3 MP", (2000, 1500), -20)):
        photo = phone_photo(png, angle, *size)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            assert badge.read_codes(photo) == [url]
            times.append((time.perf_counter() - started) * 1000)
        result[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                        "jpeg_kb": len(photo) // 1024}
    started = time.perf_counter()
    for _ in range(runs):
        badge.render(url, ["Nguyễn Thị Hồng Hạnh", "Lâm Đồng", "Thường trực HĐND tỉnh"])
    result["render badge"] = {"median_ms": round((time.perf_counter() - started) * 1000 / runs, 1)}
    return result


async def decisions(url: str, delegates: int) -> dict:
    await reset_database(url)
    db = Database(url)
    await db.migrate()
    conference = load_event(ROOT / "events" / "dalat-2023.yaml")
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="1", chat_id="1", display_name="Desk")
        ids = []
        for n in range(delegates):
            d = await reg.register(session, conference, draft(full_name=f"Đại biểu {n}", phone=f"+8490{n:07d}"),
                                   registrant=staff, for_self=False)
            ids.append(d.id)
    codes = [tickets.issue(SECRET, conference.id, i, 1) for i in ids]

    async def one(code: str, part_code: str) -> float:
        started = time.perf_counter()
        async with db.session() as session:
            desk = await session.get(checkin.Account, staff.id)
            await checkin.scan(session, conference, SECRET, code, part_code, desk, "link")
        return (time.perf_counter() - started) * 1000

    result = {}
    for label, part_code, parallel in (("first scans, one desk", "reception", 1),
                                       ("repeat scans (already), one desk", "reception", 1),
                                       ("first scans, 8 desks at once", "conference", 8)):
        started = time.perf_counter()
        latencies: list[float] = []
        for chunk in range(0, len(codes), parallel):
            latencies += await asyncio.gather(*(one(c, part_code) for c in codes[chunk:chunk + parallel]))
        elapsed = time.perf_counter() - started
        latencies.sort()
        result[label] = {"per_second": round(len(codes) / elapsed), "p50_ms": round(latencies[len(latencies) // 2], 2),
                         "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2)}
    await db.close()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    results = {"photo": decode_times()}
    print(json.dumps(results["photo"]))
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = await decisions(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", args.delegates)
    print(json.dumps(results["sqlite"]))
    if args.postgres:
        results["postgresql"] = await decisions(args.postgres, args.delegates)
        print(json.dumps(results["postgresql"]))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "checkin.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
