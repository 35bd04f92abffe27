"""End to end: the provinces still missing their report are reminded at the event file's offsets, by the real
reminders worker through the fake Telegram: once each, in the secretariat's language, none to a province that
sent its report, one left `sending` by a killed process sent again, and nothing more after a restart."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import select

from bot.event import load_event
from bot.services import province_reports
from bot.services.accounts import get_or_create_account
from models import AccountRole, ReportReminderDelivery
from models.reminder import SENDING
from testkit import documents
from testkit.harness import RunningBot
from testkit.paths import EVENT_FILE
from tests.test_e2e_reminders import reminders_of


def event_with_reports_due_tomorrow(tmp_path):
    """The seed event three days from now; reports due tomorrow, reminded 2 days before (due already) and
    1 hour before (not yet)."""
    data = yaml.safe_load(EVENT_FILE.read_text(encoding="utf-8"))
    now, vn = datetime.now(timezone.utc), timezone(timedelta(hours=7))
    for n, part in enumerate(data["sessions"]):
        start = now + timedelta(days=3, hours=n)
        part["starts_at"] = start.astimezone(vn).isoformat(timespec="seconds")
        part["ends_at"] = (start + timedelta(minutes=50)).astimezone(vn).isoformat(timespec="seconds")
    data["province_reports"]["due"] = (now + timedelta(days=1)).astimezone(vn).isoformat(timespec="seconds")
    data["province_reports"]["reminders"] = [{"days_before": 2}, {"hours_before": 1}]
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def _secretariat(session, user, province: str, lang: str):
    account = await get_or_create_account(session, channel="telegram", user_id=str(user.id), chat_id=str(user.id),
                                          display_name=user.first_name)
    account.language = lang
    account.roles.append(AccountRole(account_id=account.id, role=f"sec:{province}"))
    await session.commit()
    return account


@pytest.fixture
async def bot(fake, settings, db, clean_redis, tmp_path):
    settings.event_file = event_with_reports_due_tomorrow(tmp_path)
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    running = RunningBot(settings, clean_redis)
    yield running
    await running.stop()


async def test_missing_provinces_are_reminded_once(bot, fake, db):
    conference = load_event(bot.settings.event_file)
    gia_lai = fake.user(3401, first_name="Thư ký Gia Lai", language_code="vi", started=True)
    kon_tum = fake.user(3402, first_name="Thư ký Kon Tum", language_code="vi", started=True)
    quang_nam = fake.user(3403, first_name="Quang Nam secretariat", language_code="en", started=True)
    async with db.session() as session:
        await _secretariat(session, gia_lai, "gia_lai", "vi")
        sent_theirs = await _secretariat(session, kon_tum, "kon_tum", "vi")
        interrupted = await _secretariat(session, quang_nam, "quang_nam", "en")
        await province_reports.store(session, conference, "kon_tum", documents.pdf(), "kt.pdf", sent_theirs, "telegram")
        # a killed process had taken Quảng Nam's reminder and never settled it
        session.add(ReportReminderDelivery(event_id=conference.id, province="quang_nam", offset_key="days_before=2",
                                           account_id=interrupted.id, status=SENDING))
        await session.commit()

    await bot.start()
    [vi] = await reminders_of(gia_lai, 8, stop_at=1)
    assert "chưa nhận được báo cáo của tỉnh Gia Lai" in vi.text and "/report" in vi.text
    [en] = await reminders_of(quang_nam, 8, stop_at=1)
    assert "the report of Quảng Nam has not been received" in en.text
    assert await reminders_of(kon_tum, 1) == []  # its report is in

    await bot.restart()
    await asyncio.sleep(2)
    assert await reminders_of(gia_lai, 2) == [] and await reminders_of(quang_nam, 1) == []
    async with db.session() as session:
        rows = list(await session.scalars(select(ReportReminderDelivery).order_by(ReportReminderDelivery.province)))
    assert [(r.province, r.offset_key, r.status) for r in rows] == [
        ("gia_lai", "days_before=2", "sent"), ("quang_nam", "days_before=2", "sent")]
