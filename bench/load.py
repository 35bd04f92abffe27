"""1,000 delegates registering within a minute, in production mode (issue: production).

    .venv/bin/python -m bench.load [--delegates 1000] [--runs two-limits,one-limits,two-chat,one-chat]

Production as documented (testkit/cluster.py): `python -m bot` processes in webhook mode behind the reverse
proxy (testkit/proxy.py, a process of its own, as nginx would be), on PostgreSQL (database `bench`, created
if missing) and Redis (db 14) for the conversation state, so a conversation moves between processes from one
update to the next. The fake Telegram (testkit/fakebot) POSTs each update to the proxy, one at a time per chat,
up to 40 at once, as Telegram's webhook does.

The crowd (in this process): delegate i starts at a time drawn uniformly from [0, 60) s, then types the
whole registration of bench/registration.py (16 updates: /start, language, "register myself", province,
category, name, position, organization, phone, parts, arrival day, time, travel, lodging, note, confirm)
with a distinct name and phone each; before each answer they wait for the bot's next question, then pause
1–3 s (uniform) as a person reading and typing would. A reply not seen within --timeout (600 s) counts as lost.

Runs (Telegram's per-chat limit, 1 message/s with bursts of 3, is always on):
  two-limits / one-limits: two processes / one, with Telegram's overall limit of 30 messages/s on: the
      bots pace themselves to 30/s together (SEND_RATE_PER_SECOND=15 each with two, 30 with one);
  two-chat / one-chat: two processes / one, without the overall limit (what the bot itself can do).
Latency: (a) from the webhook's first POST of an update to the bot's first message in that chat answering
it, as bench/registration.py measures it from getUpdates; (b) from the delegate's send, which adds the time
the update waited at Telegram behind the chat's previous one. Then the database is checked: one delegate row
per person, with what they typed. Results: bench/out/load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import date
from datetime import time as dt_time
from pathlib import Path

from sqlalchemy import select, text

from bench.registration import latencies, percentile
from bench.verdict import conclude
from models import Account, Database, Delegate
from testkit.cluster import Cluster, name_of, script_for
from testkit.database import reset_database
from testkit.fakebot import FakeTelegram, FakeUser
from testkit.flows import until_seen

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
REDIS = "redis://127.0.0.1:6379/14"
RUNS = {  # name: (processes, Telegram's overall limit on, each process's own pace)
    "two-limits": (2, True, 15),
    "one-limits": (1, True, 30),
    "two-chat": (2, False, 0),
    "one-chat": (1, False, 0),
}


async def ensure_database() -> None:
    admin = Database(DATABASE.rsplit("/", 1)[0] + "/postgres")
    async with admin.engine.connect() as connection:
        exists = await connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'bench'"))
        if not exists:
            await connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("CREATE DATABASE bench"))
    await admin.close()


async def fresh_redis() -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS)
    await client.flushdb()
    await client.aclose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process and its children that were waited for (the badge worker)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:15]) / ticks


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


async def delegate(u: FakeUser, n: int, start_at: float, think: tuple[float, float], timeout: float,
                   done: list) -> tuple[int, float]:
    """Returns (replies not seen, seconds the registration took)."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    began = time.monotonic()
    for typed, expected in script_for(n):
        await u.send(typed)
        try:
            await until_seen(u, expected, timeout)
        except TimeoutError:
            return 1, time.monotonic() - began
        await asyncio.sleep(random.uniform(*think))
    done.append(n)
    return 0, time.monotonic() - began


async def rows_by_registrant(database_url: str) -> dict[int, list[Delegate]]:
    """Every delegate row, by the Telegram user id of the person who registered it."""
    db = Database(database_url)
    async with db.session() as session:
        rows = (await session.execute(select(Account.user_id, Delegate).join(
            Delegate, Delegate.registered_by_id == Account.id))).all()
    await db.close()
    by_user: dict[int, list[Delegate]] = {}
    for user_id, row in rows:
        by_user.setdefault(int(user_id), []).append(row)
    return by_user


async def check_records(users: list[FakeUser]) -> dict:
    """One row per delegate, with the typed values."""
    by_user = await rows_by_registrant(DATABASE)
    wrong = 0
    for n, u in enumerate(users):
        mine = by_user.get(u.id, [])
        typed = (name_of(n), f"+84905{n:03d}456", "gia_lai", "ubnd_office", "Chanh Van phong",
                 date(2023, 7, 26), dt_time(9, 0), "road", False, "", ["conference", "reception"], True)
        if len(mine) != 1 or (mine[0].full_name, mine[0].phone, mine[0].province, mine[0].category, mine[0].position,
                               mine[0].arrival_date, mine[0].arrival_time, mine[0].travel_mode, mine[0].needs_lodging,
                               mine[0].note, sorted(mine[0].part_codes),
                               mine[0].account_id == mine[0].registered_by_id) != typed:
            wrong += 1
    return {"delegate_rows": sum(map(len, by_user.values())), "people_with_one_correct_row": len(users) - wrong}


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1),
            "p99": round(percentile(values, 99), 1), "max": round(max(values), 1),
            "mean": round(statistics.fmean(values), 1)}


