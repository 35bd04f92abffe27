"""The bot's memory with 5,000 delegates.

    .venv/bin/python -m bench.memory [--delegates 5000] [--at-once 200]

The bot runs in its own process (`python -m bot`, SQLite, as bench/registration.py runs it) against the fake
Bot API server. Its resident memory (RSS, from /proc) is read:
  1. started on an empty database (the bot itself: code, the event, the routers);
  2. started on a database holding the delegates, each registered from their own Telegram account;
  3. after serving them: every delegate presses /start and gets their menu (`--at-once` at a time); and the
     highest RSS the process reached (VmHWM).
Results: bench/out/memory.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from bench.registration import ROOT, start_process, wait_ready
from bot.event import load_event
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import Database
from testkit.fakebot import FakeTelegram
from testkit.records import draft

FIRST_ID = 200_000


def memory_of(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


async def seed(path: Path, delegates: int) -> float:
    """`delegates` delegates, each registered by their own account; seconds it took."""
    started = time.monotonic()
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    conference = load_event(ROOT / "events" / "dalat-2023.yaml")
    async with db.session() as session:
        for n in range(delegates):
            user = str(FIRST_ID + n)
            account = await get_or_create_account(session, channel="telegram", user_id=user, chat_id=user,
                                                  display_name=f"Delegate {n}")
            await reg.register(session, conference, draft(full_name=f"Đại biểu {n}", phone=f"+8490{n:07d}"),
                               registrant=account, for_self=True)
    await db.close()
    return time.monotonic() - started


async def settle(pid: int, seconds: float = 3.0) -> dict[str, float]:
    await asyncio.sleep(seconds)  # the start's own work (reminders planned, the first replan) done
    return memory_of(pid)


async def serve(fake: FakeTelegram, delegates: int, at_once: int) -> int:
    """Each delegate presses /start and gets their menu (with their registration); how many got no answer."""
    gate = asyncio.Semaphore(at_once)

    async def one(n: int) -> int:
        async with gate:
            user = fake.user(FIRST_ID + n, first_name=f"Delegate {n}", language_code="en")
            try:
                await user.send("/start")
                await user.next_message(120)
                return 0
            except TimeoutError:
                return 1

    return sum(await asyncio.gather(*(one(n) for n in range(delegates))))


async def measure(delegates: int, at_once: int) -> dict:
    fake = FakeTelegram()
    await fake.start()
    result: dict = {"delegates": delegates}
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        process = start_process(["-m", "bot"], fake, Path(empty), "0")
        try:
            await wait_ready(fake)
            result["empty database"] = await settle(process.pid)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 30)
        result["seed_seconds"] = round(await seed(Path(full) / "bench.sqlite3", delegates), 1)
        fake.calls.clear()
        process = start_process(["-m", "bot"], fake, Path(full), "0")
        try:
            await wait_ready(fake)
            result[f"{delegates} delegates, started"] = await settle(process.pid)
            started = time.monotonic()
            result["unanswered"] = await serve(fake, delegates, at_once)
            result["serve_seconds"] = round(time.monotonic() - started, 1)
            result[f"{delegates} delegates, served"] = await settle(process.pid)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 30)
    await fake.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--at-once", type=int, default=200)
    args = parser.parse_args()
    result = asyncio.run(measure(args.delegates, args.at_once))
    print(json.dumps(result, ensure_ascii=False))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "memory.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
