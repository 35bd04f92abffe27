"""300 simulated delegates registering at once through the fake Bot API server.

    .venv/bin/python -m bench.registration [--delegates 300] [--limits-delegates 300] [--only saturated]
                                           [--profile]   # py-spy on the delegate bot: bench/out/profile-*.txt
                                           [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Runs, each against a fresh fake server in this process, with the bot in its own process
(`python -m bot`, SQLite or `--database-url`'s PostgreSQL emptied before each run, conversations in it), every
delegate typing a full registration (16 updates):
  1./2. saturated: every delegate answers the instant the question arrives (no one types that
     fast; this measures throughput), for the bare aiogram echo bot (bench/echo_bot.py, the
     framework's own limit) and for the delegate bot;
  3./4. with think time: each delegate waits 2-6 s (uniform) before each answer, as people
     tapping and typing on a phone do; this measures reply latency under that load;
  5. the delegate bot with Telegram's limits on (30 messages/s overall, 1/s per chat): every
     delegate presses /start and picks a language at once; counts lost replies and 429s.
Latency is measured in the fake server: from the moment getUpdates hands an update to the bot
to the bot's first message in that chat answering it. CPU per update: the bot process's own CPU time (from
/proc) while it served the run, over the updates; start-up and the badge worker process left out
(`bot_cpu_seconds` has both). `slowest_steps_p95_ms`: the three steps of the script with the longest p95,
where a tail comes from. Results go to bench/out/registration.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import signal
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.verdict import conclude
from testkit.database import reset_database
from testkit.fakebot import FakeTelegram, FakeUser
from testkit.flows import TYPED_REGISTRATION, until_seen

ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu(pid: int) -> float:
    """CPU seconds of the process itself (not its children: the badge worker), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def start_process(args: list[str], fake: FakeTelegram, workdir: Path, rate: str) -> subprocess.Popen:
    env = {**os.environ, "TELEGRAM_API_URL": fake.base_url, "TELEGRAM_BOT_TOKEN": fake.token,
           "DATABASE_URL": DATABASE_URL or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}", "REDIS_URL": "",
           "SECRET_KEY": "bench", "SEND_RATE_PER_SECOND": rate, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(workdir / "bot.log", "w"))


