"""End to end: no reply is lost for being longer than Telegram takes.

The fake Bot API answers 400 to a text over 4,096 characters (a caption over 1,024), as Telegram does, and the
`fake` fixture fails a test that made any call Telegram would refuse."""
import io

from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from PIL import Image

from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from testkit.flows import choose_vietnamese, register_by_buttons, until_button, until_text
from testkit.records import draft

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Tiếp tục", callback_data="go")]])


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(buffer, format="PNG")
    return buffer.getvalue()


async def colleagues_sharing_a_phone(db, conference, count: int, phone: str = "+84905123456") -> None:
    """A secretariat that gave its own number for each colleague, with names as long as the form takes."""
    async with db.session() as session:
        for n in range(count):
            account = await get_or_create_account(session, channel="telegram", user_id=str(70000 + n),
                                                  chat_id=str(70000 + n), display_name=f"Đồng nghiệp {n}")
            name = f"Nguyễn Thị Phương Thảo Ngọc Bích Hạnh Dung số {n:03d} " + "Văn Phòng" * 3
            await reg.register(session, conference, draft(full_name=name[:80], phone=phone),
                               registrant=account, for_self=True)


async def test_the_repeated_phone_warning_names_a_few_and_counts_the_rest(running, fake, db, conference):
    await colleagues_sharing_a_phone(db, conference, 60)  # 60 names of 80 characters: 4,900 characters
    u = fake.user(8201, first_name="Thu", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Đặng Thu", phone="0905123456")
    summary = next(m for m in reversed(u.inbox) if "✅ Xác nhận" in m.buttons)
    assert "⚠️ Đã có 60 đăng ký với số điện thoại này" in summary.text
    assert "và 55 người khác" in summary.text
    assert summary.text.count("Nguyễn Thị Phương Thảo") == 5


async def test_a_long_message_arrives_in_valid_parts_with_the_keyboard_on_the_last(running, fake):
    u = fake.user(8202, first_name="Lan", language_code="vi", started=True)
    lines = [f"• <b>Đại biểu số {n}</b> — Văn phòng UBND tỉnh &amp; Ban Thi đua – Khen thưởng" for n in range(200)]
    sent = await running.app.bot.send_message(u.id, "<i>Danh sách\n" + "\n".join(lines) + "</i>",
                                              reply_markup=KEYBOARD)
    parts = [m for m in u.inbox if m.kind == "text"]
    assert len(parts) >= 3
    assert [bool(m.buttons) for m in parts] == [False] * (len(parts) - 1) + [True]
    assert sent.message_id == parts[-1].message_id  # a menu is edited in the message that carries it
    shown = "\n".join(m.text for m in parts)
    assert all(f"Đại biểu số {n} — Văn phòng UBND tỉnh & Ban Thi đua" in shown for n in range(200))
    assert all(any(e["type"] == "italic" for e in m.raw.get("entities", [])) for m in parts)  # tags reopened


async def test_a_long_caption_keeps_its_beginning_on_the_photo_and_the_rest_follows(running, fake):
    u = fake.user(8203, first_name="Lan", language_code="vi", started=True)
    caption = "\n".join(f"Dòng {n}: thông tin xe đưa đón &amp; khách sạn" for n in range(60))
    await running.app.bot.send_photo(u.id, BufferedInputFile(png(), "qr.png"), caption=caption,
                                     reply_markup=KEYBOARD)
    photo, *rest = u.inbox
    assert photo.kind == "photo" and photo.text.startswith("Dòng 0:") and not photo.buttons
    assert rest and rest[-1].buttons and "Dòng 59:" in rest[-1].text


async def test_an_edit_too_long_is_shortened(running, fake):
    u = fake.user(8204, first_name="Lan", language_code="vi", started=True)
    sent = await running.app.bot.send_message(u.id, "Tiến độ: 0")
    long = "<b>Tiến độ</b>\n" + "\n".join(f"Đã gửi {n} &amp; chờ" for n in range(600))
    await running.app.bot.edit_message_text(long, chat_id=u.id, message_id=sent.message_id)
    edited = u.bot_message(sent.message_id)
    assert edited.edited and edited.text.endswith("…") and edited.text.startswith("Tiến độ\nĐã gửi 0 & chờ")
    assert len(u.inbox) == 1


async def test_many_registrations_in_me_come_a_page_at_a_time(running, fake, db, conference):
    u = fake.user(8205, first_name="Văn phòng", language_code="vi")
    await choose_vietnamese(u)
    async with db.session() as session:
        secretariat = await get_or_create_account(session, channel="telegram", user_id=str(u.id),
                                                  chat_id=str(u.id), display_name="Văn phòng")
        for n in range(45):
            await reg.register(session, conference, draft(full_name=f"Cán bộ số {n:02d}", phone=f"+8491{n:07d}"),
                               registrant=secretariat, for_self=False)
    await u.send("/me")
    first = await until_button(u, "Trang sau ▶️")
    assert "Trang 1/3" in first.text and "Cán bộ số 00" in first.text and "Cán bộ số 20" not in first.text
    await u.press("Trang sau ▶️")
    second = await until_text(u, "Trang 2/3")
    assert "Cán bộ số 20" in second.text and "◀️ Trang trước" in second.buttons
    await u.send("1")  # a typed number picks the first registration of this page
    card = await until_button(u, "✏️ Thay đổi")
    assert "Cán bộ số 20" in card.text
