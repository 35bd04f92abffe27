"""Reminders at scale: planning 2,000 delegates × 3 parts × 2 offsets, and one wave to 2,000 people.

    .venv/bin/python -m bench.reminders [--delegates 2000] [--database sqlite|postgresql]

1. Planning: `reminders.plan` over the whole event (what every wake-up computes), on a database
   holding 2,000 delegates who each attend the 3 parts, with 2 offsets: 12,000 reminders.
2. Fan-out: one wave (the 60-minutes-before reminder of one part) to 2,000 recipients through the
   fake Bot API server enforcing Telegram's limits (30 messages/s overall, 1/s per chat), with the
   bot's own sender paced at 30/s. The physical floor is 2,000 / 30 = 66.7 s.
Results go to bench/out/reminders.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.verdict import conclude
from bot.app import build
from bot.config import Settings
from bot.event import Reminder
from bot.services import agenda, reminders
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from testkit.database import reset_database
from testkit.fakebot import FakeTelegram
from testkit.records import draft

ROOT = Path(__file__).resolve().parent.parent


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    fake = FakeTelegram()
    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = (f"sqlite+aiosqlite:///{tmp}/bench.sqlite3" if args.database == "sqlite"
               else "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
        await reset_database(url)
        settings = Settings(_env_file=None, telegram_bot_token=fake.token, telegram_api_url=fake.base_url,
                            database_url=url, secret_key="bench", send_rate_per_second=30)
        app = build(settings)
        await app.db.migrate()
        conference = app.conference
        now = datetime.now(timezone.utc)
        async with app.db.session() as session:
            # the reception starts in 60 minutes and 2 seconds: its 60-minutes-before wave is due now
            reception_start = now + timedelta(minutes=60, seconds=2)
            await agenda.change(session, conference, "reception", None, starts_at=reception_start)
            for code, days in (("exchange", 1), ("conference", 2)):
                await agenda.change(session, conference, code, None, starts_at=now + timedelta(days=days))
            for n in range(args.delegates):
                uid = str(500000 + n)
                fake.user(int(uid), first_name=f"D{n}", language_code="vi", started=True)
                account = await get_or_create_account(session, channel="telegram", user_id=uid, chat_id=uid,
                                                      display_name=f"D{n}")
                await reg.register(session, conference, draft(full_name=f"Đại biểu {n}", phone=f"+8491{n:07d}",
                                                              parts=["reception", "exchange", "conference"]),
                                   registrant=account, for_self=True)
        async with app.db.session() as session:
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                planned = await reminders.plan(session, conference)
                timings.append(time.perf_counter() - started)
        result = {"delegates": args.delegates, "database": args.database, "planned_reminders": len(planned),
                  "plan_seconds_median": round(sorted(timings)[2], 3)}
        print(json.dumps(result))
        # the wave: only the 60-minutes-before reminder (the evening-before one of a part starting in an hour
        # would be due too, late, and double the wave)
        app.reminders.conference = conference.model_copy(update={"reminders": (Reminder(minutes_before=60),)})
        wave_due = reception_start - timedelta(minutes=60)
        await asyncio.sleep(max(0.0, (wave_due - datetime.now(timezone.utc)).total_seconds()))
        started = time.perf_counter()
        await app.reminders.wave()
        elapsed = time.perf_counter() - started
        floor = app.reminders.sent / 30
        result.update({
            "wave_recipients": app.reminders.sent, "wave_seconds": round(elapsed, 1),
            "floor_seconds": round(floor, 1), "over_floor": f"{(elapsed / floor - 1) * 100:.1f}%",
            "answers_429": fake.stats["429"], "sender_retries_after_429": app.sender.stats["429"],
            "lost_replies": args.delegates - app.reminders.sent,
            "rejected": len(fake.rejected), "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        })
        print(json.dumps(result))
        app.reminders.shutdown()
        await app.bot.session.close()
        await app.db.close()
    await fake.stop()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"reminders-{args.database}.json").write_text(json.dumps(result, indent=2))
    conclude([result])


if __name__ == "__main__":
    asyncio.run(main())
