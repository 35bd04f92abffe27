"""The bot's commands, who may use them, and their menu text: one list for /help and setMyCommands."""
from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n, lazy_gettext as __

from bot.event import LANGUAGES
from bot.services.accounts import DELEGATE


@dataclass(frozen=True)
class Command:
    name: str
    role: str
    description: object  # a lazy translation


COMMANDS = (
    Command("start", DELEGATE, __("Start, or the main menu")),
    Command("me", DELEGATE, __("My registration: review, change, cancel")),
    Command("lang", DELEGATE, __("Tiếng Việt / English")),
    Command("help", DELEGATE, __("What this bot can do")),
    Command("cancel", DELEGATE, __("Stop what you are doing")),
)


def commands_for(roles: set[str]) -> list[Command]:
    return [c for c in COMMANDS if c.role in roles]


async def publish(bot: Bot, i18n: I18n) -> None:
    """The command menu in each language (and the default language for everyone else)."""
    for lang in LANGUAGES:
        with i18n.context(), i18n.use_locale(lang):
            menu = [BotCommand(command=c.name, description=str(c.description)) for c in commands_for({DELEGATE})]
            await bot.set_my_commands(menu, scope=BotCommandScopeDefault(), language_code=lang)
            if lang == i18n.default_locale:
                await bot.set_my_commands(menu, scope=BotCommandScopeDefault())
