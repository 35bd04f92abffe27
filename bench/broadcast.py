"""A broadcast to 5,000 recipients through the fake Bot API server with Telegram's limits on.

    .venv/bin/python -m bench.broadcast [--recipients 5000] [--rate 30]

The bot runs in its own process (`python -m bot`, SQLite) with its default pacing (SEND_RATE_PER_SECOND,
30); the fake server allows 30 messages a second overall and 1 a second per chat, answering 429 with
retry_after beyond that. The recipients are written straight to the database, the broadcast is created
through the outbox service, and the bot sends it when it starts. Reported: the sustained rate from the
first delivery to the last as a ratio of Telegram's 30 a second (aim >= 0.95), the 429 answers as a
share of sends (aim < 1 %), and the bot process's peak memory. Results go to bench/out/broadcast.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from bench.verdict import conclude
from bot.event import load_event
from bot.services import outbox
from models import Account, Database, Delegate
from models.base import utcnow
from testkit.fakebot import FakeTelegram
from testkit.harness import ROOT, BotProcess

LIMIT = 30.0
MARKER = "Thông báo: xe đưa đón khởi hành lúc 07:15"


async def seat(db: Database, fake: FakeTelegram, conference, count: int) -> None:
    """Delegates and their accounts, in bulk (the registration flow is measured elsewhere)."""
    async with db.session() as session:
        for n in range(count):
            fake.user(200000 + n, first_name=f"Delegate {n}", language_code="vi", started=True)
            account = Account(channel="telegram", user_id=str(200000 + n), chat_id=str(200000 + n),
                              display_name=f"Delegate {n}", language="vi", roles=[])
            session.add(account)
            await session.flush()
            session.add(Delegate(event_id=conference.id, account_id=account.id, registered_by_id=account.id,
                                 full_name=f"Đại biểu {n}", position="Chuyên viên", organization="UBND tỉnh",
                                 province="lam_dong", category="ubnd_office", phone=f"+8490{n:07d}",
                                 created_at=utcnow()))
            if n % 500 == 499:
                await session.commit()
        await session.commit()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(recipients: int, rate: float) -> dict:
    conference = load_event(ROOT / "events" / "dalat-2023.yaml")
    fake = FakeTelegram()
    fake.set_rate_limits(global_per_s=LIMIT, per_chat_per_s=1, per_chat_burst=3)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database(url)
        await db.migrate()
        await seat(db, fake, conference, recipients)
        async with db.session() as session:
            people = await outbox.recipients(session, conference, outbox.ALL)
            await outbox.create(session, conference, people, audience=outbox.ALL, text_vi=MARKER)
        await db.close()
        bot = BotProcess(fake, url, Path(tmp), rate=rate)
        await bot.start()
        try:
            deadline = time.monotonic() + recipients / LIMIT * 3 + 60
            while sum(1 for c in fake.calls if c.method == "sendMessage" and c.status == 200) < recipients:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            memory = peak_rss_mb(bot.process.pid)
        finally:
            bot.stop()
    await fake.stop()
    sends = [c for c in fake.calls if c.method == "sendMessage"]
    delivered = [c.at for c in sends if c.status == 200]
    elapsed = max(delivered) - min(delivered)
    answers_429 = sum(1 for c in sends if c.status == 429)
    per_chat = {}
    for u in fake.users.values():
        per_chat[u.id] = sum(1 for m in u.inbox if MARKER in m.text)
    result = {
        "recipients": recipients, "delivered": len(delivered), "seconds": round(elapsed, 1),
        "rate_per_second": round((len(delivered) - 1) / elapsed, 2),
        "ratio_of_limit": round((len(delivered) - 1) / elapsed / LIMIT, 3),
        "answers_429": answers_429, "share_429": round(answers_429 / max(1, len(sends)), 4),
        "duplicates": sum(1 for n in per_chat.values() if n > 1), "missed": sum(1 for n in per_chat.values() if n == 0),
        "lost_replies": sum(1 for n in per_chat.values() if n == 0), "rejected": len(fake.rejected),
        "bot_peak_rss_mb": round(memory, 1), "own_pacing_per_second": rate,
    }
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=30.0, help="SEND_RATE_PER_SECOND of the bot")
    args = parser.parse_args()
    result = await run(args.recipients, args.rate)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "broadcast.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    conclude([result])


if __name__ == "__main__":
    asyncio.run(main())
