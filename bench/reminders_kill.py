"""A reminder wave killed mid-way (`python -m bench.reminders --kill`): how many reminders arrive, and how many twice.

Each round: a fresh SQLite database, `delegates` delegates attending the reception, whose reminder (one minute
before) falls due a few seconds after the bot process starts. After k reminders have arrived the fake Bot API
holds every send (a stalled network: nothing more reaches Telegram), the process is SIGKILLed with the sends in
flight, and started again; then we wait for the wave to finish and count.
"""
from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from bot.event import load_event
from models import Database
from testkit.crowd import seat
from testkit.database import reset_database
from testkit.fakebot import FakeTelegram
from testkit.fakebot.errors import ApiError
from testkit.harness import BotProcess
from testkit.paths import EVENT_FILE

ROOT = Path(__file__).resolve().parent.parent
DUE_IN = 12  # seconds from the start of a round to the wave (the bot process starts in 2-5 s)


def soon_event(folder: Path) -> Path:
    """The seed event with the reception starting DUE_IN s + 1 minute from now; one reminder, a minute before."""
    data = yaml.safe_load(EVENT_FILE.read_text(encoding="utf-8"))
    now = datetime.now(timezone.utc)
    offsets = {"reception": DUE_IN + 60, "exchange": 6 * 3600, "conference": 7 * 3600}
    ict = timezone(timedelta(hours=7))
    for s in data["sessions"]:
        start = now + timedelta(seconds=offsets[s["code"]])
        s["starts_at"] = start.astimezone(ict).isoformat(timespec="seconds")
        s["ends_at"] = (start + timedelta(hours=2)).astimezone(ict).isoformat(timespec="seconds")
    data["reminders"] = [{"minutes_before": 1}]
    path = folder / "soon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def one_round(delegates: int, kill_after: int) -> dict:
    fake = FakeTelegram()
    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/kill.sqlite3"
        await reset_database(url)
        db = Database(url)
        await db.migrate()
        event = soon_event(Path(tmp))
        users = await seat(db, fake, load_event(event), delegates)
        held, killed = asyncio.Event(), asyncio.Event()

        def arrived() -> list[int]:
            return [sum("🔔" in m.text for m in u.inbox) for u in users]

        async def before_send(method: str, params: dict) -> None:
            if killed.is_set() or "🔔" not in str(params.get("text", "")):
                return
            if held.is_set() or sum(arrived()) >= kill_after:
                held.set()
                await killed.wait()
                raise ApiError(502, "Bad Gateway")

        fake.before_send = before_send
        bot = BotProcess(fake, url, Path(tmp), rate=28)
        bot.env["EVENT_FILE"] = str(event)
        try:
            await bot.start()
            await asyncio.wait_for(held.wait(), DUE_IN + 60)
            await asyncio.sleep(0.5)  # the sends the bot had in hand reach the stalled network
            at_kill = sum(arrived())
            bot.kill()
            killed.set()
            await bot.start()
            deadline = time.monotonic() + 20
            while not all(arrived()) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # a repeat, if any, has time to show
            log = (Path(tmp) / f"{bot.name}-2.log").read_text()
        finally:
            bot.stop()
            await db.close()
            await fake.stop()
    counts = arrived()
    return {"delegates": delegates, "kill_after": kill_after, "arrived_at_kill": at_kill,
            "delivered": sum(1 for c in counts if c), "twice": sum(1 for c in counts if c > 1),
            "lost_replies": sum(1 for c in counts if c == 0), "rejected": len(fake.rejected),
            "interrupted_logged": "were interrupted" in log}


async def killed_waves(delegates: int, rounds: int) -> list[dict]:
    results = []
    for n in range(rounds):
        kill_after = round(n * (delegates - 1) / max(1, rounds - 1))
        result = await one_round(delegates, kill_after)
        print(json.dumps(result), flush=True)
        results.append(result)
    total = {"rounds": rounds, "reminders": delegates * rounds, "delivered": sum(r["delivered"] for r in results),
             "twice": sum(r["twice"] for r in results)}
    print(json.dumps(total))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "reminders-kill.json").write_text(json.dumps({"total": total, "rounds": results}, indent=2))
    return results
