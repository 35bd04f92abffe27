"""Telegram's limits and faults: a burst of delegates at once loses no reply."""
import asyncio

from testkit.harness import RunningBot


async def test_burst_of_starts_under_telegram_limits_loses_no_reply(fake, settings, db, clean_redis):
    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.send_rate_per_second = 0  # no pacing of our own: the fake's 429s and our retries are under test
    bot = RunningBot(settings, clean_redis)
    await bot.start()
    try:
        users = [fake.user(20000 + n, first_name=f"Delegate {n}") for n in range(90)]  # asked their language
        await asyncio.gather(*(u.send("/start") for u in users))
        replies = await asyncio.gather(*(u.next_message(timeout=60) for u in users))
        assert all(m.text.startswith("Chọn ngôn ngữ") for m in replies)
        assert fake.stats["429"] > 0  # Telegram's limit was hit, and every reply still arrived
        assert bot.app.sender.stats["429"] == fake.stats["429"]
    finally:
        await bot.stop()


async def test_server_errors_and_network_faults_are_retried(running, fake):
    u = fake.user(21000, first_name="Lan")  # asked the language
    fake.fail_next(2, status=500, methods={"sendMessage"})
    await u.send("/start")
    assert (await u.next_message(timeout=10)).text.startswith("Chọn ngôn ngữ")
    fake.set_outage(1.5, mode="timeout")
    await u.press("🇻🇳 Tiếng Việt")
    assert "Tiếng Việt" in (await u.next_message(timeout=30)).text


async def test_a_sticker_outside_a_conversation_gets_a_polite_answer(running, fake):
    u = fake.user(22000, first_name="Lan", language_code="vi")
    await u.send("/start")
    await u.next_message()
    await u.send_sticker()  # and the next real message is still answered
    assert "Chỉ tiếp nhận tin nhắn văn bản" in (await u.next_message()).text