async def wait_ready(fake: FakeTelegram, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(c.method == "getUpdates" for c in fake.calls):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not start polling")
        await asyncio.sleep(0.05)


async def converse(u: FakeUser, script: list[tuple[str, str | None]], timeout: float,
                   think: tuple[float, float] | None = None) -> int:
    """Type each answer and wait for the expected question; returns how many replies were missing."""
    missing = 0
    for number, (typed, expected) in enumerate(script, 1):
        if think:
            await asyncio.sleep(random.uniform(*think))
        update = await u.send(typed)
        STEP_OF[update["update_id"]] = f"{number}: {typed}"
        try:
            if expected is None:
                await u.next_message(timeout)
            else:
                await until_seen(u, expected, timeout)
        except TimeoutError:
            missing += 1
            break
    return missing


STEP_OF: dict[int, str] = {}  # update id -> the step of the script it answered (for the slowest steps)


def by_step(fake: FakeTelegram) -> dict[str, float]:
    """p95 latency per step of the script, the slowest three first: where a tail comes from."""
    steps: dict[str, list[float]] = {}
    for update, ms in latencies(fake, keyed=True).items():
        steps.setdefault(STEP_OF.get(update, "?"), []).append(ms)
    p95 = {step: round(percentile(values, 95), 1) for step, values in steps.items()}
    return dict(sorted(p95.items(), key=lambda item: -item[1])[:3])


def latencies(fake: FakeTelegram, keyed: bool = False):
    """Update handed to the bot → first bot message in that chat answering it, in ms."""
    delivered = fake.updates_delivered_at
    first: dict[int, float] = {}
    for user in fake.users.values():
        for message in user._feed:
            if message.reply_to_update is not None and message.reply_to_update not in first:
                first[message.reply_to_update] = message.received_at
    found = {u: (first[u] - delivered[u]) * 1000 for u in first if u in delivered}
    return found if keyed else list(found.values())


PROFILE = False
DATABASE_URL = ""  # --database-url: PostgreSQL, emptied before each run; else a new SQLite file each run


def py_spy(pid: int, out: Path, *options: str) -> subprocess.Popen:
    """py-spy recording process `pid` until it is sent SIGINT (collapsed stacks, for grep or a flame graph)."""
    out.parent.mkdir(exist_ok=True)
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
                             "--format", "raw", "--nonblocking", *options, "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profiler(name: str, pid: int) -> subprocess.Popen | None:
    """py-spy on the delegate bot while a run lasts."""
    if not PROFILE or "delegate" not in name:
        return None
    return py_spy(pid, ROOT / "bench" / "out" / f"profile-{name.split(':')[0].replace(' ', '-')}.txt", "--rate", "200")


async def run(name: str, process_args: list[str], delegates: int, script, *, limits: bool, rate: str,
              timeout: float, think: tuple[float, float] | None = None) -> dict:
    fake = FakeTelegram()
    if limits:
        fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    await fake.start()
    if DATABASE_URL:
        await reset_database(DATABASE_URL)
    cpu_before = _children_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        process = start_process(process_args, fake, Path(tmp), rate)
        try:
            await wait_ready(fake)
            spy = profiler(name, process.pid)
            cpu_ready = own_cpu(process.pid)  # start-up (imports, migrations) left out
            users = [fake.user(100000 + n, first_name=f"Delegate {n}", language_code="en") for n in range(delegates)]
            started = time.monotonic()
            missing = await asyncio.gather(*(converse(u, script, timeout, think) for u in users))
            elapsed = time.monotonic() - started
            await asyncio.sleep(1)  # the last updates' writes
            serving_cpu = own_cpu(process.pid) - cpu_ready
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
                spy.wait(60)
        finally:
            process.terminate()  # the fake server answers what is still in flight while the bot shuts down
            await asyncio.to_thread(process.wait, 30)
            log = ROOT / "bench" / "out" / f"bot-{name.split(':')[0].replace(' ', '-')}-{process_args[-1]}.log"
            log.parent.mkdir(exist_ok=True)
            log.write_bytes((Path(tmp) / "bot.log").read_bytes())  # the bot's log of the run, to read after
    await fake.stop()
    bot_cpu = _children_cpu() - cpu_before  # includes start-up (imports, migrations): about 1 s
    lat = latencies(fake)
    updates = sum(1 for _ in fake.updates_delivered_at)
    result = {
        "run": name, "delegates": delegates, "updates": updates, "seconds": round(elapsed, 2),
        "updates_per_second": round(updates / elapsed, 1), "lost_replies": sum(missing),
        "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat), 1),
        "mean_ms": round(statistics.fmean(lat), 1), "answers_429": fake.stats["429"], "rejected": len(fake.rejected),
        "bot_cpu_seconds": round(bot_cpu, 2), "serving_cpu_seconds": round(serving_cpu, 2),
        "cpu_ms_per_update": round(serving_cpu / updates * 1000, 2), "slowest_steps_p95_ms": by_step(fake),
        "calls_per_update": round(sum(c.method != "getUpdates" for c in fake.calls) / updates, 2),
    }
    STEP_OF.clear()
    print(json.dumps(result))
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--limits-delegates", type=int, default=300)
    parser.add_argument("--think", default="2,6", help="seconds a delegate waits before each answer: min,max")
    parser.add_argument("--only", default="", help="only the runs whose name holds this (e.g. saturated)")
    parser.add_argument("--profile", action="store_true", help="py-spy on the delegate bot's runs")
    parser.add_argument("--database-url", default="", help="PostgreSQL for the bot (emptied before each run)")
    args = parser.parse_args()
    global PROFILE, DATABASE_URL
    PROFILE, DATABASE_URL = args.profile, args.database_url
    think = tuple(float(x) for x in args.think.split(","))
    random.seed(7)
    echo_script = [(typed, None) for typed, _ in TYPED_REGISTRATION]
    echo, delegate = ["-m", "bench.echo_bot"], ["-m", "bot"]
    runs = [
        ("saturated: aiogram echo bot", echo, args.delegates, echo_script, dict(limits=False, rate="0")),
        ("saturated: delegate bot", delegate, args.delegates, TYPED_REGISTRATION, dict(limits=False, rate="0")),
        ("think time: aiogram echo bot", echo, args.delegates, echo_script, dict(limits=False, rate="0", think=think)),
        ("think time: delegate bot", delegate, args.delegates, TYPED_REGISTRATION,
         dict(limits=False, rate="0", think=think)),
        ("delegate bot, /start + language, Telegram limits on", delegate, args.limits_delegates,
         TYPED_REGISTRATION[:2], dict(limits=True, rate="30")),
    ]
    results = [await run(name, process, count, script, timeout=120, **options)
               for name, process, count, script, options in runs if args.only in name]
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "registration.json").write_text(json.dumps(results, indent=2))
    conclude(results)


if __name__ == "__main__":
    asyncio.run(main())
