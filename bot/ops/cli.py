"""`python -m bot export …` and `python -m bot import …`: the exports and the nominee import on the
secretariat's own computer, without Telegram; `check`, `backup` and `restore` for whoever runs the bot.
Reads DATABASE_URL and EVENT_FILE like the bot (the environment or .env) and brings the database schema
up to date first, so a fresh database works.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings
from bot.event import Event, EventFileError, load_event
from bot.ops import backup, check
from bot.services import exports, nominees
from models import Database

PERSONAL_NOTE = ("The files contain personal data (phone numbers, notes): this command is meant for the "
                 "secretariat's own computer. Keep the files there, or use --no-personal for a copy to share.")

SAY = {  # (Vietnamese, English)
    "wrote": ("Đã ghi {path}", "Wrote {path}"),
    "no_day": ("Ngày {day} không có phần nào của hội nghị (các ngày: {days}).",
               "No part of the conference falls on {day} (the days: {days})."),
    "refused": (("Chưa nhập dòng nào: danh sách có {count} lỗi. Xin sửa các dòng trên rồi nhập lại, hoặc chạy "
                 "lại với --only-valid để chỉ nhập các dòng hợp lệ."),
                ("Nothing imported: the list has {count} error(s). Fix the rows above and import again, or run "
                 "again with --only-valid to import only the valid rows.")),
    "imported": ("Đã nhập {created} đại biểu (bỏ qua {skipped} dòng lỗi).",
                 "Imported {created} nominee(s) ({skipped} row(s) with errors left out)."),
    "links": ("Link đăng ký cá nhân: {path}", "Personal links: {path}"),
    "no_username": ("Cần tên bot để tạo link mời: thêm --bot-username TÊN_BOT (hoặc đặt TELEGRAM_BOT_TOKEN).",
                    ("The bot's username is needed for the links: add --bot-username NAME (or set "
                     "TELEGRAM_BOT_TOKEN).")),
}


def say(key: str, lang: str, **values: object) -> str:
    return SAY[key][lang == "en"].format(**values)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m bot", description="Exports and nominee import for the "
                                   "secretariat (run without arguments to start the bot).")
    commands = main.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write an export file", description=PERSONAL_NOTE)
    kinds = export.add_subparsers(dest="kind", required=True)
    delegates = kinds.add_parser("delegates", help="the delegates: summary and a sheet per province",
                                 description=PERSONAL_NOTE)
    delegates.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    checkins = kinds.add_parser("checkins", help="check-in report, a sheet per day")
    checkins.add_argument("--day", type=date.fromisoformat, help="only this day, e.g. 2023-07-27")
    kinds.add_parser("rooms", help="rooms per night and by hotel, for the host", description=PERSONAL_NOTE)
    kinds.add_parser("meals", help="head-count per meal, with the diets")
    for name, kind in kinds.choices.items():
        kind.add_argument("--output", type=Path, help="the file to write (default: <event>-<kind>-<today>.<ext>)")
        kind.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the headers")
        if name not in ("checkins", "meals"):  # the check-in report and the meals have no personal data
            kind.add_argument("--no-personal", action="store_true", help="leave phone numbers and notes out")
    imports = commands.add_parser("import", help="import a province's list of nominees (.xlsx or .csv)",
                                  description="Validate the list row by row; import it only if every row is "
                                  "valid (or only the valid rows with --only-valid), then write the personal "
                                  "links next to it as FILE.links.csv.")
    imports.add_argument("file", type=Path)
    imports.add_argument("--only-valid", action="store_true", help="import the valid rows despite errors")
    imports.add_argument("--bot-username", help="the bot's Telegram username, for the links (default: asked "
                         "from Telegram with TELEGRAM_BOT_TOKEN)")
    imports.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the messages")
    commands.add_parser("check", help="check the configuration, the database, Redis and the Bot APIs")
    backup = commands.add_parser("backup", help="write every table to one file (gzipped JSON)")
    backup.add_argument("--output", type=Path, help="default: <event>-backup-<date-time>.json.gz")
    restore = commands.add_parser("restore", help="read a backup into a new, empty database (DATABASE_URL)")
    restore.add_argument("file", type=Path)
    return main


async def export(args: argparse.Namespace, db: Database, conference: Event) -> int:
    personal = not getattr(args, "no_personal", False)
    ext = getattr(args, "format", "xlsx")
    async with db.session() as session:
        if args.kind == "delegates":
            build = exports.delegates_csv if ext == "csv" else exports.delegates_workbook
            data = await build(session, conference, personal=personal, lang=args.lang)
        elif args.kind == "checkins":
            try:
                data = await exports.checkin_report(session, conference, args.day, lang=args.lang)
            except exports.NoSuchDay as exc:
                days = ", ".join(f"{d:%d/%m/%Y}" for d in exc.days)
                print(say("no_day", args.lang, day=f"{exc.day:%d/%m/%Y}", days=days), file=sys.stderr)
                return 2
        elif args.kind == "meals":
            data = await exports.meals_report(session, conference, lang=args.lang)
        else:
            data = await exports.rooms_report(session, conference, personal=personal, lang=args.lang)
    day = f"-{args.day:%Y%m%d}" if getattr(args, "day", None) else ""
    output = args.output or Path(f"{conference.id}-{args.kind}{day}-{date.today():%Y%m%d}.{ext}")
    output.write_bytes(data)
    print(say("wrote", args.lang, path=output))
    return 0


async def bot_username(settings: Settings) -> str | None:
    """The bot's username from Telegram, when a token is configured; None if it cannot be had."""
    if not settings.telegram_bot_token:
        return None
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError
    from aiogram.utils.token import TokenValidationError

    try:
        bot = Bot(settings.telegram_bot_token,
                  session=AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url)))
    except TokenValidationError:
        return None
    try:
        return (await asyncio.wait_for(bot.get_me(), 15)).username
    except (TelegramAPIError, TimeoutError):
        return None
    finally:
        await bot.session.close()


