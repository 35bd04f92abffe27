"""Zalo conversations for end-to-end tests (the bot runs Telegram and Zalo together)."""
from __future__ import annotations

import re

from testkit.fakezalo import FakeZalo, FakeZaloUser, ZaloMessage


def connect(settings, fake, fakezalo) -> None:
    """Both channels on their fakes; polling (a public URL for the pictures, but no webhook)."""
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.zalo_api_url, settings.zalo_bot_token = fakezalo.base_url, fakezalo.token
    settings.zalo_send_rate_per_second = 0
    settings.use_webhook = False


def menu(message: ZaloMessage) -> dict[str, str]:
    """The numbered options of a menu sent as text: label → number."""
    return {label.strip(): number for number, label in re.findall(r"^(\d+)\. (.+)$", message.text, re.MULTILINE)}


async def answer(u: FakeZaloUser, typed: str, expected: str, timeout: float = 5) -> ZaloMessage:
    await u.send(typed)
    return await u.until_text(expected, timeout)


async def register_by_typing(u: FakeZaloUser, *, name: str = "Phạm Thị Zalo") -> ZaloMessage:
    """A new Zalo user says hello, chooses Vietnamese and registers by typing numbers and words only."""
    languages = await answer(u, "Xin chào", "Chọn ngôn ngữ")
    main = await answer(u, menu(languages)["🇻🇳 Tiếng Việt"], "Đăng ký cho bản thân")
    provinces = await answer(u, menu(main)["📝 Đăng ký cho bản thân"], "tỉnh/đơn vị nào")
    await answer(u, menu(provinces)["Lâm Đồng"], "thành phần")
    await answer(u, "thuong truc hdnd tinh", "Họ và tên")
    phone = await answer(u, name, "0905 123 456")
    assert "📱" not in phone.text  # the share-contact button became "type your phone number"
    position = await answer(u, "0905 123 456", "Chức vụ?")
    assert "HĐND tỉnh Lâm Đồng" in position.text  # the suggested organization, filled in
    parts = await answer(u, "Phó Chủ tịch", "Xong")
    assert "Trả lời bằng số thứ tự" in parts.text and "Bấm" not in parts.text  # no button to tap on Zalo
    await answer(u, "1, 3", "Thứ Tư 26/7")
    await answer(u, "thu tu 26/7 14h30", "Máy bay")  # the day and the time in one answer
    await answer(u, "may bay", "bố trí")
    await answer(u, "co", "rời Đà Lạt")
    await answer(u, "28/7 14:00", "Phòng đơn")
    confirm = await answer(u, "phong don", "Xác nhận")
    return await answer(u, menu(confirm)["✅ Xác nhận"], "Đã đăng ký")


async def seat_zalo(db, fakezalo: FakeZalo, conference, name: str, *, lang: str = "vi",
                    parts: list[str] | None = None) -> tuple[FakeZaloUser, int]:
    """A Zalo user who has written to the bot before and registered (written straight to the database, as
    the bridge would have left it); returns the user and their account id."""
    from bot.channels.zalo.ids import BASE
    from bot.services import registration as reg
    from bot.services.accounts import get_or_create_account
    from models import ZaloId
    from testkit.records import draft

    u = fakezalo.user(name)
    u.started = True
    async with db.session() as session:
        row = ZaloId(zalo_id=u.id)
        session.add(row)
        await session.commit()
        internal = str(BASE + row.id)
        account = await get_or_create_account(session, channel="zalo", user_id=internal, chat_id=internal,
                                              display_name=name)
        account.language = lang
        await reg.register(session, conference, draft(full_name=name, **({"parts": parts} if parts else {})),
                           registrant=account, for_self=True)
        return u, account.id
