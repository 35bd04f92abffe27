"""Tests of the fake Telegram Bot API server itself, driven through real aiogram."""

from __future__ import annotations

import asyncio
import html
import io
import struct
import time
import zlib

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetFile, SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from testkit.fakebot import FakeTelegram, parse_html
from testkit.fakebot.html import HtmlError


def png(width: int, height: int) -> bytes:
    """A valid, tiny greyscale PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


@pytest.fixture
async def fake():
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(fake):
    bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    yield bot
    await bot.session.close()


@pytest.fixture
async def lan(fake):
    """A user who has already written to the bot."""
    user = fake.user(1001, first_name="Lan", language_code="vi")
    await user.send("/start")
    return user


async def raw_call(fake, method: str, token: str | None = None, **kwargs):
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}/bot{token or fake.token}/{method}"
        async with session.post(url, **kwargs) as response:
            return response.status, await response.json()


# -- protocol -----------------------------------------------------------------


async def test_get_me(bot):
    me = await bot.get_me()
    assert me.is_bot and me.username == "dalat_delegate_bot" and me.id == bot.id


async def test_bad_token_and_unknown_method(fake):
    assert await raw_call(fake, "getMe", token="not-a-token") == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await raw_call(fake, "noSuchMethod") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await raw_call(fake, "getme")  # method names are case-insensitive
    assert status == 200 and body["result"]["is_bot"] is True


async def test_json_and_query_string_params(fake, lan):
    status, body = await raw_call(fake, "sendMessage", json={"chat_id": 1001, "text": "json"})
    assert status == 200 and body["result"]["text"] == "json"
    status, body = await raw_call(fake, "sendMessage", params={"chat_id": "1001", "text": "query"})
    assert status == 200 and body["result"]["text"] == "query"
    assert [m.text for m in lan.inbox] == ["json", "query"]


async def test_send_message_returns_parsed_message(bot, fake, lan):
    markup = keyboard(InlineKeyboardButton(text="Gia Lai", callback_data="province:gl"))
    sent = await bot.send_message(
        1001, "<b>Xin chào</b> 😀 Lan", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "Xin chào 😀 Lan"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 8
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "province:gl"
    assert sent.chat.id == 1001 and sent.from_user.id == bot.id
    message = await lan.next_message()
    assert message.html == "<b>Xin chào</b> 😀 Lan" and message.buttons == ["Gia Lai"]
    assert message.inline_buttons == [{"text": "Gia Lai", "callback_data": "province:gl"}]
    assert message is lan.last and message.message_id == sent.message_id
    assert fake.calls_to("sendMessage")[0].params["chat_id"] == 1001


async def test_unknown_chat(bot, fake):
    fake.user(2002)  # exists, but never wrote to the bot
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(2002, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(9999, "hi")
    fake.user(3003, started=True)
    assert (await bot.send_message(3003, "hi")).chat.id == 3003
    assert fake.rejected == []  # state errors are not spec violations


# -- validation ---------------------------------------------------------------


async def test_unknown_and_missing_fields(bot, fake, lan):
    with pytest.raises(TelegramBadRequest, match='unknown parameter "junk"'):
        await bot(SendMessage(chat_id=1001, text="x", junk="1"))
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1001, "")  # aiogram drops the empty field
    with pytest.raises(TelegramBadRequest, match="file_id is empty"):
        await bot(GetFile.model_construct())
    assert [r.method for r in fake.rejected] == ["sendMessage", "sendMessage", "getFile"]


async def test_deprecated_parameters_telegram_still_accepts(bot, lan):
    await bot.send_message(1001, "hi", disable_web_page_preview=True)


async def test_wrong_types(fake, lan):
    status, body = await raw_call(
        fake, "sendMessage", json={"chat_id": 1001, "text": "x", "disable_notification": "maybe"}
    )
    assert status == 400 and "disable_notification" in body["description"]
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": 5}]]}
    status, body = await raw_call(
        fake, "sendMessage", json={"chat_id": 1001, "text": "x", "reply_markup": markup}
    )
    assert status == 400 and "inline_keyboard[0][0].callback_data" in body["description"]
    status, body = await raw_call(
        fake, "sendMessage", data={"chat_id": "1001", "text": "x", "reply_markup": "{oops"}
    )
    assert body["description"] == "Bad Request: can't parse reply_markup JSON object"
    status, _ = await raw_call(
        fake, "sendMessage",
        json={"chat_id": 1001, "text": "x", "reply_markup": {"keyboard": [[{"text": "A"}]]}},
    )
    assert status == 200
    assert len(fake.rejected) == 3


async def test_text_length_counts_visible_utf16(bot, lan):
    await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(1001, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "😀" * 2048 + "x")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1001, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(1001, BufferedInputFile(png(2, 2), "a.png"), caption="x" * 1025)


@pytest.mark.parametrize(
    "button",
    [
        InlineKeyboardButton(text="A", callback_data="x" * 65),
        InlineKeyboardButton(text="A", callback_data=""),
        InlineKeyboardButton(text="A", callback_data="đ" * 33),  # 66 bytes
    ],
)
async def test_bad_callback_data(bot, lan, button):
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(1001, "pick", reply_markup=keyboard(button))


async def test_inline_button_needs_exactly_one_action(bot, fake, lan):
    await bot.send_message(
        1001, "ok", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="đ" * 32))
    )
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(1001, "x", reply_markup=keyboard(InlineKeyboardButton(text="A")))
    both = InlineKeyboardButton(text="A", callback_data="a", url="https://example.org")
    with pytest.raises(TelegramBadRequest, match="exactly one"):
        await bot.send_message(1001, "x", reply_markup=keyboard(both))
    assert len(fake.rejected) == 2


async def test_html_is_validated_like_telegram(bot, fake, lan):
    name = "Lê <Văn> & Co"
    with pytest.raises(TelegramBadRequest) as error:
        await bot.send_message(1001, name, parse_mode="HTML")
    assert error.value.message == (
        'Bad Request: can\'t parse entities: Unsupported start tag "văn" at byte offset 4'
    )
    await bot.send_message(1001, f"<i>{html.escape(name)}</i>", parse_mode="HTML")
    assert lan.last.text == name
    for bad in ("<b>open", "a </b>", "<b><i>x</b></i>", "<br>", "Tom & Jerry", '<a href="x>y'):
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(1001, bad, parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await bot.send_message(1001, "x", parse_mode="HTML5")
    assert len(fake.rejected) == 8
    assert all(r.description.startswith("Bad Request: ") for r in fake.rejected)


async def test_lenient_html_accepts_bare_ampersand():
    async with FakeTelegram(strict_html=False) as fake:
        user = fake.user(1, started=True)
        status, _ = await raw_call(
            fake, "sendMessage", json={"chat_id": 1, "text": "Tom & Jerry", "parse_mode": "HTML"}
        )
        assert status == 200 and user.last.text == "Tom & Jerry"


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>a</b>&lt;<i>b</i>", "a<b", [("bold", 0, 1), ("italic", 2, 1)]),
        ("😀<u>x</u>", "😀x", [("underline", 2, 1)]),
        ('<pre><code class="language-py">1</code></pre>', "1", [("pre", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ('<span class="tg-spoiler">s</span>&#x41;&#66;', "sAB", [("spoiler", 0, 1)]),
    ],
)
def test_html_entities(source, text, entities):
    parsed_text, parsed = parse_html(source)
    assert parsed_text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_html_errors_report_utf8_byte_offsets():
    with pytest.raises(HtmlError, match='Unsupported start tag "x" at byte offset 8'):
        parse_html("Lê 😀<x>")  # "Lê " is 4 bytes in UTF-8, the emoji 4 more


# -- behaviour ----------------------------------------------------------------


async def test_rate_limits(bot, fake, lan):
    fake.set_rate_limits(per_chat_per_s=1, per_chat_burst=3)
    for _ in range(3):
        await bot.send_message(1001, "burst")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(1001, "one too many")
    assert flood.value.retry_after >= 1
    assert "retry after" in flood.value.message
    with pytest.raises(TelegramRetryAfter):  # still inside the announced retry_after
        await bot.send_message(1001, "again")
    assert fake.stats["429"] == 2


async def test_global_rate_limit():
    async with FakeTelegram(rate_limits=True) as fake:
        fake.set_rate_limits(global_per_s=5, per_chat_burst=10)
        users = [fake.user(100 + i, started=True) for i in range(6)]
        statuses = [
            (await raw_call(fake, "sendMessage", json={"chat_id": u.id, "text": "x"}))[0]
            for u in users
        ]
        assert statuses == [200] * 5 + [429]


async def test_blocked_user(bot, fake, lan):
    lan.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(1001, "hi")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(1001, "typing")
    updates = await bot.get_updates()
    assert updates[-1].my_chat_member.new_chat_member.status == "kicked"
    lan.unblock()
    await bot.send_message(1001, "welcome back")


async def test_edits(bot, fake, lan):
    markup = keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    sent = await bot.send_message(1001, "<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>v1</b>", chat_id=1001, message_id=sent.message_id,
                                    parse_mode="HTML", reply_markup=markup)
    await bot.edit_message_text("v1", chat_id=1001, message_id=sent.message_id,
                                reply_markup=markup)  # same text, entities differ: modified
    await bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=1001, message_id=1)  # the user's /start
    first, bold_dropped, keyboard_dropped = [await lan.next_message() for _ in range(3)]
    assert not first.edited and bold_dropped.edited and bold_dropped.entities == []
    assert keyboard_dropped.buttons == [] and lan.inbox == [keyboard_dropped]
    assert await bot.delete_message(1001, sent.message_id)
    assert lan.last.deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(1001, sent.message_id)
    assert fake.rejected == []


async def test_photos_both_ways(bot, fake, lan):
    qr = png(33, 33)
    sent = await bot.send_photo(1001, BufferedInputFile(qr, "qr.png"), caption="<b>QR</b>",
                                parse_mode="HTML")
    assert sent.caption == "QR" and (sent.photo[-1].width, sent.photo[-1].height) == (33, 33)
    assert lan.last.photo_bytes == qr and lan.last.file_name == "qr.png"
    again = await bot.send_photo(1001, sent.photo[-1].file_id)  # re-send by file_id
    assert lan.last.photo_bytes == qr and again.photo[-1].file_id == sent.photo[-1].file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(1001, "no-such-file-id")

    new_qr = png(21, 21)
    await bot.edit_message_media(
        InputMediaPhoto(media=BufferedInputFile(new_qr, "qr2.png")), chat_id=1001,
        message_id=sent.message_id,
    )
    assert lan.bot_message(sent.message_id).photo_bytes == new_qr
    assert lan.bot_message(sent.message_id).edited

    update = await lan.send_photo(png(4, 4), caption="my badge")
    file = await bot.get_file(update["message"]["photo"][-1]["file_id"])
    downloaded = io.BytesIO()
    await bot.download_file(file.file_path, downloaded)
    assert downloaded.getvalue() == png(4, 4)


async def test_documents_media_groups_and_copies(bot, lan):
    await bot.send_document(1001, BufferedInputFile(b"a,b\n", "list.csv"))
    assert lan.last.document_bytes == b"a,b\n" and lan.last.file_name == "list.csv"
    album = await bot.send_media_group(1001, [
        InputMediaPhoto(media=BufferedInputFile(png(1, 1), "1.png"), caption="one"),
        InputMediaPhoto(media=BufferedInputFile(png(2, 2), "2.png")),
    ])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert [m.photo_bytes for m in lan.inbox[-2:]] == [png(1, 1), png(2, 2)]
    contact = await lan.send_contact("+84905123456")
    copied = await bot.copy_message(1001, 1001, contact["message"]["message_id"])
    assert lan.bot_message(copied.message_id).raw["contact"]["phone_number"] == "+84905123456"
    venue = await bot.send_venue(1001, 11.94, 108.44, "Dalat Palace", "2 Tran Phu")
    assert venue.venue.title == "Dalat Palace" and venue.location.latitude == 11.94


async def test_commands_and_generic_methods(bot, fake, lan):
    await bot.set_my_commands([BotCommand(command="start", description="Bắt đầu")],
                              language_code="vi")
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands([BotCommand(command="admin", description="Admin")],
                              scope=BotCommandScopeChat(chat_id=1001))
    assert [c.get("language_code") for c in fake.commands] == ["vi", None, None]
    assert fake.command_menu("vi") == [{"command": "start", "description": "Bắt đầu"}]
    assert fake.command_menu()[0]["description"] == "Start"
    assert fake.command_menu(scope="chat:1001")[0]["command"] == "admin"
    assert (await bot.get_my_commands(language_code="vi"))[0].description == "Bắt đầu"
    await bot.delete_my_commands(language_code="vi")
    assert fake.command_menu("vi") is None and len(fake.commands) == 3
    assert await bot.set_my_description("Delegate registration")  # generic: validated, true
    assert await bot.send_chat_action(1001, "upload_photo")
    assert (await bot.get_chat(1001)).first_name == "Lan"
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
    assert fake.rejected == []


async def test_user_updates_are_valid_for_aiogram(bot, fake):
    user = fake.user(1001, first_name="Lan", last_name="Nguyễn", username="lan")
    await user.send_contact("+84905123456")
    await user.send_contact("+84111", user_id=None, first_name="Mai")
    await user.send_sticker()
    await user.send_document(b"xlsx-bytes", "list.xlsx", caption="delegates")
    await user.send_location(11.94, 108.44)
    user.block()
    contact, other, sticker, document, location, blocked = await bot.get_updates()
    assert contact.message.contact.user_id == 1001 and contact.message.contact.last_name == "Nguyễn"
    assert other.message.contact.user_id is None and other.message.contact.first_name == "Mai"
    assert sticker.message.sticker.emoji == "👍"
    assert document.message.document.file_name == "list.xlsx"
    assert location.message.location.longitude == 108.44
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    file = await bot.get_file(document.message.document.file_id)
    downloaded = io.BytesIO()
    await bot.download_file(file.file_path, downloaded)
    assert downloaded.getvalue() == b"xlsx-bytes"
    with pytest.raises(RuntimeError, match="blocked"):
        await user.send("hi")


async def test_long_poll_wakes_immediately_and_confirms(bot, fake):
    user = fake.user(1001)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    update = await user.send("hi")
    updates = await poll
    assert time.monotonic() - started < 0.5
    assert [u.update_id for u in updates] == [update["update_id"]]
    assert updates[0].message.text == "hi"
    update_id = update["update_id"]
    assert fake.updates_delivered_at[update_id] >= fake.updates_queued_at[update_id]
    assert await bot.get_updates(offset=update["update_id"] + 1) == []
    await user.send("/start payload")
    second = await bot.get_updates(allowed_updates=["message"], limit=1)
    assert second[0].message.entities[0].type == "bot_command"
    assert second[0].message.entities[0].length == len("/start")


async def test_faults(bot, fake, lan):
    fake.fail_next(1)
    with pytest.raises(TelegramServerError):
        await bot.send_message(1001, "x")
    await bot.send_message(1001, "recovered")
    fake.set_outage(0.3, mode="timeout")
    started = time.monotonic()
    await bot.send_message(1001, "late")
    assert time.monotonic() - started >= 0.25
    fake.set_outage(5, mode="500")
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    fake.set_outage(0)
    await bot.get_me()


async def test_callback_answers(bot, fake, lan):
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("nope")
    await bot.send_message(1001, "pick", reply_markup=keyboard(
        InlineKeyboardButton(text="Gia Lai", callback_data="p:gl"),
        InlineKeyboardButton(text="Site", url="https://example.org"),
    ))
    update = await lan.press("Gia Lai")
    assert fake.unanswered_callback_queries == [(1001, "p:gl")]
    await bot.answer_callback_query(update["callback_query"]["id"], text="Đã chọn", show_alert=True)
    answer = await lan.answer_for(update)
    assert (answer.text, answer.show_alert, answer.data) == ("Đã chọn", True, "p:gl")
    with pytest.raises(LookupError):
        await lan.press("Site")  # a URL button sends no callback query
    with pytest.raises(LookupError):
        await lan.press("Kon Tum")
    stale = await lan.press(callback_data="p:old", message=lan.last)  # double tap after an edit
    assert stale["callback_query"]["data"] == "p:old"


async def test_reply_keyboard_and_observation_helpers(bot, lan):
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Tiếng Việt")],
                                           [KeyboardButton(text="Share", request_contact=True)]])
    await bot.send_message(1001, "Language?", reply_markup=markup)
    await bot.send_message(1001, "Note")
    assert lan.reply_keyboard["keyboard"][0][0]["text"] == "Tiếng Việt"
    assert (await lan.tap("Tiếng Việt"))["message"]["text"] == "Tiếng Việt"
    with pytest.raises(LookupError):
        await lan.tap("Share")
    seen = await lan.messages_until(lambda m: m.text == "Note")
    assert [m.text for m in seen] == ["Language?", "Note"] and seen[0].buttons[0] == "Tiếng Việt"
    await lan.expect_silence(0.05)
    with pytest.raises(TimeoutError):
        await lan.next_message(timeout=0.05)


async def test_real_polling_loop(bot, fake):
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"echo: {html.escape(message.text)}", parse_mode="HTML",
            reply_markup=keyboard(InlineKeyboardButton(text="Again", callback_data="again")),
        )

    @dp.callback_query(F.data == "again")
    async def again(query: CallbackQuery) -> None:
        await query.answer("again!")
        await query.message.edit_text("pressed")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=2))
    try:
        user = fake.user(1001, first_name="Lan")
        update = await user.send("hi <3")
        reply = await user.next_message()
        assert reply.text == "echo: hi <3" and reply.reply_to_update == update["update_id"]
        assert reply.received_at >= fake.updates_delivered_at[update["update_id"]]
        press = await user.press("Again")
        assert (await user.answer_for(press)).text == "again!"
        edited = await user.next_message()
        assert edited.edited and edited.text == "pressed" and edited.buttons == []
    finally:
        await dp.stop_polling()
        await polling
    assert fake.rejected == []
