"""`python -m bot` (or `delegate-bot`): run the bot, in practice mode (bot/practice/) while no token is set;
`python -m bot export|import|check|backup|restore …`: see bot/ops/cli.py; `python -m bot rehearse …`: the
practice database, see bot/ops/rehearse.py."""
from __future__ import annotations

import asyncio
import sys

from pydantic import ValidationError

from bot.infra import logs
from bot.config import Settings
from bot.event import EventFileError


COMMANDS = ("export", "import", "check", "backup", "restore")
PRACTICE_COMMANDS = ("rehearse",)  # bot/ops/rehearse.py: the practice database, never the real one
NO_TOKEN = (  # PRACTICE=false: a missing token is an error rather than practice mode
    "No bot token configured.\n"
    "Put your bot's token (from @BotFather) in the file .env, for example:\n"
    "    TELEGRAM_BOT_TOKEN=123456789:AAE...\n"
    "and your own Telegram user id as the first organizer:\n"
    "    ADMIN_IDS=123456789\n"
    "For Zalo, the token of your Zalo bot (Zalo Bot Creator), with or without Telegram's:\n"
    "    ZALO_BOT_TOKEN=123456789:abc...\n"
    "See .env.example for every setting. (PRACTICE=false is set: without it, the bot starts in\n"
    "practice mode, with a chat page in the browser.)"
)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:  # the secretariat's and the operator's command line
        from bot.ops.cli import main as command_line

        return command_line(sys.argv[1:])
    if len(sys.argv) > 1 and sys.argv[1] in PRACTICE_COMMANDS:
        from bot.ops.rehearse import main as rehearse

        return rehearse(sys.argv[2:])
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"Configuration error (environment or .env):\n{exc}", file=sys.stderr)
        return 2
    logs.setup(settings.log_level, settings.log_format, [settings.telegram_bot_token, settings.zalo_bot_token])
    no_token = not settings.telegram_bot_token and not settings.zalo_bot_token  # either channel alone will do
    if no_token and settings.practice:  # the working bot without any account: bot/practice/
        return run_practice(settings)
    if no_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import serve

    return run_until_stopped(serve(settings), settings)


def run_practice(settings: Settings) -> int:
    from bot.practice.run import run

    return run_until_stopped(run(settings), settings)


def loop_factory(settings: Settings):
    """uvloop's event loop (libuv: the same asyncio API, less CPU per update) unless EVENT_LOOP=asyncio or it is
    not installed (it has no Windows build); None: Python's own."""
    if settings.event_loop == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_until_stopped(main_coroutine, settings: Settings) -> int:
    """Run the bot until Ctrl+C; an event file that does not load is said in plain words (exit 2)."""
    try:
        with asyncio.Runner(loop_factory=loop_factory(settings)) as runner:
            runner.run(main_coroutine)
    except EventFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
