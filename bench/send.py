"""CPU of one sendMessage through the bot's session, against aiogram's stock session, in one run.

    .venv/bin/python -m bench.send [--calls 3000] [--rounds 3]

A server in another process answers every call with the same Message, so what is measured (process time of
this process only) is the bot's side of a send: the form, the HTTP request, reading the answer into aiogram's
types. The message is a menu as the bot sends them: a Vietnamese text of some 180 characters and six buttons.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from aiohttp import web

from bot.infra.sender import ReliableSender
from bot.infra.telegram_session import TelegramSession

TEXT = "Kính gửi Quý đại biểu, xin vui lòng chọn một mục dưới đây. " * 3
BUTTONS = [f"Mục {i} — Quý đại biểu" for i in range(6)]
ANSWER = json.dumps({"ok": True, "result": {
    "message_id": 42, "date": 1764560000, "text": TEXT,
    "chat": {"id": 123456789, "type": "private", "first_name": "An"},
    "from": {"id": 1, "is_bot": True, "first_name": "Bot", "username": "bot"},
    "reply_markup": {"inline_keyboard": [[{"text": b, "callback_data": f"menu:{i}"}] for i, b in enumerate(BUTTONS)]}}})


def serve(port: int) -> None:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text=ANSWER, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=b, callback_data=f"menu:{i}")]
                                                 for i, b in enumerate(BUTTONS)])


async def measure(session: AiohttpSession, calls: int) -> float:
    """Microseconds of this process's CPU per sendMessage, ten at a time as under load."""
    session.middleware(ReliableSender(0))
    bot = Bot("123:abc", session=session, default=DefaultBotProperties(
        parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)))
    for _ in range(20):  # connections open, caches warm
        await bot.send_message(123456789, TEXT, reply_markup=menu())
    started = time.process_time()
    for _ in range(calls // 10):
        sent = await asyncio.gather(*(bot.send_message(123456789, TEXT, reply_markup=menu()) for _ in range(10)))
        assert sent[-1].message_id == 42
    spent = time.process_time() - started
    await session.close()
    return 1e6 * spent / (calls // 10 * 10)


async def main(calls: int, rounds: int, port: int) -> None:
    api = TelegramAPIServer.from_base(f"http://127.0.0.1:{port}")
    for _ in range(rounds):
        stock = await measure(AiohttpSession(api=api), calls)
        ours = await measure(TelegramSession(api=api), calls)
        print(json.dumps({"stock_us_per_send": round(stock, 1), "bot_us_per_send": round(ours, 1),
                          "saved": f"{1 - ours / stock:.0%}"}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    server = multiprocessing.Process(target=serve, args=(free,), daemon=True)
    server.start()
    time.sleep(1.5)
    try:
        asyncio.run(main(args.calls, args.rounds, free))
    finally:
        server.terminate()
