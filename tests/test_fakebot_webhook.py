"""The fake Telegram's webhook delivery: POSTs with the secret header, one update at a time per chat and in
order, up to max_connections at once, retried with back-off until acknowledged; getUpdates 409 meanwhile."""
from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from testkit.fakebot import FakeTelegram


class Receiver:
    """A stand-in for the bot's web server: records what arrives, answers as the test says."""

    def __init__(self) -> None:
        self.received: list[tuple[int, int, str | None, float]] = []  # (update id, chat id, secret, at)
        self.statuses: list[int] = []  # answers to give, in order, before answering 200
        self.delay = 0.0  # seconds before answering
        self.in_flight = self.most_in_flight = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        chat = next(v for k, v in update.items() if k != "update_id")["chat"]["id"]
        self.received.append((update["update_id"], chat, request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                              time.monotonic()))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        return web.json_response({}, status=self.statuses.pop(0) if self.statuses else 200)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        await self.runner.cleanup()

    def ids(self, chat: int | None = None) -> list[int]:
        return [u for u, c, _s, _t in self.received if chat is None or c == chat]


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        server.webhook_backoff = (0.05, 0.2)
        yield server


@pytest.fixture
async def receiver():
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest.fixture
async def bot(fake):
    b = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    yield b
    await b.session.close()


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_updates_are_posted_with_the_secret_and_getupdates_conflicts(fake, receiver, bot):
    early = await fake.user(1, first_name="Early").send("before the webhook")  # pending: delivered by the hook
    assert await bot.set_webhook(receiver.url, secret_token="s3cret")
    later = await fake.user(2, first_name="Later").send("after")
    await until(lambda: len(receiver.received) == 2)
    assert sorted(receiver.ids()) == [early["update_id"], later["update_id"]]
    assert {secret for *_rest, secret, _at in receiver.received} == {"s3cret"}
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0 and info.max_connections == 40
    # latency bookkeeping works as with getUpdates
    assert fake.updates_delivered_at[later["update_id"]] >= fake.updates_queued_at[later["update_id"]]


async def test_one_at_a_time_per_chat_in_order_and_chats_in_parallel(fake, receiver, bot):
    receiver.delay = 0.1
    await bot.set_webhook(receiver.url, max_connections=5)
    users = [fake.user(10 + n) for n in range(8)]
    sent = {u.id: [] for u in users}
    for round_ in range(3):
        for u in users:
            sent[u.id].append((await u.send(f"m{round_}"))["update_id"])
    started = time.monotonic()
    await until(lambda: len(receiver.received) == 24)
    for u in users:
        assert receiver.ids(u.id) == sent[u.id]  # in order
    assert receiver.most_in_flight == 5  # at most max_connections at once, and that many used
    # 24 updates of 0.1 s, 5 at a time, no chat twice at once: about 0.5 s, far from 2.4 s one by one
    assert time.monotonic() - started < 1.5
    for u in users:  # a chat's next update only after the previous one was answered
        times = [at for _u, c, _s, at in receiver.received if c == u.id]
        assert all(b - a >= 0.09 for a, b in zip(times, times[1:]))


async def test_failures_are_retried_with_back_off_and_nothing_is_lost(fake, receiver, bot):
    await bot.set_webhook(receiver.url)
    receiver.statuses = [500, 502, 401]
    u = fake.user(30)
    first = await u.send("one")
    second = await u.send("two")
    await until(lambda: receiver.ids().count(second["update_id"]) == 1)
    assert receiver.ids() == [first["update_id"]] * 4 + [second["update_id"]]  # the chat waited
    attempts = fake.delivery.attempts_of(first["update_id"])
    assert [a.status for a in attempts] == [500, 502, 401, 200] and [a.number for a in attempts] == [1, 2, 3, 4]
    gaps = [b.started - a.ended for a, b in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09  # 0.05, 0.1, 0.2: doubling
    assert "401" in (await bot.get_webhook_info()).last_error_message
    assert fake.delivery.redelivered == {first["update_id"]}


async def test_no_answer_in_time_and_refused_connections_are_retried(fake, receiver, bot):
    # waits are generous: on a loaded machine more attempts time out, and the retries' pauses grow
    fake.webhook_timeout = 0.3
    receiver.delay = 1.0
    await bot.set_webhook(receiver.url)
    u = fake.user(40)
    update = await u.send("slow")
    await until(lambda: len(fake.delivery.attempts) >= 1 and fake.delivery.attempts[0].ended, timeout=20)
    assert fake.delivery.attempts[0].error == "Read timeout expired"
    receiver.delay = 0
    await until(lambda: not fake.updates.is_pending(update["update_id"]), timeout=20)
    # the bot's web server is down (a process being restarted): connection refused, tried again
    port = receiver.runner.addresses[0][1]
    await receiver.stop()
    down = await u.send("while down")
    await until(lambda: len(fake.delivery.attempts_of(down["update_id"])) >= 2, timeout=20)
    assert any(a.error.startswith("Connection failed") for a in fake.delivery.attempts_of(down["update_id"]))
    await receiver.start(port)
    await until(lambda: down["update_id"] in receiver.ids(), timeout=20)
    await until(lambda: len(fake.updates) == 0)  # acknowledged once the receiver's answer is back


async def test_delete_webhook_hands_pending_updates_back_to_getupdates(fake, receiver, bot):
    receiver.statuses = [500] * 1000
    await bot.set_webhook(receiver.url)
    update = await fake.user(50).send("stuck")
    await until(lambda: len(receiver.received) >= 1)
    assert await bot.delete_webhook()
    [got] = await bot.get_updates()
    assert got.update_id == update["update_id"]
    assert fake.webhook_attempts  # kept after the webhook was deleted


async def test_setting_the_same_webhook_again_keeps_requests_in_flight(fake, receiver, bot):
    receiver.delay = 0.3
    await bot.set_webhook(receiver.url, secret_token="a")
    update = await fake.user(60).send("in flight")
    await until(lambda: len(receiver.received) == 1)
    await bot.set_webhook(receiver.url, secret_token="a")  # a second bot process starting
    await until(lambda: not fake.updates.is_pending(update["update_id"]))
    assert receiver.ids() == [update["update_id"]]  # not sent twice
