"""What the bot says when nothing else understood the update. Registered last."""
from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.infra.routing import Feature
from bot.middlewares import Here
from handlers.conversation import main_menu, menu_expired


async def unknown_button(callback: CallbackQuery, here: Here) -> None:
    if here.account is None or callback.message is None:  # a button in a group chat or an inline message
        await callback.answer(_("This menu has expired."))
        return
    await menu_expired(callback, here.state, here.conference, here.lang, here.account, here.session, roles=here.roles)


async def not_understood(message: Message, here: Here) -> None:
    if message.text and message.text.startswith("/"):
        await message.answer(_("I do not know that command. Here is what I can do:"))
    elif message.text:
        await message.answer(_("Sorry, I did not understand that."))
    else:
        await message.answer(_("I can only read text messages here."))
    await main_menu(message, here.state, here.conference, here.lang, here.account, here.session, roles=here.roles)


def create_router() -> Feature:
    router = Feature(name="fallback")
    router.callback_query.register(unknown_button)
    router.message.register(not_understood, F.chat.type == "private")
    return router
