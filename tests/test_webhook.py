"""The webhook endpoint (bot/infra/webhook.py): an update is answered once handled; a redelivered one is not handled
twice; one that failed on a passing fault is answered 500 with the conversation put back, and handled when
Telegram sends it again; in polling mode the person is told and their next message is read by the same step."""
from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiohttp import ClientSession, web

from bot.app import WEBHOOK_PATH, build, create_web_app
from testkit.flows import until_seen

SECRET = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}


@pytest.fixture
async def web_bot(fake, settings, db, clean_redis):
    settings.webhook_secret = "hook-secret"
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.redis_url = clean_redis
    app = build(settings)
    await app.start()
    runner = web.AppRunner(create_web_app(app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    app.url = f"http://127.0.0.1:{runner.addresses[0][1]}{WEBHOOK_PATH}"
    app.web_journal = runner.app["journal"]
    yield app
    await runner.cleanup()
    await app.close()


async def post(app, update: dict) -> int:
    async with ClientSession() as http:
        async with http.post(app.url, json=update, headers=SECRET) as response:
            return response.status


async def state_of(app, user_id: int) -> str | None:
    return await app.dispatcher.storage.get_state(StorageKey(bot_id=app.bot.id, chat_id=user_id, user_id=user_id))


async def typed(app, u, text: str) -> tuple[int, dict]:
    update = await u.send(text)
    fake_queue = u.fake.updates
    fake_queue.confirm(update["update_id"])  # this test posts it itself, in place of Telegram
    return await post(app, update), update


async def test_a_redelivered_update_is_not_handled_twice(web_bot, fake):
    u = fake.user(7301, first_name="Lan")  # asked the language
    status, update = await typed(web_bot, u, "/start")
    assert status == 200 and "Choose your language" in (await u.next_message()).text
    assert await post(web_bot, update) == 200  # Telegram did not get the first answer and sends it again
    await u.expect_silence(0.3)
    assert len(u.inbox) == 1


async def test_an_update_a_stopped_process_applied_is_not_handled_again(web_bot, fake):
    """Another process handled the update and wrote the conversation, then died before Telegram had its answer:
    the conversation's row names the update, so its second delivery here is acknowledged, not handled."""
    u = fake.user(7305, first_name="Lan")  # asked the language
    for text in ("/start", "english", "1"):
        assert (await typed(web_bot, u, text))[0] == 200
    key = StorageKey(bot_id=web_bot.bot.id, chat_id=u.id, user_id=u.id)
    status, update = await typed(web_bot, u, "gia lai")
    assert status == 200 and await state_of(web_bot, u.id) == "Registration:category"
    assert await web_bot.dispatcher.storage.applied(key) == update["update_id"]
    seen = len(u.inbox)
    journal = web_bot.web_journal  # a process that never saw it: its journal knows nothing of it
    await (journal.redis.flushdb() if hasattr(journal, "redis") else asyncio.to_thread(journal.entries.clear))
    assert await post(web_bot, update) == 200
    await asyncio.sleep(0.3)
    assert len(u.inbox) == seen and await state_of(web_bot, u.id) == "Registration:category"


async def test_a_passing_fault_is_answered_500_and_the_conversation_put_back(web_bot, fake):
    u = fake.user(7302, first_name="Lan")  # asked the language
    for text in ("/start", "english", "1"):
        assert (await typed(web_bot, u, text))[0] == 200
    assert await state_of(web_bot, u.id) == "Registration:province"
    web_bot.sender.send_budget = 0  # no retries in the sender: Telegram's 500 reaches the handler
    fake.fail_next(1, status=500, methods=["sendMessage"])
    seen = len(u.inbox)
    status, update = await typed(web_bot, u, "gia lai")
    assert status == 500  # Telegram will send it again
    assert await state_of(web_bot, u.id) == "Registration:province"  # not left at the next step
    assert len(u.inbox) == seen
    assert await post(web_bot, update) == 200  # the second delivery
    assert "Which category" in u.inbox[-1].text
    assert await state_of(web_bot, u.id) == "Registration:category"


async def test_a_passing_fault_after_the_reply_began_is_handled_again_so_nothing_is_left_half_done(web_bot, fake):
    """The language is stored and "Language: English" sent, then the main menu fails (the database or Telegram
    away for a moment): Telegram sends the update again, and the person gets the whole reply (the first part
    twice) rather than half of it and a bot that waits."""
    from testkit.fakebot.errors import ApiError

    u = fake.user(7306, first_name="Lan")  # asked the language
    assert (await typed(web_bot, u, "/start"))[0] == 200
    web_bot.sender.send_budget = 0
    sends = []

    async def second_send_fails(method: str, params: dict) -> None:
        sends.append(method)
        if len(sends) == 2:
            raise ApiError(500, "Internal Server Error")

    fake.before_send = second_send_fails
    status, update = await typed(web_bot, u, "english")
    assert status == 500 and "Language: English" in u.inbox[-1].text  # half a reply: sent again later
    assert await post(web_bot, update) == 200
    assert any("Register myself" in b for b in u.inbox[-1].buttons)
    assert [m.text for m in u.inbox].count("Language: English") == 2


async def test_the_same_update_twice_at_once_is_handled_once(web_bot, fake):
    u = fake.user(7303, first_name="Lan", language_code="en")

    async def slow(method: str, params: dict) -> None:
        await asyncio.sleep(0.5)

    fake.before_send = slow
    update = await u.send("/start")
    fake.updates.confirm(update["update_id"])
    first = asyncio.create_task(post(web_bot, update))
    await asyncio.sleep(0.2)
    assert await post(web_bot, update) == 503  # still being handled: Telegram tries again later
    assert await first == 200
    assert await post(web_bot, update) == 200
    assert len(u.inbox) == 1


async def test_polling_a_passing_fault_tells_the_person_and_the_next_message_works(running, fake):
    u = fake.user(7304, first_name="Lan", language_code="en")
    for text, expected in (("/start", "Register myself"), ("1", "Which province")):
        await u.send(text)
        await until_seen(u, expected)
    running.app.sender.send_budget = 0
    fake.fail_next(1, status=500, methods=["sendMessage"])
    await u.send("gia lai")
    notice = await u.next_message()
    assert "fault on our side" in notice.text and "send it again" in notice.text
    await u.send("gia lai")  # read by the province step again, not by the next one
    assert "Which category" in (await u.next_message()).text


async def test_redis_journal_running_key_is_kept_while_handled_and_runs_out_when_nobody_holds_it(
        clean_redis, monkeypatch):
    if not clean_redis:
        pytest.skip("the shared journal needs Redis (TEST_REDIS_URL)")
    import bot.infra.webhook as webhook

    monkeypatch.setattr(webhook, "RUNNING_TTL_MS", 300)
    monkeypatch.setattr(webhook, "HEARTBEAT", 0.1)
    one, two = webhook.RedisJournal(clean_redis), webhook.RedisJournal(clean_redis)
    await one.start(), await two.start()
    try:
        assert await one.begin(41) == ("new", 1)
        await one.keep_snapshot(41, {"state": "Registration:phone", "data": {"draft": {"full_name": "Lan"}}})
        await asyncio.sleep(0.6)  # longer than the key's life: the heartbeat keeps it
        assert await two.begin(41) == ("busy", 1)
        one.in_progress.discard(41)  # its fail() never reached Redis (Redis was away): nobody holds it now
        await asyncio.sleep(0.5)
        assert await two.begin(41) == ("retry", 2)
        assert (await two.snapshot(41))["state"] == "Registration:phone"
        await two.finish(41)
        assert await one.begin(41) == ("done", 2)
    finally:
        await one.close(), await two.close()


def test_the_checkpoints_copy_shares_nothing_with_the_conversation():
    from datetime import date

    from bot.infra.webhook import copied

    data = {"province": "Lâm Đồng", "parts": ["conference", {"night": [1, 2]}], "seat": None, "count": 2,
            "ok": True, "ratio": 0.5, "since": date(2023, 7, 27), "tags": {"a", "b"}}
    copy_ = copied(data)
    assert copy_ == data
    data["parts"][1]["night"].append(3)
    data["parts"].append("dinner")
    data["tags"].add("c")
    assert copy_["parts"] == ["conference", {"night": [1, 2]}] and copy_["tags"] == {"a", "b"}
    assert copy_["since"] == date(2023, 7, 27)
