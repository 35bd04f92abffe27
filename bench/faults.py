"""Faults under load, as figures (issue: production). The pass/fail versions: tests/test_e2e_faults.py.

    .venv/bin/python -m bench.faults [--scenarios kill,api-500,...] [--delegates 200] [--without-redis]

Each scenario: two `python -m bot` processes in webhook mode behind the proxy (testkit/cluster.py), on
PostgreSQL and Redis (--without-redis: PostgreSQL alone, as production needs; the conversations are in
PostgreSQL either way); the delegates start over the first 20 s and type the whole registration (16 updates,
1–3 s between answers, as bench/load.py); at t = 20 s, the busiest time, the fault. A delegate who is told
"a fault on our side… send it again" sends the same answer again, as a person would. Per scenario: how
many registered, how many conversations stuck (no expected reply within 120 s), what people saw (fault
notices, the slowest replies), what Telegram saw (webhook answers 5xx, updates sent again), and the
database (one row per registered person with what they typed; none for the others).

Scenarios:
  kill          one bot process SIGKILLed (it stays dead; the other carries on)
  api-500       the Bot API answers 500 to everything for 30 s
  api-timeout   the Bot API answers nothing for 30 s (then serves the calls held)
  pg-restart    PostgreSQL restarted (pg_ctl restart -m fast: connections cut, 1–2 s down)
  pg-down       PostgreSQL down for 10 s, then started again
  redis-kept    Redis SIGKILLed, started again 10 s later with its data (appendonly, fsync always)
  redis-empty   Redis SIGKILLed, started again 10 s later empty (no persistence: this machine's setting); it
                held the conversations once, now only the webhook journal
  redis-start   a bot process started with REDIS_URL pointing at no Redis
PostgreSQL and Redis here are private servers started by this script (PostgreSQL 15 cluster on port 5499 in
a temporary directory, redis-server on port 6391), so the shared ones other people test against are never
restarted. Results: bench/out/faults.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


from bench.load import rows_by_registrant, summary
from bench.verdict import conclude
from testkit.cluster import Cluster, name_of, script_for
from testkit.database import reset_database
from testkit.fakebot import FakeTelegram, FakeUser

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/15/bin"))
PG_PORT, REDIS_PORT = 5499, 6391
DATABASE = f"postgresql+asyncpg://postgres@127.0.0.1:{PG_PORT}/postgres"
REDIS = f"redis://127.0.0.1:{REDIS_PORT}/0"
NOTICE = "fault on our side"
FAULT_AT = 20.0
FORGETS: set[str] = set()  # scenarios that lose the conversations in progress by their nature: none since they
# live in PostgreSQL (an empty Redis forgot them all before)


class PrivatePostgres:
    """A PostgreSQL cluster of this script's own (initdb in a temporary directory, as the postgres user)."""

    def __init__(self, base: Path) -> None:
        self.base = base / "pg"
        self.data = self.base / "data"

    def _run(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, stdout=subprocess.DEVNULL)

    def ctl(self, *args: str) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", *args)

    def start(self) -> None:
        if not self.data.exists():
            self.base.mkdir(parents=True)
            shutil.chown(self.base, "postgres")
            self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.ctl("-o", f"-p {PG_PORT} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200",
                 "-l", str(self.base / "log"), "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")


class PrivateRedis:
    def __init__(self, base: Path, *, keep: bool) -> None:
        self.dir, self.keep = base / "redis", keep
        self.dir.mkdir(exist_ok=True)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.keep else ["--appendonly", "no"]
        self.process = subprocess.Popen(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                                         "--save", "", "--dir", str(self.dir), *persistence],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


async def delegate(u: FakeUser, n: int, start_at: float, seen: Counter, waits: list[float]) -> bool:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    for typed, expected in script_for(n):
        for _attempt in range(4):
            await u.send(typed)
            sent = time.monotonic()
            try:
                got = await u.messages_until(lambda m: expected in m.text or NOTICE in m.text
                                             or any(expected in b for b in m.buttons), timeout=120)
            except TimeoutError:
                seen["stuck"] += 1
                return False
            waits.append(time.monotonic() - sent)
            if NOTICE not in got[-1].text:
                break
            seen["notices"] += 1  # told to send it again: they do
        else:
            return False
        await asyncio.sleep(random.uniform(1, 3))
    return True


async def check(users: list[FakeUser], finished: list[bool]) -> dict:
    by_user = await rows_by_registrant(DATABASE)
    good = sum(1 for n, u in enumerate(users) if finished[n] and len(by_user.get(u.id, [])) == 1
               and by_user[u.id][0].full_name == name_of(n) and by_user[u.id][0].phone == f"+84905{n:03d}456")
    return {"delegate_rows": sum(map(len, by_user.values())), "registered_with_one_correct_row": good,
            "rows_of_people_not_finished": sum(len(by_user.get(u.id, [])) for n, u in enumerate(users)
                                               if not finished[n]),
            "people_with_two_rows": sum(1 for v in by_user.values() if len(v) > 1)}


