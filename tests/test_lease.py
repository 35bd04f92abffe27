"""The lease: the reminders and the outbox run in one process at a time, and another takes over."""
import asyncio

import pytest

from bot.workers.lease import Lease


async def test_one_holder_at_a_time_and_a_takeover_when_it_goes(db, redis_url):
    first, second = Lease(db, redis_url, check_every=0.1), Lease(db, redis_url, check_every=0.1)
    if first.kind == "local":
        pytest.skip("SQLite without Redis is one process by design: every process holds the lease")
    assert await first.try_take()
    assert not await second.try_take()
    assert await first.still_held()
    await first.release()  # a clean stop; a killed process is covered in tests/test_e2e_takeover.py
    assert await second.try_take()
    assert not await first.try_take()
    await second.release()


async def test_hold_starts_and_stops_the_work(db, redis_url):
    lease = Lease(db, redis_url, check_every=0.05)
    events = []

    async def start():
        events.append("start")

    async def stop():
        events.append("stop")

    task = asyncio.create_task(lease.hold(start, stop))
    for _ in range(100):
        if events:
            break
        await asyncio.sleep(0.02)
    assert events == ["start"] and lease.held
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert events == ["start", "stop"] and not lease.held
    after = Lease(db, redis_url)
    assert await after.try_take()  # released for the next process
    await after.release()