async def import_list(args: argparse.Namespace, settings: Settings, db: Database, conference: Event) -> int:
    lang = args.lang
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(exc, file=sys.stderr)
        return 2
    username = args.bot_username or await bot_username(settings)
    if not username:
        print(say("no_username", lang), file=sys.stderr)
        return 2
    try:
        rows = nominees.read_table(data, args.file.name)
    except nominees.TableError as exc:
        print(nominees.describe(exc.error, lang))
        return 1
    async with db.session() as session:
        result = await nominees.import_rows(session, conference, rows, None, args.file.name,
                                            only_valid=args.only_valid)
    for error in result.errors:
        print(nominees.describe(error, lang))
    if result.refused:
        print(say("refused", lang, count=len(result.errors)))
        return 1
    links = args.file.with_name(args.file.name + ".links.csv")
    links.write_bytes(await nominees.links_table(result.created, username, conference=conference, lang=lang))
    print(say("imported", lang, created=len(result.created), skipped=len({e.row for e in result.errors if e.row})))
    print(say("links", lang, path=links))
    return 0


async def run(args: argparse.Namespace, settings: Settings, conference: Event) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        if args.command == "export":
            return await export(args, db, conference)
        if args.command == "backup":
            return await write_backup(args, db, conference)
        if args.command == "restore":
            return await read_backup(args, db)
        return await import_list(args, settings, db, conference)
    finally:
        await db.close()


async def write_backup(args: argparse.Namespace, db: Database, conference: Event) -> int:
    output = args.output or Path(f"{conference.id}-backup-{datetime.now():%Y%m%d-%H%M}.json.gz")
    output.write_bytes(await backup.dump(db))
    print(f"Wrote {output} ({output.stat().st_size // 1024 + 1} KB). It holds personal data: keep it safe.")
    return 0


async def read_backup(args: argparse.Namespace, db: Database) -> int:
    try:
        counts = await backup.restore(db, args.file.read_bytes())
    except (OSError, backup.BackupError) as exc:
        print(f"Not restored: {exc}", file=sys.stderr)
        return 1
    print("Restored: " + ", ".join(f"{table} {n}" for table, n in counts.items() if n))
    return 0


def check_command(settings: Settings) -> int:
    found = asyncio.run(check.check(settings))
    for finding in found:
        print(finding)
    problems = sum(1 for f in found if f.level == check.FAIL)
    warnings = sum(1 for f in found if f.level == check.WARN)
    if problems:
        print(f"{problems} problem(s) to fix before starting the bot.")
    else:
        print(f"Ready, with {warnings} warning(s) (!) to read above." if warnings else "Ready.")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    for stream in (sys.stdout, sys.stderr):  # a Windows console must not stop on a Vietnamese letter
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    try:
        settings = Settings()
        if args.command == "check":
            return check_command(settings)
        conference = load_event(settings.event_file)
    except ValidationError as exc:
        print(f"Configuration error (environment or .env):\n{exc}", file=sys.stderr)
        return 2
    except EventFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return asyncio.run(run(args, settings, conference))
