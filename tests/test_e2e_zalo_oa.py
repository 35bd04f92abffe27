"""End to end: the host's Zalo Official Account through the fake OA (testkit/fakezalo_oa), with the real app
running Telegram and the OA together."""
from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import select

from bot.services import badge, tickets
from models import ZaloOaEvent, ZaloOaToken
from testkit.flows import delegates
from testkit.zalo_oa_flows import journal_states, leave_unhandled, options, register_with_buttons, webhook_of


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
    while (await u.next_message()).kind != "media":  # the QR picture: the last of the registration's messages
        pass
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


async def test_a_broadcast_preview_counts_the_oa_routes_and_zns_reaches_the_silent(with_oa, fake, fakeoa, db,
                                                                                 conference, settings):
    from testkit.flows import broadcast_to_everyone, organizer_in_english, until_text
    from testkit.zalo_oa_flows import seat_oa

    settings.zalo_oa_zns_template_id = "300001"
    settings.zalo_oa_zns_params = '{"name": "{name}", "content": "{text}"}'
    recent = await seat_oa(db, fakeoa, conference, "Đỗ Văn Gần", phone="+84905111222", wrote_hours_ago=2)
    silent = await seat_oa(db, fakeoa, conference, "Hồ Thị Xa", phone="+84905333444", wrote_hours_ago=72)
    org = await organizer_in_english(fake)
    summary = await broadcast_to_everyone(org, "Xe đưa đón lúc 07:15")
    assert "Zalo OA: 1 in the chat (free), 1 by ZNS template to their phone (1 ZNS messages" in summary.text
    await org.press("✅ Send now")
    await until_text(org, "finished:", 30)
    assert "07:15" in (await recent.until("07:15")).text
    [(phone, notice)] = fakeoa.zns
    assert phone == "84905333444" and notice.template_data == {
        "name": "Hồ Thị Xa", "content": "📣 Ban Tổ chức thông báo Xe đưa đón lúc 07:15"}  # one line: ZNS has no breaks
    await silent.expect_silence(0.2)  # nothing in the chat: the window is closed
    assert fakeoa.refused[-230] == 0


async def test_without_zns_the_silent_are_reported_not_reached_with_their_phone(with_oa, fake, fakeoa, db,
                                                                               conference):
    from testkit.flows import broadcast_to_everyone, organizer_in_english, until_text
    from testkit.zalo_oa_flows import seat_oa

    await seat_oa(db, fakeoa, conference, "Hồ Thị Xa", phone="+84905333444", wrote_hours_ago=72)
    org = await organizer_in_english(fake)
    summary = await broadcast_to_everyone(org, "Xe đưa đón lúc 07:15")
    assert "0 in the chat (free), 0 by ZNS template to their phone (0 ZNS messages, paid per message), 1 not reached" \
        in summary.text
    await org.press("✅ Send now")
    report = (await until_text(org, "finished:", 30)).text
    assert "Hồ Thị Xa" in report and "0905 333 444" in report
    assert fakeoa.zns == []


async def test_long_texts_are_split_to_the_oa_limit_and_a_file_gets_a_polite_answer(with_oa, fakeoa, db, conference):
    from testkit.zalo_oa_flows import seat_oa
    from models import Account

    u = await seat_oa(db, fakeoa, conference, "Đặng Văn Dài", phone="+84905777888", wrote_hours_ago=1)
    async with db.session() as session:
        [chat] = (await session.scalars(select(Account.chat_id).where(Account.channel == "zalo_oa"))).all()
    long = "\n".join(f"Dòng {n}: " + "chữ " * 40 for n in range(30))  # about 5,000 characters
    await with_oa.app.zalo_oa.bot.send_message(int(chat), long)
    pieces = [await u.next_message() for _ in range(3)]
    assert all(1 <= len(p.text) <= 2000 for p in pieces)
    assert "\n".join(p.text for p in pieces).split() == long.split()  # nothing lost or doubled
    await u.send_file()
    answer = await u.next_message()
    assert answer.kind in ("text", "buttons") and answer.text  # the handlers read only text: they say so


async def test_a_new_follower_is_greeted(with_oa, fakeoa):
    u = fakeoa.user()
    u.last_interaction = time.time()
    await fakeoa.post(u.event("follow", follower={"id": u.id}, source="oa_profile"))
    assert "Chọn ngôn ngữ" in (await u.until("Chọn ngôn ngữ")).text


async def test_a_template_that_does_not_match_is_refused_and_counted_failed(with_oa, fakeoa, db, conference,
                                                                           settings):
    from aiogram.exceptions import TelegramBadRequest

    from models import Account
    from testkit.zalo_oa_flows import seat_oa

    await seat_oa(db, fakeoa, conference, "Hồ Thị Xa", phone="+84905333444", wrote_hours_ago=72)
    settings.zalo_oa_zns_template_id = "300001"
    settings.zalo_oa_zns_params = '{"customer": "{name}"}'  # not the approved template's parameters
    async with db.session() as session:
        [chat] = (await session.scalars(select(Account.chat_id).where(Account.channel == "zalo_oa"))).all()
    try:
        await with_oa.app.zalo_oa.bot.send_message(int(chat), "Đổi giờ khai mạc")
        raise AssertionError("a ZNS with the wrong parameters went out")
    except TelegramBadRequest as exc:  # the outbox and reminders count it failed, not blocked
        assert "-112 " in exc.message
    assert fakeoa.zns == [] and len(fakeoa.rejected) == 1
    fakeoa.rejected.clear()  # refused as the bot's settings deserved: not a fault of the bridge


