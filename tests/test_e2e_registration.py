"""End to end: the real aiogram polling loop against the fake Bot API server."""
from datetime import date, time

from models import Account
from testkit.flows import choose_vietnamese, delegates, lodging_wishes, register_by_buttons, until_button, until_seen, until_text


async def test_full_registration_by_buttons(running, fake, db):
    u = fake.user(1001, first_name="Lan", language_code="vi")
    await u.send("/start")
    main = await u.next_message()  # Telegram says Vietnamese: no language question (the switch is in the menu)
    assert "Hội nghị sơ kết" in main.text and "❓ Hướng dẫn" in main.buttons and "🌐 Tiếng Việt / English" in main.buttons
    card = await register_by_buttons(u)

    # shown exactly as typed: the HTML was escaped on the way out (the fake rejects unescaped markup)
    assert "Lê <Văn> & Co" in card.text and "Lê &lt;Văn&gt; &amp; Co" in card.html
    assert "Ăn chay <không hành>" in card.text
    [stored] = await delegates(db)
    assert (stored.full_name, stored.province, stored.category) == ("Lê <Văn> & Co", "lam_dong", "council_standing")
    assert stored.organization == "HĐND tỉnh Lâm Đồng" and stored.position == "Phó Chủ tịch"
    assert stored.phone == "+84905123456" and stored.part_codes == ["conference", "reception"]
    assert (stored.arrival_date, stored.arrival_time, stored.travel_mode) == (date(2023, 7, 26), time(14, 30), "air")
    assert stored.needs_lodging and stored.note == "Ăn chay <không hành>" and stored.active
    async with db.session() as session:
        assert (await session.get(Account, stored.account_id)).language == "vi"
    # no message of its own for the phone number: the next question carried it
    assert [m.text.split("\n")[0] for m in u.inbox if m.text.startswith("📱")] == ["📱 0905 123 456 ✓"]
    assert "Chức vụ?" in next(m.text for m in u.inbox if m.text.startswith("📱"))
    # the share-contact keyboard was taken away once the number arrived
    assert u.reply_keyboard is None


async def test_full_registration_typed_in_english(running, fake, db):
    u = fake.user(1002, first_name="An", language_code="en-US")
    await u.send("/start")
    menu = await u.next_message()
    assert "Register myself" in menu.text + "".join(menu.buttons)  # Telegram's language, not asked
    answers = [
        ("1", "Which province"),
        ("gia lai", "Which category"),
        ("2", "full name"),
        ("Nguyen Van An", "mobile number"),
        ("0905 123 456", "Position"),  # the suggested organization is filled in and shown here
        ("Chanh Van phong", "Which parts"),
        ("1, 3", "When do you arrive"),
        ("thu tu 26/7 9am", "How are you travelling"),  # the day and the time in one answer
        ("by road", "lodging"),
        ("no", "Please check the registration"),
        ("confirm", "your registration is confirmed"),
    ]
    for typed, expected in answers:
        await u.send(typed)
        await until_seen(u, expected)
    [stored] = await delegates(db)
    assert (stored.province, stored.category, stored.full_name) == ("gia_lai", "ubnd_office", "Nguyen Van An")
    assert stored.organization == "Văn phòng UBND tỉnh Gia Lai"  # the suggestion, in the event's language
    assert stored.part_codes == ["conference", "reception"] and stored.phone == "+84905123456"
    assert (stored.arrival_date, stored.arrival_time, stored.travel_mode) == (date(2023, 7, 26), time(9), "road")
    assert stored.needs_lodging is False and stored.note == ""
    assert len(answers) + 1 == 12  # actions: /start and the answers (the target: at most 12)


async def to_the_province(u) -> None:
    """Registering oneself, up to the province question."""
    await choose_vietnamese(u)
    await u.press(lambda b: b["text"].startswith("📝"))
    await until_button(u, "Gia Lai")


async def to_the_full_name(u) -> None:
    await to_the_province(u)
    await u.send("gia lai")
    await until_text(u, "thành phần")
    await u.send("Lãnh đạo Sở Nội vụ")
    await until_text(u, "Họ và tên")


