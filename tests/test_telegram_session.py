"""The bot's session writes the same requests as aiogram's own: the same form fields with the same values (the
JSON in them read back equal), percent-encoded byte for byte as urllib does, files still multipart."""
from __future__ import annotations

import json
import random
from urllib.parse import parse_qsl, quote_plus, urlencode

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SendPhoto
from aiogram.types import (BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
                           LinkPreviewOptions, MessageEntity, ReplyKeyboardMarkup, ReplyParameters, WebAppInfo)
from aiohttp import FormData

from bot.infra.telegram_session import TelegramSession, form_body, form_quote

BOT = Bot("123:abc", default=DefaultBotProperties(parse_mode=ParseMode.HTML,
                                                  link_preview=LinkPreviewOptions(is_disabled=True)))
MENU = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="Đăng ký — Quý đại biểu", callback_data="reg:start")],
    [InlineKeyboardButton(text="Lịch trình & địa điểm", url="https://example.org/a?b=c&d=é")]])


def fields(body: bytes) -> dict[str, object]:
    """The form read back, its JSON values parsed (spacing aside, the same JSON)."""
    read = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True):
        try:
            read[key] = json.loads(value) if value[:1] in "{[" else value
        except ValueError:
            read[key] = value
    return read


def stock_body(method) -> bytes:
    return AiohttpSession().build_form_data(BOT, method)()._value


def test_quoting_is_urllibs_byte_for_byte():
    rng = random.Random(17)
    alphabet = [chr(c) for c in range(0x20, 0x7f)] + list("đĐàáạảãâầấậẩẫăằắặẳẵêềếệểễôồốộổỗơờớợởỡưừứựửữ\n\t—€😀")
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert form_quote(text) == quote_plus(text, safe="")
    pairs = [("chat_id", "42"), ("text", "Kính gửi Quý đại biểu <b>&amp;</b> a+b=c")]
    assert form_body(pairs) == urlencode(pairs, doseq=True).encode()


def test_text_calls_carry_the_same_fields_as_aiograms():
    calls = [
        SendMessage(chat_id=123456789, text="Kính gửi Quý đại biểu", reply_markup=MENU),
        SendMessage(chat_id=-100123, text="x", reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Có"), KeyboardButton(text="Không")]], resize_keyboard=True),
            entities=[MessageEntity(type="bold", offset=0, length=1)], disable_notification=False),
        EditMessageText(chat_id=5, message_id=7, text="<b>Đã lưu</b>", reply_markup=MENU),
        AnswerCallbackQuery(callback_query_id="abc", text="Đã xong", show_alert=True),
        # objects inside objects, one holding a default of the bot's (left to aiogram), extra fields
        SendMessage(chat_id=5, text="x", reply_parameters=ReplyParameters(message_id=3),
                    link_preview_options=LinkPreviewOptions(url="https://example.org", prefer_small_media=True),
                    reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
                        text="Mở", web_app=WebAppInfo(url="https://example.org/app"))]], future_field=[1, None])),
    ]
    for method in calls:
        ours = TelegramSession().build_form_data(BOT, method)
        assert ours.content_type == "application/x-www-form-urlencoded"
        assert fields(ours._value) == fields(stock_body(method))


def test_the_bots_default_follows_a_change_of_the_bot():
    session = TelegramSession()
    method = SendMessage(chat_id=1, text="a")
    assert fields(session.build_form_data(BOT, method)._value)["link_preview_options"] == {"is_disabled": True}
    other = Bot("123:abc", default=DefaultBotProperties(link_preview=LinkPreviewOptions(prefer_small_media=True)))
    assert fields(session.build_form_data(other, method)._value)["link_preview_options"] == {
        "prefer_small_media": True}


def test_a_file_goes_multipart_as_aiogram_sends_it():
    method = SendPhoto(chat_id=1, photo=BufferedInputFile(b"\x89PNG", filename="qr.png"), caption="Mã QR",
                       reply_markup=MENU)
    form = TelegramSession().build_form_data(BOT, method)
    assert isinstance(form, FormData)
    assert form.is_multipart


def test_a_keyboard_sent_again_carries_the_same_fields_and_another_keyboard_its_own():
    from bot.screens.ui import Button, column, keyboard

    provinces = column([Button(f"Tỉnh {n} & <Gia Lai>", f"pick:province:p{n}") for n in range(34)], 2)
    shown = keyboard(provinces)
    assert keyboard([list(row) for row in provinces]) is shown  # the same menu: the same object, built once
    other = keyboard(column([Button("Có", "pick:yes:1"), Button("Không", "pick:yes:0")]))
    assert other is not shown
    session = TelegramSession()
    calls = [SendMessage(chat_id=1, text="Tỉnh nào?", reply_markup=shown),
             SendMessage(chat_id=2, text="Tỉnh nào?", reply_markup=shown),  # its form text made before
             SendMessage(chat_id=2, text="Có không?", reply_markup=other),
             EditMessageText(chat_id=3, message_id=9, text="Tỉnh nào?", reply_markup=shown),
             SendMessage(chat_id=4, text="Không có bàn phím")]
    for method in calls:
        assert fields(session.build_form_data(BOT, method)._value) == fields(stock_body(method))


def test_an_answer_is_read_as_aiogram_reads_it_without_the_keyboard_it_echoes():
    from aiogram.exceptions import TelegramRetryAfter
    from aiogram.methods import GetUpdates

    sent = {"message_id": 7, "date": 1700000000, "chat": {"id": 5, "type": "private", "first_name": "An"},
            "text": "Tỉnh nào?", "reply_markup": MENU.model_dump(exclude_none=True)}
    answer = json.dumps({"ok": True, "result": sent})
    method = SendMessage(chat_id=5, text="Tỉnh nào?", reply_markup=MENU)
    ours = TelegramSession().check_response(BOT, method, 200, answer).result
    stock = AiohttpSession().check_response(BOT, method, 200, answer).result
    assert stock.reply_markup is not None and ours.reply_markup is None
    assert ours.model_dump(exclude={"reply_markup"}) == stock.model_dump(exclude={"reply_markup"})
    # an update keeps the keyboard of the message a button was pressed on
    update = {"update_id": 1, "callback_query": {"id": "q", "from": {"id": 5, "is_bot": False, "first_name": "An"},
                                                 "chat_instance": "c", "data": "reg:start", "message": sent}}
    taken = TelegramSession().check_response(BOT, GetUpdates(), 200, json.dumps({"ok": True, "result": [update]}))
    kept = taken.result[0].callback_query.message.reply_markup
    assert kept.model_dump(exclude_none=True) == MENU.model_dump(exclude_none=True)
    # Telegram's refusals are read as aiogram reads them
    refusal = json.dumps({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                          "parameters": {"retry_after": 3}})
    try:
        TelegramSession().check_response(BOT, method, 429, refusal)
    except TelegramRetryAfter as exc:
        assert exc.retry_after == 3
    else:
        raise AssertionError("a 429 was read as a success")
