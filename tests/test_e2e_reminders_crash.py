"""Reminders survive a real crash: the bot process is SIGKILLed in the middle of a reminder wave with sends in
flight, started again, and every delegate gets the reminder, once; the log at the start names the sends that
were interrupted. (Before, the reminders the killed process had taken were lost: 1 in 10 in a hidden run.)"""
import asyncio

from sqlalchemy import func, select

from models import ReminderDelivery
from testkit.crowd import seat
from testkit.fakebot.errors import ApiError
from testkit.harness import BotProcess
from tests.test_e2e_reminders import event_starting_soon


async def statuses(db) -> dict[str, int]:
    async with db.session() as session:
        return dict((await session.execute(select(ReminderDelivery.status, func.count())
                                           .group_by(ReminderDelivery.status))).all())


async def test_killed_mid_reminder_wave_and_restarted_none_is_lost_and_none_twice(
        fake, db, database_url, redis_url, conference, tmp_path):
    fake.set_rate_limits(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    # the reception starts in 90 s: its reminder (one minute before) is due 30 s from now
    path, _starts = event_starting_soon(tmp_path, {"reception": 90, "exchange": 6 * 3600, "conference": 7 * 3600})
    users = await seat(db, fake, conference, 150)

    def reminded(u) -> int:
        return sum("🔔" in m.text for m in u.inbox)

    holding, killed = asyncio.Event(), asyncio.Event()

    async def before_send(method: str, params: dict) -> None:
        """After 50 reminders the network stalls: the sends in flight then never reach Telegram."""
        if killed.is_set() or "🔔" not in str(params.get("text", "")):
            return
        if holding.is_set() or sum(map(reminded, users)) >= 50:
            holding.set()
            await killed.wait()
            raise ApiError(502, "Bad Gateway")  # the connection is gone; nothing was delivered

    fake.before_send = before_send
    bot = BotProcess(fake, database_url, tmp_path, redis_url=redis_url)
    bot.env["EVENT_FILE"] = str(path)
    await bot.start()
    try:
        await asyncio.wait_for(holding.wait(), 60)
        await asyncio.sleep(0.3)
        in_flight = (await statuses(db)).get("sending", 0)
        bot.kill()
        killed.set()
        assert sum(map(reminded, users)) == 50 and in_flight > 0  # taken, never sent: lost, before
        await bot.start()
        for _ in range(300):
            if all(map(reminded, users)):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # time for a repeat to show, if there were one
    finally:
        bot.stop()
    counts = [reminded(u) for u in users]
    assert counts == [1] * len(users)  # none lost, none twice (nothing had arrived of what was in flight)
    assert await statuses(db) == {"sent": len(users)}
    restart_log = (tmp_path / f"{bot.name}-2.log").read_text()
    assert f"reminders: {in_flight} sends were interrupted when the bot stopped; they are sent again" in restart_log
    assert "reception minutes_before=1: delegates " in restart_log
    print(f"\nreminder wave of {len(users)}, killed after 50 with {in_flight} in flight: "
          f"{sum(1 for c in counts if c)} of {len(users)} delivered, 0 twice")