async def scenario(name: str, delegates: int, base: Path, with_redis: bool = True) -> dict:
    random.seed(3)
    pg = PrivatePostgres(base)
    redis = PrivateRedis(base, keep=name == "redis-kept")
    pg.start()
    redis.start()
    await reset_database(DATABASE)
    fake = FakeTelegram()
    fake.set_rate_limits(global_per_s=1_000_000, per_chat_per_s=1, per_chat_burst=3)
    await fake.start()
    workdir = Path(tempfile.mkdtemp(dir=base))
    fault: dict = {}
    try:
        async with Cluster(fake, DATABASE, REDIS if with_redis else "", workdir, processes=2, rate=0,
                           proxy_process=True) as cluster:
            users = [fake.user(400000 + n, first_name=f"Delegate {n}", language_code="en") for n in range(delegates)]
            origin = time.monotonic() + 1
            seen: Counter = Counter()
            waits: list[float] = []

            async def inject() -> None:
                await asyncio.sleep(max(0.0, origin + FAULT_AT - time.monotonic()))
                started = time.monotonic()
                if name == "kill":
                    cluster.bots[0].kill()
                elif name in ("api-500", "api-timeout"):
                    fake.set_outage(30, name.split("-")[1])
                    await asyncio.sleep(30)
                elif name == "pg-restart":
                    await asyncio.to_thread(pg.ctl, "-m", "fast", "restart")
                elif name == "pg-down":
                    await asyncio.to_thread(pg.stop)
                    await asyncio.sleep(10)
                    await asyncio.to_thread(pg.start)
                elif name.startswith("redis-"):
                    redis.kill()
                    await asyncio.sleep(10)
                    redis.start()
                fault["seconds"] = round(time.monotonic() - started, 1)
                fault["at_s"] = FAULT_AT

            injector = asyncio.create_task(inject())
            finished = await asyncio.gather(*(delegate(u, n, origin + random.uniform(0, 20), seen, waits)
                                              for n, u in enumerate(users)))
            await injector
            await asyncio.sleep(2)  # the lease holder's last writes
            logs = cluster.logs(tail=None)
            (ROOT / "bench" / "out").mkdir(exist_ok=True)
            (ROOT / "bench" / "out" / f"faults-{name}.log").write_text(logs)  # to read what went wrong
        posts = fake.webhook_attempts
        result = {
            "scenario": name, "redis": with_redis, "delegates": delegates, "fault": fault, "registered": sum(finished),
            "stuck": seen["stuck"], "fault_notices_seen": seen["notices"],
            # an empty Redis forgets the conversations in progress: that loss is the scenario's point
            ("lost_replies_expected" if name in FORGETS else "lost_replies"): seen["stuck"],
            "reply_wait_s": summary(waits), "replies_slower_than_5_s": sum(w > 5 for w in waits),
            "webhook_posts": len(posts), "webhook_answers": dict(Counter(str(a.status or a.error.split(":")[0])
                                                                          for a in posts)),
            "updates_sent_again": len({a.update_id for a in posts if a.number > 1}),
            "bot_log_error_lines": sum("ERROR" in line for line in logs.splitlines()),
            "rejected": len(fake.rejected),
        }
        result.update(await check(users, finished))
    finally:
        await fake.stop()
        redis.kill()
        try:
            pg.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


async def redis_at_start(base: Path) -> dict:
    """What an operator sees when REDIS_URL points at no Redis."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123456:TEST-token", "TELEGRAM_API_URL": "http://127.0.0.1:9",
           "DATABASE_URL": f"sqlite+aiosqlite:///{base / 'start.sqlite3'}", "SECRET_KEY": "bench",
           "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT + 1}/0", "PYTHONPATH": str(ROOT), "WEB_PORT": "0"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=base, env=env, capture_output=True, text=True,
                            timeout=120)
    message = [line for line in result.stderr.splitlines() if "Redis" in line or "REDIS_URL" in line]
    out = {"scenario": "redis-start", "exit_code": result.returncode, "seconds": round(time.monotonic() - started, 1),
           "message": message}
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", default="kill,api-500,api-timeout,pg-restart,pg-down,redis-kept,redis-empty,"
                                                "redis-start")
    parser.add_argument("--delegates", type=int, default=200)
    parser.add_argument("--without-redis", action="store_true", help="PostgreSQL alone (not for redis-*)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        shutil.chown(base, "postgres")
        base.chmod(0o755)
        for name in args.scenarios.split(","):
            if name == "redis-start":
                results.append(await redis_at_start(base))
            else:
                results.append(await scenario(name, args.delegates, base, not args.without_redis))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / "faults.json"
    previous = json.loads(path.read_text()) if path.exists() else []
    names = {(r["scenario"], r.get("redis", True)) for r in results}
    path.write_text(json.dumps([r for r in previous if (r["scenario"], r.get("redis", True)) not in names] + results,
                               indent=2,
                               ensure_ascii=False))
    conclude(results)


if __name__ == "__main__":
    asyncio.run(main())
