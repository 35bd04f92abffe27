"""aiogram's objects learn their bot in one step.

Every object aiogram reads from Telegram (an update, the message an answer returns, each user, chat and button
in them) is told its bot after pydantic has built it (`model_post_init`). pydantic wraps that hook once for
each class level that has private attributes (three or four for a message), and each wrapper sets up the
object's private attributes again before calling the next: nearly half the time it takes to read a message
(bench/RESULTS.md). The only private attribute aiogram's objects have is their bot, so the hook here sets it
in one step, with exactly what the wrappers leave behind ({"_bot": the bot, or None}).
"""
from __future__ import annotations

from typing import Any

from aiogram.client.context_controller import BotContextController

PRIVATE = {"_bot"}
PYDANTICS: dict[type, Any] = {}  # each class's own hook, as pydantic made it


def learn_bot(self: BotContextController, context: Any, /) -> None:
    bot = context.get("bot") if context else None
    private = getattr(self, "__pydantic_private__", None)
    if private is None:
        object.__setattr__(self, "__pydantic_private__", {"_bot": bot})
    else:
        private["_bot"] = bot


def classes(root: type) -> list[type]:
    found, stack = [], [root]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                stack.append(sub)
    return found


def bind_in_one_step() -> int:
    """Gives every aiogram object class whose only private attribute is its bot the one-step hook; the number
    of classes changed. A class with anything else keeps pydantic's."""
    changed = 0
    for cls in [BotContextController, *classes(BotContextController)]:
        if set(cls.__private_attributes__) == PRIVATE and cls.model_post_init is not learn_bot:
            PYDANTICS.setdefault(cls, cls.model_post_init)
            cls.model_post_init = learn_bot
            changed += 1
    return changed
