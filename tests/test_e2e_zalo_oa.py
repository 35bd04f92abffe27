"""End to end: the host's Zalo Official Account through the fake OA (testkit/fakezalo_oa), with the real app
running Telegram and the OA together."""
from __future__ import annotations

import time

from sqlalchemy import select

from bot.services import badge, tickets
from models import ZaloOaToken
from testkit.flows import delegates
from testkit.zalo_oa_flows import options, register_with_buttons


async def test_an_oa_follower_registers_with_buttons_and_gets_the_qr_picture(with_oa, fakeoa, db, settings):
    u = fakeoa.user(phone="84905123456")
    card = await register_with_buttons(u)
    assert "Trần Văn OA" in card.text and "<b>" not in card.text
    picture = await u.next_message()
    while picture.kind != "media":
        picture = await u.next_message()
    [url] = badge.read_codes(picture.image)  # the uploaded badge: the check-in code in it
    [stored] = await delegates(db)
    ticket = tickets.read(settings.secret_key, "dalat-2023", tickets.find_token(url))
    assert isinstance(ticket, tickets.Ticket) and ticket.delegate_id == stored.id
    assert tickets.checkin_number(stored.id) in picture.text
    assert stored.phone == "+84905123456"  # the number the card shared


async def test_menus_come_as_buttons_and_typed_numbers_still_work(with_oa, fakeoa):
    u = fakeoa.user()
    await u.send("Xin chào")
    languages = await u.until("Chọn ngôn ngữ")
    assert languages.kind == "buttons" and "🇻🇳 Tiếng Việt" in options(languages)
    assert "1." not in languages.text  # the buttons, not a numbered list
    number = options(languages).index("🇬🇧 English") + 1
    await u.send(str(number))  # typed, as on the Bot Platform
    main = await u.until("Register")
    assert main.kind == "buttons"


async def test_a_retried_post_is_handled_once_and_a_bad_signature_refused(with_oa, fakeoa):
    u = fakeoa.user()
    event = await u.send("Xin chào")
    await u.until("Chọn ngôn ngữ")
    assert await fakeoa.post(event) == 200  # Zalo posts it again (no answer within 2 s, say)
    await u.expect_silence(1.0)
    forged = u.event("user_send_text", message={"text": "Xin chào", "msg_id": "forged-1"})
    assert await fakeoa.post(forged, signature="mac=" + "0" * 64) == 403
    await u.expect_silence(0.5)
    assert fakeoa.webhook_posts == [200, 200, 403]


async def test_an_expired_token_is_refreshed_stored_and_never_logged(with_oa, fakeoa, db, caplog):
    u = fakeoa.user()
    await u.send("Xin chào")
    await u.until("Chọn ngôn ngữ")
    fakeoa.expire_access_token()
    caplog.clear()
    await u.press("🇻🇳 Tiếng Việt")
    await u.until("Đăng ký cho bản thân")  # -124, refreshed, sent again
    assert fakeoa.refreshes == 1 and fakeoa.refused[-124] == 1
    async with db.session() as session:
        row = await session.get(ZaloOaToken, 1)
    assert row.access_token == fakeoa.access_token and row.refresh_token == fakeoa.refresh_token
    logged = caplog.text
    assert fakeoa.access_token not in logged and fakeoa.refresh_token not in logged


async def test_outside_the_window_a_reminder_goes_by_zns_or_is_not_reached(with_oa, fakeoa, db, settings):
    u = fakeoa.user(phone="84905123456")
    await register_with_buttons(u, name="Lê Thị Cửa Sổ")
    app = with_oa.app
    [stored] = await delegates(db)
    account = stored.account_id
    from models import Account, ZaloOaContact
    async with db.session() as session:
        chat = int((await session.get(Account, account)).chat_id)
        contact = await session.scalar(select(ZaloOaContact).where(ZaloOaContact.zalo_id == u.id))
        contact.last_message_at = contact.last_message_at.replace(year=2020)  # silent for long
        await session.commit()
    u.last_interaction = time.time() - 10 * 86400
    bot = app.zalo_oa.bot
    # without a ZNS template: not reached, with the phone number to call
    from aiogram.exceptions import TelegramForbiddenError
    try:
        await bot.send_message(chat, "Nhắc lịch: <b>Hội nghị</b> lúc 8:00")
        raise AssertionError("sent outside the window")
    except TelegramForbiddenError as exc:
        assert "+84905123456" in exc.message
    # with the organizer's approved template: a ZNS notice to the phone, parameters filled in
    settings.zalo_oa_zns_template_id = "300001"
    settings.zalo_oa_zns_params = '{"name": "{name}", "content": "{text}"}'
    await bot.send_message(chat, "Nhắc lịch: <b>Hội nghị</b> lúc 8:00")
    [(phone, notice)] = fakeoa.zns
    assert phone == "84905123456"
    assert notice.template_data == {"name": "Lê Thị Cửa Sổ", "content": "Nhắc lịch: Hội nghị lúc 8:00"}
    assert fakeoa.refused[-230] == 0  # the bot never tried the chat outside the window