async def run(name: str, delegates: int, *, spread: float, think: tuple[float, float], timeout: float) -> dict:
    processes, overall_limit, pace = RUNS[name]
    random.seed(7)
    await reset_database(DATABASE)
    await fresh_redis()
    fake = FakeTelegram()
    fake.set_rate_limits(global_per_s=30 if overall_limit else 1_000_000, per_chat_per_s=1, per_chat_burst=3)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        async with Cluster(fake, DATABASE, REDIS, Path(tmp), processes=processes, rate=pace,
                           proxy_process=True) as cluster:
            pids = [b.process.pid for b in cluster.bots]
            cpu_before = [cpu_seconds(pid) for pid in pids]
            proxy_before = cpu_seconds(cluster.proxy_pid)
            rig_before = time.process_time()
            machine_before = machine_cpu()
            users = [fake.user(300000 + n, first_name=f"Delegate {n}", language_code="en") for n in range(delegates)]
            origin = time.monotonic() + 1
            starts = [origin + random.uniform(0, spread) for _ in users]
            done: list[int] = []
            sent_before = len(fake.calls)

            async def progress() -> None:
                while True:
                    await asyncio.sleep(30)
                    print(f"  {name}: {time.monotonic() - origin:.0f} s, {len(done)} registered, "
                          f"{len(fake.updates_delivered_at)} updates delivered", flush=True)

            reporter = asyncio.create_task(progress())
            outcomes = await asyncio.gather(*(delegate(u, n, starts[n], think, timeout, done)
                                              for n, u in enumerate(users)))
            reporter.cancel()
            elapsed = time.monotonic() - origin
            cpu = [round(cpu_seconds(pid) - before, 1) for pid, before in zip(pids, cpu_before)]
            proxy_cpu = round(cpu_seconds(cluster.proxy_pid) - proxy_before, 1)
            rig_cpu = round(time.process_time() - rig_before, 1)
            busy, total = (a - b for a, b in zip(machine_cpu(), machine_before))
            calls = fake.calls[sent_before:]
        await fake.stop()
    from_delivery = latencies(fake)
    first_reply: dict[int, float] = {}
    for user in fake.users.values():
        for message in user._feed:
            if message.reply_to_update is not None and message.reply_to_update not in first_reply:
                first_reply[message.reply_to_update] = message.received_at
    queued = fake.updates_queued_at
    from_send = [(at - queued[u]) * 1000 for u, at in first_reply.items() if u in queued]
    sends = [c for c in calls if c.method.startswith(("send", "edit")) and c.status == 200]
    durations = [took for _missing, took in outcomes]
    result = {
        "run": name, "processes": processes, "overall_limit_30_per_s": overall_limit, "pace_per_process": pace,
        "delegates": delegates, "registered": len(done), "lost_replies": sum(m for m, _ in outcomes),
        "seconds": round(elapsed, 1), "updates": len(fake.updates_delivered_at),
        "messages_sent": len(sends), "messages_per_s": round(len(sends) / elapsed, 1),
        "answers_429": fake.stats["429"], "webhook_posts": len(fake.webhook_attempts),
        "webhook_redelivered": len({a.update_id for a in fake.webhook_attempts if a.number > 1}),
        "latency_from_delivery_ms": summary(from_delivery), "latency_from_send_ms": summary(from_send),
        "registration_seconds": summary(durations), "bot_cpu_seconds": cpu, "proxy_cpu_seconds": proxy_cpu,
        "rig_cpu_seconds": rig_cpu, "machine_cpu_busy_percent": round(100 * busy / total, 1),
        "rejected": len(fake.rejected),
    }
    result.update(await check_records(users))
    print(json.dumps(result), flush=True)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--runs", default="two-chat,one-chat,two-limits,one-limits")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which the delegates start")
    parser.add_argument("--think", default="1,3", help="seconds a delegate pauses before each answer: min,max")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for a reply before it is lost")
    args = parser.parse_args()
    if args.delegates > 1000:
        parser.error("at most 1000 delegates (their phone numbers are 0905 nnn 456)")
    think = tuple(float(x) for x in args.think.split(","))
    await ensure_database()
    results = []
    for name in args.runs.split(","):
        results.append(await run(name, args.delegates, spread=args.spread, think=think, timeout=args.timeout))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / "load.json"
    previous = json.loads(path.read_text()) if path.exists() else []
    kept = [r for r in previous if r["run"] not in {r["run"] for r in results}]
    path.write_text(json.dumps(kept + results, indent=2))
    conclude(results)


if __name__ == "__main__":
    asyncio.run(main())
