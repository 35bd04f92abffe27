"""Running the bot: `python -m bot check`, backups that restore into another database, and logs that
carry the update's context but never a token or a phone number."""
import asyncio
import logging
import subprocess
import sys

from sqlalchemy import func, select

from bot.infra import logs
from bot.ops import backup
from bot.ops.check import FAIL, OK, WARN, check
from bot.services import checkin, province_reports
from bot.services.accounts import get_or_create_account
from models import CheckIn, Database, Delegate
from testkit import documents
from testkit.crowd import seat
from testkit.database import reset_database
from testkit.flows import choose_vietnamese, delegates
from testkit.paths import ROOT


async def test_check_reports_what_is_ready_and_what_is_not(fake, settings):
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    found = await check(settings)
    assert all(f.level != FAIL for f in found), found
    assert any(f.level == OK and "Telegram bot: dalat_delegate_bot" in f.what for f in found)
    assert any("Database" in f.what and f.level == OK for f in found)

    settings.telegram_bot_token = "WRONG-token-that-must-not-be-printed"  # the fake answers 401 like Telegram
    settings.database_url = "postgresql+asyncpg://postgres:secret@127.0.0.1:1/none"
    found = await check(settings)
    problems = [f.what for f in found if f.level == FAIL]
    assert any("Telegram refused the token" in p for p in problems), problems
    assert any("Database not reachable (127.0.0.1:1/none)" in p for p in problems), problems
    assert not any("WRONG-token" in f.what or "secret@" in f.what for f in found)


async def test_check_says_production_needs_postgresql_and_nothing_else(fake, settings):
    """Conversations live in the database: webhook mode on SQLite serves one process (warned), on PostgreSQL
    any number, with or without Redis."""
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.public_base_url, settings.use_webhook = "https://bot.example.gov.vn", True
    settings.database_url = "sqlite+aiosqlite:///data/bot.sqlite3"
    found = await check(settings)
    warned = [f.what for f in found if f.level == WARN and "ONE bot process" in f.what]
    assert len(warned) == 1 and "PostgreSQL" in warned[0], found
    assert not any("REDIS_URL" in f.what for f in found if f.level != OK)
    settings.database_url = "postgresql+asyncpg://postgres@127.0.0.1:1/none"  # unreachable: a problem of its own
    found = await check(settings)
    assert not any(f.level == WARN and "ONE bot process" in f.what for f in found), found
    assert any(f.level == OK and "PostgreSQL and nothing else" in f.what and "Redis (REDIS_URL) is optional" in f.what
               for f in found), found


def test_check_from_the_command_line_fails_without_a_token(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
           "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot", "check"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "✗ No bot token" in done.stdout and "problem(s) to fix" in done.stdout


async def test_a_backup_restores_into_an_empty_database_and_not_into_a_full_one(fake, db, conference, tmp_path,
                                                                                database_url):
    await seat(db, fake, conference, 6)
    first = (await delegates(db))[0]
    report_file = documents.docx_file()
    async with db.session() as session:
        desk = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001")
        await checkin.check_in(session, await session.get(Delegate, first.id), "reception", desk, "search")
        await province_reports.store(session, conference, "gia_lai", report_file, "gl.docx", desk, "web")
    data = await backup.dump(db)

    target_url = f"sqlite+aiosqlite:///{tmp_path / 'restored.sqlite3'}"
    target = Database(target_url)
    await target.migrate()
    counts = await backup.restore(target, data)
    assert counts["delegates"] == 6 and counts["checkins"] == 1
    async with target.session() as session:
        restored = await session.get(Delegate, first.id)
        assert (restored.full_name, restored.phone, restored.created_at) == (first.full_name, first.phone,
                                                                             first.created_at)
        assert restored.part_codes == first.part_codes
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1
        report = await province_reports.current(session, conference, "gia_lai")  # a report's file, byte for byte
        assert (report.content, report.file_name) == (report_file, "gl.docx")
    try:
        await backup.restore(target, data)
        raise AssertionError("restored twice")
    except backup.BackupError as exc:
        assert "not empty" in str(exc)
    await target.close()
    if database_url.startswith("postgresql"):  # and a SQLite backup restores into PostgreSQL
        await reset_database(database_url)
        pg = Database(database_url)
        await pg.migrate()
        from_sqlite = Database(target_url)
        assert (await backup.restore(pg, await backup.dump(from_sqlite)))["delegates"] == 6
        await from_sqlite.close()
        await pg.close()


def test_log_lines_never_carry_tokens_or_phone_numbers(caplog):
    redact = logs.Redact(["123456:SECRET-token"])
    record = logging.LogRecord("x", logging.WARNING, __file__, 1,
                               "POST https://api.telegram.org/bot123456:SECRET-token/sendMessage for %s", ("0905123456",),
                               None)
    assert redact.filter(record)
    assert record.getMessage() == "POST https://api.telegram.org/bot[token]/sendMessage for [phone]"


async def test_each_update_is_logged_once_with_its_account_and_handler(running, fake, caplog):
    caplog.set_level(logging.INFO, logger="bot.updates")
    u = fake.user(34000, first_name="Lan")  # asked the language
    await choose_vietnamese(u)
    for _ in range(100):  # the line is written when the handler returns, just after its last message
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.updates"]
        if len(lines) >= 2:
            break
        await asyncio.sleep(0.02)
    assert any("message account=" in line and "handler=handlers.start.start" in line for line in lines), lines
    assert any("callback_query" in line and "handlers.start.language_chosen" in line for line in lines), lines


async def test_a_failing_handler_still_gets_its_log_line_with_the_account(db, caplog):
    from aiogram.types import Update

    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id="77", chat_id="77")
        session.expire(account)  # as after a rollback: touching account.id would need the database
    caplog.set_level(logging.INFO, logger="bot.updates")

    async def failing(event, data):
        data["account"] = account
        raise RuntimeError("the handler's own fault")

    try:
        await logs.UpdateLog()(failing, Update(update_id=5), {})
    except RuntimeError as exc:
        assert "own fault" in str(exc)  # the real error, not one raised by the logging
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.updates"]
    assert line.startswith("update 5 unknown account=") and "account=-" not in line
