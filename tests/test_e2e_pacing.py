"""End to end: each chat is paced, so Telegram's per-chat limit (about one message a second, short bursts
tolerated) is not met, and a 429 never turns into "a fault on our side".

The fake Bot API has Telegram's limits on (30 messages a second overall, 1 a second and a burst of 3 per
chat, refusing a chat until the announced retry_after has passed); the bot paces as in production."""
import asyncio

from testkit.crowd import seat
from testkit.flows import broadcast_to_everyone, choose_vietnamese, organizer_in_english, until_button, until_text
from testkit.harness import RunningBot

FAULT_NOTICE = "Xin lỗi, hệ thống vừa gặp sự cố"


def refused_in(fake, chat_id: int) -> list:
    return [c for c in fake.calls if c.status == 429 and c.params.get("chat_id") == chat_id]


async def start_paced(fake, settings, clean_redis) -> RunningBot:
    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.send_rate_per_second = 30  # production's pacing
    bot = RunningBot(settings, clean_redis)
    await bot.start()
    return bot


async def test_an_organizers_broadcast_flow_meets_no_429_in_their_chat(fake, settings, db, clean_redis, conference):
    await seat(db, fake, conference, 40, english_every=4)
    bot = await start_paced(fake, settings, clean_redis)
    try:
        org = await organizer_in_english(fake)
        # No pause after the start: the bot's overall burst is half of Telegram's (bot/infra/sender.py
        # OVERALL_BURST), so messages that reach the fake closer together than they were paced still fit.
        # the previews and the summary, back to back
        await broadcast_to_everyone(org, "Xe đưa đón khởi hành lúc 07:15", en="The shuttle leaves at 07:15", timeout=20)
        await org.press("✅ Send now")
        await until_text(org, "finished:", timeout=60)
    finally:
        await bot.stop()
    assert refused_in(fake, org.id) == []
    assert fake.stats["429"] == 0


async def test_a_person_typing_fast_gets_every_reply_and_no_fault_notice(fake, settings, db, clean_redis):
    bot = await start_paced(fake, settings, clean_redis)
    try:
        u = fake.user(9101, first_name="Lan", language_code="vi")
        await u.send("/start")  # Telegram says Vietnamese: the language is not asked
        await until_button(u, "❓ Hướng dẫn")
        await asyncio.gather(*(u.send("/help") for _ in range(30)))
        replies = [await u.next_message(timeout=90) for _ in range(30)]
    finally:
        await bot.stop()
    assert all("/start" in m.text for m in replies)
    assert not any(FAULT_NOTICE in m.text for m in u.inbox)
    assert refused_in(fake, u.id) == []
