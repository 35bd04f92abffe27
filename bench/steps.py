"""CPU of the delegate bot for each step of a registration: where an update's cost lies.

    .venv/bin/python -m bench.steps [--delegates 300]
    .venv/bin/python -m bench.steps --profile confirm    # py-spy (pip install py-spy): bench/out/profile-step.txt

The bot runs in its own process (`python -m bot`, SQLite) against the fake Bot API in this one, as in
bench/registration.py; twenty delegates register first (caches warm), then `--delegates` type the whole
registration (testkit.flows.TYPED_REGISTRATION) in step: all send the step's answer at once, and the next step
begins when every one has its question. For each step: the bot process's own CPU time over the answers.
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
from pathlib import Path

from bench.registration import ROOT, own_cpu, py_spy, start_process, wait_ready
from bench.verdict import conclude
from testkit.fakebot import FakeTelegram
from testkit.flows import TYPED_REGISTRATION, until_seen


async def step(users, typed: str, expected: str) -> int:
    """Every delegate sends `typed`; how many did not get the question that follows."""
    await asyncio.gather(*(u.send(typed) for u in users))
    seen = await asyncio.gather(*(until_seen(u, expected, 60) for u in users), return_exceptions=True)
    return sum(isinstance(result, TimeoutError) for result in seen)


async def measure(delegates: int, profiled: str) -> dict:
    fake = FakeTelegram()
    lost = 0
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        process = start_process(["-m", "bot"], fake, Path(tmp), "0")
        try:
            await wait_ready(fake)
            warm = [fake.user(900000 + n, first_name="Warm", language_code="en") for n in range(20)]
            for typed, expected in TYPED_REGISTRATION:
                lost += await step(warm, typed, expected)
            await asyncio.sleep(1.5)  # the last conversation writes
            users = [fake.user(100000 + n, first_name=f"Delegate {n}", language_code="en") for n in range(delegates)]
            total = 0.0
            for typed, expected in TYPED_REGISTRATION:
                spy = py_spy(process.pid, ROOT / "bench" / "out" / "profile-step.txt", "--rate", "500", "--gil") \
                    if typed == profiled else None
                if spy is not None:
                    await asyncio.sleep(1)  # py-spy attached
                before = own_cpu(process.pid)
                lost += await step(users, typed, expected)
                await asyncio.sleep(1.2)  # the step's last writes
                ms = (own_cpu(process.pid) - before) * 1000 / delegates
                total += ms
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(60)
                print(f"{typed:>16}: {ms:.2f} ms CPU per update", flush=True)
            print(f"{'mean':>16}: {total / len(TYPED_REGISTRATION):.2f} ms CPU per update")
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 30)
    await fake.stop()
    return {"lost_replies": lost, "rejected": len(fake.rejected)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--profile", default="", help="the typed answer of the step to profile with py-spy")
    args = parser.parse_args()
    conclude([asyncio.run(measure(args.delegates, args.profile))])


if __name__ == "__main__":
    main()
