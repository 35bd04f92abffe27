"""End to end: /me, changing and cancelling, delegations and hand-over, restarts, stale buttons."""
import asyncio

from testkit.flows import (button_starting, choose_vietnamese, delegates, register_by_buttons, until_button,
                         until_seen, until_text)


async def test_change_fields_and_cancel(running, fake, db):
    u = fake.user(2001, first_name="Minh", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Phạm Văn Minh")
    [before] = await delegates(db)

    await u.send("/me")
    card = await until_button(u, "✏️ Thay đổi")
    assert "Phạm Văn Minh" in card.text
    await u.press("✏️ Thay đổi")
    await until_button(u, "Số điện thoại")
    await u.press("Số điện thoại")
    await until_text(u, "0905 123 456")
    await u.send("0987654321")
    saved = await until_text(u, "Đã lưu")
    assert "0987 654 321" in saved.text
    # a change of name replaces the check-in code; typed "1" presses the card's first button
    await u.send("1")
    await until_button(u, "Họ và tên")
    await u.send("ho va ten")
    await until_text(u, "Họ và tên")
    await u.send("Phạm Văn Minh Anh")
    saved = await until_text(u, "Đã lưu")
    assert "mã cũ không còn hiệu lực" in saved.text
    [after] = await delegates(db)
    assert after.phone == "+84987654321" and after.full_name == "Phạm Văn Minh Anh"
    assert after.ticket_version == before.ticket_version + 1
    # changing the province asks the category again (the categories depend on it)
    await u.press("✏️ Thay đổi")
    await until_button(u, "Tỉnh/đơn vị")
    await u.press("Tỉnh/đơn vị")
    await until_button(u, "Trung ương")
    await u.press("Trung ương")
    await until_button(u, "Phóng viên báo, đài")
    await u.press("Phóng viên báo, đài")
    await until_text(u, "Đã lưu")
    [after] = await delegates(db)
    assert (after.province, after.category) == ("central", "press")

    # cancel, with a confirmation step; "no" keeps it
    await u.press("🗑 Hủy đăng ký này")
    await until_button(u, "Không, giữ lại")
    await u.press("Không, giữ lại")
    await until_button(u, "🗑 Hủy đăng ký này")
    assert (await delegates(db))[0].active
    await u.press("🗑 Hủy đăng ký này")
    await until_button(u, "Có, hủy đăng ký")
    await u.press("Có, hủy đăng ký")
    await until_text(u, "Đã hủy đăng ký của Phạm Văn Minh Anh")
    [after] = await delegates(db)
    assert not after.active and after.cancelled_at is not None
    # once cancelled, an old "change" button is refused as expired
    update = await u.press(callback_data=card.inline_buttons[0]["callback_data"], message=card)
    assert (await u.answer_for(update)).text == "Menu này đã hết hạn."


async def test_delegation_of_three_and_hand_over(running, fake, db):
    specialist = fake.user(3001, first_name="Thu", language_code="vi")
    await choose_vietnamese(specialist)
    names = ["Nguyễn Văn Một", "Trần Thị Hai", "Lê Văn Ba"]
    for n, name in enumerate(names):
        if n:
            await specialist.send("/start")
            await until_button(specialist, "❓ Hướng dẫn")
        await register_by_buttons(specialist, name=name, province="Kon Tum", category="Lãnh đạo UBND tỉnh",
                                  for_self=False, phone=f"090512345{n}")
        await until_text(specialist, "https://t.me/dalat_delegate_bot?start=c")
    stored = await delegates(db)
    assert [d.full_name for d in stored] == names
    assert all(d.account_id is None and d.registered_by_id == stored[0].registered_by_id for d in stored)
    assert [d.phone for d in stored] == ["+84905123450", "+84905123451", "+84905123452"]

    await specialist.send("/me")
    listing = await until_text(specialist, "Các đăng ký đã thực hiện (3)")
    assert all(name in listing.text for name in names)
    await specialist.press("Trần Thị Hai")
    card = await until_button(specialist, "🔗 Đường link cho đại biểu")
    await specialist.press("🔗 Đường link cho đại biểu")
    link = (await until_text(specialist, "https://t.me/")).text.split("https://t.me/dalat_delegate_bot?start=")[1]

    leader = fake.user(3002, first_name="Hai", language_code="vi")
    await leader.send(f"/start {link}")
    mine = await until_text(leader, "Trần Thị Hai")
    assert "✏️ Thay đổi" in mine.buttons
    taken = (await delegates(db))[1]
    assert taken.account_id is not None and taken.claim_code is None
    # single use: a second person gets a clear refusal
    stranger = fake.user(3003, first_name="X", language_code="vi")
    await stranger.send(f"/start {link}")
    assert "đã được sử dụng" in (await stranger.next_message()).text
    # a forged link (for a record not yet taken over) is refused
    await stranger.send(f"/start c{stored[2].id}_00000000000000000000")
    assert "không hợp lệ" in (await stranger.next_message()).text
    # the leader now has a registration of their own
    await leader.send("/start")
    assert "Trần Thị Hai" in (await until_button(leader, "📋 Xem đăng ký")).text
    assert card.inline_buttons  # the specialist still manages the record
    await specialist.send("/me")
    assert "Trần Thị Hai" in (await until_text(specialist, "(3)")).text


async def test_data_survives_a_restart(running, fake, db):
    u = fake.user(4001, first_name="Bình", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Đỗ Thị Bình")
    await running.restart()
    await u.send("/me")
    card = await until_button(u, "✏️ Thay đổi")
    assert "Đỗ Thị Bình" in card.text and "Đã đăng ký" in card.text
    await u.send("/start")  # the language chosen before is remembered
    assert "Đỗ Thị Bình" in (await until_button(u, "❓ Hướng dẫn")).text


async def test_a_stop_lets_the_answer_being_handled_finish(running, fake, db):
    """A deploy or restart while a confirmation is being handled: the bot finishes that update (its message,
    the end of the conversation in the FSM storage) before the storage, the database and the session close."""
    u = fake.user(4002, first_name="Ba", language_code="vi")
    await choose_vietnamese(u)
    held, release = asyncio.Event(), asyncio.Event()

    async def hold_the_card(_method, params):
        if "Đã đăng ký" in str(params.get("text", "")) and not release.is_set():
            held.set()
            await release.wait()

    fake.before_send = hold_the_card
    registering = asyncio.create_task(register_by_buttons(u, name="Đỗ Thị Ba"))
    await asyncio.wait_for(held.wait(), 60)
    stopping = asyncio.create_task(running.stop())
    await asyncio.sleep(0.5)
    assert not stopping.done()  # the stop waits for the confirmation being handled
    release.set()
    await asyncio.wait_for(stopping, 30)
    assert "Đỗ Thị Ba" in (await registering).text
    [delegate] = await delegates(db)
    assert delegate.full_name == "Đỗ Thị Ba"

    await running.start()
    await u.send("/me")
    seen = await u.messages_until(lambda m: "✏️ Thay đổi" in m.buttons)
    assert "Đỗ Thị Ba" in seen[-1].text
    assert not [m.text for m in seen if "⚠️" in m.text or "hoàn tất đăng ký" in m.text]


async def test_restart_in_the_middle_of_a_registration(running, fake, db):
    """The conversation lives in the database (bot/infra/storage.py): a restart keeps the step, and the button
    of the menu sent before it still answers it."""
    u = fake.user(5001, first_name="Nam", language_code="vi")
    await choose_vietnamese(u)
    await u.press(button_starting("📝"))
    await until_button(u, "Gia Lai")
    await u.press("Gia Lai")
    categories = await until_button(u, "Lãnh đạo Sở Nội vụ")
    await running.restart()
    update = await u.press("Lãnh đạo Sở Nội vụ", message=categories)
    await until_text(u, "Họ và tên")
    assert (await u.answer_for(update)).text != "Menu này đã hết hạn."
    await u.send("Vũ Văn Nam")
    await until_text(u, "Số điện thoại")
    await running.restart()
    await u.send("0905 123 456")
    await until_text(u, "Chức vụ?")


async def test_stale_and_unknown_buttons(running, fake):
    u = fake.user(6001, first_name="Tú", language_code="vi")
    main = await choose_vietnamese(u)
    await u.press(button_starting("📝"))
    await until_button(u, "Gia Lai")
    await u.press("Gia Lai")
    await until_button(u, "Lãnh đạo Sở Nội vụ")
    # a button from an earlier step: expired, and the current step again
    await u.press(callback_data="p:province:kon_tum", message=main)
    assert "Menu này đã hết hạn" in (await until_text(u, "hết hạn")).text
    await until_button(u, "Lãnh đạo Sở Nội vụ")
    # data the bot never made
    update = await u.press(callback_data="garbage", message=main)
    assert (await u.answer_for(update)).text == "Menu này đã hết hạn."


async def test_help_lang_cancel(running, fake):
    u = fake.user(7001, first_name="Ann", language_code="en")
    await u.send("/start")  # Telegram says English: the language is not asked
    await until_seen(u, "Register myself")
    await u.send("/help")
    text = (await until_text(u, "/me")).text
    assert all(f"/{c}" in text for c in ("start", "me", "lang", "help", "cancel"))
    await u.send("/lang")
    await until_button(u, "🇻🇳 Tiếng Việt")
    await u.press("🇻🇳 Tiếng Việt")
    await until_seen(u, "Đăng ký cho bản thân")
    await u.press(button_starting("📝"))
    await until_button(u, "Gia Lai")
    await u.send("/cancel")
    assert "Đã dừng" in (await u.next_message()).text
    await until_button(u, "❓ Hướng dẫn")
    await u.send("/cancel")
    assert "Không có thao tác nào" in (await u.next_message()).text
    # the command menu is published per language
    languages = {c.get("language_code") for c in fake.commands}
    assert {"vi", "en"} <= languages


async def test_same_phone_twice_is_pointed_out_before_confirming(running, fake, db):
    u = fake.user(8101, first_name="Thu", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Đặng Thu", phone="0905123456")
    await u.send("/start")
    await until_button(u, "❓ Hướng dẫn")
    await register_by_buttons(u, name="Đặng Thị Thu", phone="0905 123 456", for_self=False)
    summary = next(m for m in reversed(u.inbox) if "✅ Xác nhận" in m.buttons)
    assert "⚠️ Đặng Thu đã đăng ký với số điện thoại này" in summary.text
    assert len(await delegates(db)) == 2  # a warning, not a refusal: two people may share an office phone
