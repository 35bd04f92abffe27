"""A bare aiogram echo bot: the framework's own limit on the same fake server, for comparison.

It answers every message with a text and every button press with an answer and a text, as the
delegate bot does, but does no work of its own (no database, no state, no i18n)."""
import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def pressed(callback: CallbackQuery) -> None:
        await callback.answer()
        await callback.message.answer(callback.data or "?")

    await dp.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