async def test_an_oa_follower_registers_by_typing_numbers_and_the_phone(with_oa, fakeoa, db):
    u = fakeoa.user()

    async def choose(message, label: str) -> None:
        await u.send(str(options(message).index(label) + 1))  # the button's number, typed

    await u.send("Xin chào")
    await choose(await u.until("Chọn ngôn ngữ"), "🇻🇳 Tiếng Việt")
    await choose(await u.until("Đăng ký cho bản thân"), "📝 Đăng ký cho bản thân")
    await u.until("tỉnh/đơn vị nào")
    for typed, expected in (("lam dong", "thành phần"), ("thuong truc hdnd tinh", "Họ và tên"),
                            ("Ngô Thị Gõ", "0905 123 456")):
        await u.send(typed)
        await u.until(expected)
    await u.send("0912 345 678")  # typed, not shared by the card
    await u.until("Chức vụ?")
    for typed, expected in (("Phó Chủ tịch", "Xong"), ("1, 3", "Thứ Tư 26/7"), ("thu tu 26/7 14h30", "Máy bay"),
                            ("may bay", "bố trí"), ("co", "rời Đà Lạt"), ("28/7 14:00", "Phòng đơn"),
                            ("phong don", "Xác nhận")):
        await u.send(typed)
        confirm = await u.until(expected)
    assert "1. ✅ Xác nhận" in confirm.text  # six choices: a numbered list, not buttons
    await u.send("1")
    await u.until("Đã đăng ký")
    [stored] = await delegates(db)
    assert stored.full_name == "Ngô Thị Gõ" and stored.phone == "+84912345678"


async def test_events_a_killed_process_left_unhandled_are_handled_once_at_the_next_start(with_oa, fakeoa, db,
                                                                                       settings, caplog):
    u = fakeoa.user()
    await with_oa.stop()  # the process is gone; what it had acknowledged but not handled is in the journal
    hello = u.event("user_send_text", message={"text": "Xin chào", "msg_id": "left-1"})
    english = u.event("user_send_text", message={"text": "🇬🇧 English", "msg_id": "left-2"})
    u.last_interaction = time.time()  # they wrote: Zalo's window is open
    await leave_unhandled(db, hello)
    await leave_unhandled(db, english)
    caplog.clear()
    await with_oa.start()
    fakeoa.webhook_url = webhook_of(settings)
    languages = await u.until("Chọn ngôn ngữ")  # in the order they came: the question, then the answer's menu
    assert languages.kind == "buttons"
    await u.until("Register")
    await u.expect_silence(1.0)  # each once
    assert "2 Zalo OA events left unhandled at the last stop are handled now" in caplog.text
    assert await journal_states(db) == ["handled", "handled"]
    assert await fakeoa.post(english) == 200  # Zalo posts one again: acknowledged, not handled again
    await u.expect_silence(1.0)
    assert await with_oa.app.zalo_oa.resume() == 0  # nothing left for the periodic look either


async def test_a_live_event_is_stored_whole_and_marked_handled(with_oa, fakeoa, db):
    u = fakeoa.user()
    event = await u.send("Xin chào")
    await u.until("Chọn ngôn ngữ")
    await with_oa.app.zalo_oa.settle()
    async with db.session() as session:
        [row] = (await session.scalars(select(ZaloOaEvent))).all()
    assert row.state == "handled" and json.loads(row.payload) == event and row.handled_at is not None


async def test_a_new_message_at_a_start_waits_for_the_ones_left_at_the_last_stop(with_oa, fakeoa, db):
    oa = with_oa.app.zalo_oa
    with_oa.oa_task.cancel()  # its own look at the start is over or stopped; this test makes its own
    await asyncio.gather(with_oa.oa_task, return_exceptions=True)
    oa._resumed = False  # as just started: the events left at the last stop not yet looked at
    u = fakeoa.user()
    u.last_interaction = time.time()
    await leave_unhandled(db, u.event("user_send_text", message={"text": "Xin chào", "msg_id": "before-stop"}))
    assert await fakeoa.post(u.event("user_send_text", message={"text": "🇬🇧 English", "msg_id": "after"})) == 200
    await u.expect_silence(0.5)  # acknowledged, and waiting for the earlier one
    assert await oa.resume(at_start=True) == 1
    await u.until("Chọn ngôn ngữ")
    await u.until("Register")
    await with_oa.app.zalo_oa.settle()
    assert await journal_states(db) == ["handled", "handled"]