async def to_the_phone(u) -> None:
    await to_the_full_name(u)
    await u.send("Nguyễn Thị Hoa")
    await until_text(u, "0905 123 456")


async def to_the_parts(u) -> None:
    await to_the_phone(u)
    await u.send("0912 345 678")
    position = await until_text(u, "Chức vụ?")
    assert "0912 345 678 ✓" in position.text and "Sở Nội vụ tỉnh Gia Lai" in position.text
    await u.send("Giám đốc Sở")
    await until_button(u, "✅ Xong")


async def to_the_note(u) -> None:
    await to_the_parts(u)
    await u.send("tất cả")
    await until_button(u, "Chưa xác định")
    await u.send("5")  # "not known yet": time and travel are skipped
    await until_button(u, "Có, đề nghị bố trí")
    await u.send("co, de nghi bo tri")
    await lodging_wishes(u)
    await until_button(u, "✅ Xác nhận")
    await u.press(lambda b: b["text"].startswith("📝"))
    await until_button(u, "Không có gì thêm")


async def test_a_province_outside_the_list_or_a_wrong_number_is_asked_again(running, fake):
    u = fake.user(1003, first_name="Hoa", language_code="vi")
    await to_the_province(u)
    await u.send("Hà Nội")  # not a member province
    assert "Vui lòng chọn một mục" in (await u.next_message()).text
    await until_button(u, "Gia Lai")
    await u.send("99")
    assert "Vui lòng chọn một mục" in (await u.next_message()).text


async def test_a_name_must_be_short_plain_text(running, fake):
    u = fake.user(1003, first_name="Hoa", language_code="vi")
    await to_the_full_name(u)
    await u.send_photo(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert "nhập câu trả lời bằng văn bản" in (await u.next_message()).text
    await until_text(u, "Họ và tên")
    await u.send_sticker()
    assert "nhập câu trả lời bằng văn bản" in (await u.next_message()).text
    await until_text(u, "Họ và tên")
    await u.send("A" * 300)
    assert "300 ký tự" in (await u.next_message()).text
    await until_text(u, "Họ và tên")
    await u.send("Nguyễn Văn 😀")
    assert "emoji" in (await u.next_message()).text


async def test_a_number_that_is_not_a_vietnamese_mobile_is_refused(running, fake):
    u = fake.user(1003, first_name="Hoa", language_code="vi")
    await to_the_phone(u)
    await u.send("12345")
    assert "không phải số di động Việt Nam" in (await u.next_message()).text


async def test_at_least_one_session_is_asked_for(running, fake):
    u = fake.user(1003, first_name="Hoa", language_code="vi")
    await to_the_parts(u)
    await u.press("✅ Xong")  # nothing ticked yet
    assert "ít nhất một phần" in (await u.next_message()).text


async def test_a_long_note_and_commands_mid_form_lose_nothing(running, fake, db):
    u = fake.user(1003, first_name="Hoa", language_code="vi")
    await to_the_note(u)
    await u.send("x" * 600)
    assert "600 ký tự" in (await u.next_message()).text
    await until_button(u, "Không có gì thêm")
    await u.send("/unknown")
    assert "/cancel" in (await u.next_message()).text
    await until_button(u, "Không có gì thêm")
    await u.send("/me")  # not now: the registration is kept
    assert "/cancel" in (await u.next_message()).text
    await u.send("/start")  # continues, never throws answers away
    await until_text(u, "Mời tiếp tục đăng ký")
    await until_button(u, "Không có gì thêm")
    await u.send("1")
    summary = await until_button(u, "✅ Xác nhận")
    assert "Nguyễn Thị Hoa" in summary.text and "0912 345 678" in summary.text
    await u.send("xac nhan")
    await until_text(u, "Đã đăng ký")
    [stored] = await delegates(db)
    assert stored.part_codes == ["conference", "exchange", "reception"]
    assert stored.arrival_date is None and stored.travel_mode is None and stored.needs_lodging
