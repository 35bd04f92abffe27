"""Machine instructions per update, counted by valgrind: a measure that other programs running on the same
machine do not move (CPU time on a shared machine moves by a third from run to run), for A/B comparisons.

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=bench/out/callgrind.%p \\
        .venv/bin/python -m bench.instructions [--delegates 5]

The bot runs in this process against the fake Bot API (testkit.harness.bot_on_fake, SQLite); three delegates
register first (caches warm), then `--delegates` type the whole registration (testkit.flows.TYPED_REGISTRATION)
at once while valgrind counts (callgrind_control switches it on and off); the fake server's own work is in the
count too, the same in both runs of an A/B. The count per update: `totals` in the callgrind file over the
updates printed here. About a minute under valgrind; without it, it prints the CPU time per update.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

from testkit.flows import TYPED_REGISTRATION, until_seen
from testkit.harness import bot_on_fake

os.environ.setdefault("FAQ_MEANING", "false")


def counting(on: bool) -> None:
    """valgrind counts from here (on) or no longer (off); nothing happens outside valgrind."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True,
                   check=False)


async def register(fake, user_id: int) -> None:
    user = fake.user(user_id, first_name="An", language_code="en")
    for typed, expected in TYPED_REGISTRATION:
        await user.send(typed)
        await until_seen(user, expected, 60)


async def measure(delegates: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fake, running = await bot_on_fake(f"sqlite+aiosqlite:///{Path(tmp) / 'instructions.sqlite3'}")
        try:
            await asyncio.gather(*(register(fake, 5000 + i) for i in range(3)))
            await asyncio.sleep(1.5)  # the last conversation writes and the reminders' plan
            counting(True)
            started = time.process_time()
            await asyncio.gather(*(register(fake, 6000 + i) for i in range(delegates)))
            await asyncio.sleep(1.5)
            cpu = time.process_time() - started
            counting(False)
        finally:
            await running.stop()
            await fake.stop()
    updates = delegates * len(TYPED_REGISTRATION)
    print(f"updates {updates}; CPU {1000 * cpu / updates:.2f} ms per update (valgrind's count: totals / {updates})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=5)
    asyncio.run(measure(parser.parse_args().delegates))


if __name__ == "__main__":
    main()
