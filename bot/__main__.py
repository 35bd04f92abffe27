"""`python -m bot` (or `delegate-bot`): run the bot."""
from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings
from bot.event import EventFileError


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"Configuration error (environment or .env):\n{exc}", file=sys.stderr)
        return 2
    if not settings.telegram_bot_token:
        print(
            "No bot token configured.\n"
            "Put your bot's token (from @BotFather) in the file .env, for example:\n"
            "    TELEGRAM_BOT_TOKEN=123456789:AAE...\n"
            "and your own Telegram user id as the first organizer:\n"
            "    ADMIN_IDS=123456789\n"
            "See .env.example for every setting.",
            file=sys.stderr,
        )
        return 2
    from bot.app import serve

    try:
        asyncio.run(serve(settings))
    except EventFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
