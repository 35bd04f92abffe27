"""End to end: a person who types instead of tapping, on Telegram and on Zalo: words without diacritics, the
usual words for a choice ("ok", "xe khách", "chiều 26", "ko"), numbers, and a question in the middle of a
registration step, which is answered while the step keeps its place."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from models import Question
from testkit.flows import choose_vietnamese, delegates, until_button, until_seen, until_text
from testkit.harness import RunningBot
from testkit.zalo_flows import answer, connect, menu

PROVINCE_QUESTION = "tỉnh/đơn vị nào"


@pytest.fixture
async def typist(fake, settings, db, clean_redis):
    """The bot on the fake Telegram, its venue questions read by their words alone (the meaning model, which
    loads in the background, would make an answer depend on when it is ready)."""
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.faq_meaning = False
    bot = RunningBot(settings, clean_redis)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def typist_both(fake, fakezalo, settings, db, clean_redis):
    connect(settings, fake, fakezalo)
    settings.faq_meaning = False
    bot = RunningBot(settings, clean_redis)
    await bot.start()
    yield bot
    await bot.stop()


async def _asked(db) -> list[str]:
    async with db.session() as session:
        return [q.text for q in await session.scalars(select(Question).order_by(Question.id))]


async def test_registration_words_at_the_main_menu_are_the_menu_not_a_question(typist, fake, db):
    u = fake.user(41001, first_name="Hà", language_code="vi")
    await choose_vietnamese(u)
    await u.send("đăng ký")
    await until_text(u, PROVINCE_QUESTION)
    await u.send("/cancel")
    await until_button(u, "❓ Hướng dẫn")
    await u.send("wifi?")  # a venue question: answered, with a way out under the answer
    await until_seen(u, "Ban Tổ chức")
    await u.send("dang ky cho ban than")  # the main menu's button, though a venue answer came since
    await until_text(u, PROVINCE_QUESTION)
    assert await _asked(db) == ["wifi?"]  # only the question went to the venue questions


async def test_a_delegate_types_a_whole_registration_with_a_question_in_the_middle(typist, fake, db):
    u = fake.user(41002, first_name="An", language_code="vi")
    await choose_vietnamese(u)
    for typed, expected in [("dang ky", PROVINCE_QUESTION), ("lam dong", "thành phần"),
                            ("thuong truc hdnd tinh", "Họ và tên"), ("Nguyễn Văn An", "Số điện thoại"),
                            ("0905 123 456", "Chức vụ?")]:
        await u.send(typed)
        await until_text(u, expected)
    # the question of the issue: asked where the position is expected
    await u.send("hội nghị ở đâu?")
    choices = await until_button(u, "Địa điểm hội nghị")  # the closest topics, the step still open under them
    await u.press("Địa điểm hội nghị")
    await until_text(u, "📍")
    back = await until_text(u, "Chức vụ?")
    assert "Xin tiếp tục phần đăng ký" in back.text and choices is not back
    await u.send("khach san o dau")  # a question word without a question mark: answered too
    lodging = await until_text(u, "Chức vụ?")
    assert "Xin tiếp tục" in lodging.text
    await u.send("Phó Chủ tịch")  # the suggested organization was filled in, shown with the position question
    await until_button(u, "✅ Xong")
    await u.send("1")
    ticked = await until_text(u, "Đã chọn: Thứ Tư 26/7")
    assert "1. ☑️ Thứ Tư 26/7" in ticked.text
    await u.send("1")  # the number of a part already ticked: unticked, and said so
    unticked = await until_text(u, "Đã bỏ chọn: Thứ Tư 26/7")
    assert "☑️" not in unticked.text
    await u.send("1, 3")
    await until_text(u, "khi nào")
    for typed, expected in [("chieu 26", "mấy giờ"), ("14h", "Phương tiện"), ("xe khach", "bố trí chỗ ở"),
                            ("ừ", "rời Đà Lạt"), ("thu sau 28/7 15h", "Phòng đơn"),  # departure, room
                            ("ghep", "Vui lòng kiểm tra"),
                            ("wifi?", "Vui lòng kiểm tra"),  # a question at the review: answered, the review again
                            ("dạ đúng rồi", "Đã đăng ký")]:
        await u.send(typed)
        await until_seen(u, expected)
    [stored] = await delegates(db)
    assert (stored.position, stored.organization) == ("Phó Chủ tịch", "HĐND tỉnh Lâm Đồng")
    assert sorted(stored.part_codes) == ["conference", "reception"]
    assert (stored.arrival_date, stored.travel_mode, stored.needs_lodging, stored.note) == (
        date(2023, 7, 26), "road", True, "")
    assert (stored.departure_date, stored.departure_time, stored.room_share) == (date(2023, 7, 28), time(15), "shared")
    assert await _asked(db) == ["hội nghị ở đâu?", "khach san o dau", "wifi?"]


async def test_a_name_that_reads_as_a_question_is_asked_about(typist, fake, db):
    u = fake.user(41003, first_name="Bình", language_code="vi")
    await choose_vietnamese(u)
    for typed, expected in [("dang ky", PROVINCE_QUESTION), ("gia lai", "thành phần"), ("1", "Họ và tên")]:
        await u.send(typed)
        await until_text(u, expected)
    await u.send("Khi Nào Về")
    await until_button(u, "❓ Đây là câu hỏi")
    await u.send("cau hoi")  # the question, then: not known to the FAQ, so passing it on is offered
    await until_seen(u, "Ban Tổ chức")
    await u.send("Trần Thị Bình")  # typing the answer instead goes on with the registration
    await until_text(u, "Số điện thoại")


async def test_a_zalo_delegate_types_everything_and_a_double_send_is_dropped(typist_both, fakezalo, db):
    u = fakezalo.user("Lê Văn Gõ")
    languages = await answer(u, "Xin chào", "Chọn ngôn ngữ")
    await answer(u, menu(languages)["🇻🇳 Tiếng Việt"], "Đăng ký cho bản thân")
    await answer(u, "dang ky", PROVINCE_QUESTION)
    await answer(u, "kon tum", "thành phần")
    await answer(u, "2", "Họ và tên")
    await answer(u, "Lê Văn Gõ", "Số điện thoại")
    await answer(u, "0912 345 678", "Chức vụ?")
    offered = await answer(u, "hội nghị ở đâu?", "Địa điểm hội nghị")
    back = await answer(u, menu(offered)["Địa điểm hội nghị"], "Chức vụ?")
    assert "📍" in "".join(m.text for m in u.inbox[-3:]) and "Xin tiếp tục" in back.text
    parts = await answer(u, "Chánh Văn phòng", "Xong")
    # one numbered list: the parts as the question lists them, then Done numbered on
    assert "Trả lời bằng số:" not in parts.text and parts.text.count("1. ") == 1
    assert menu(parts)["✅ Xong"] == "5"  # after the three parts and "all parts"
    await answer(u, "3", "Đã chọn: Thứ Sáu 28/7")
    await answer(u, "xong", "khi nào")
    for typed, expected in [("ngay 27", "mấy giờ"), ("8h", "Phương tiện"), ("may bay", "bố trí chỗ ở"),
                            ("khong", "Vui lòng kiểm tra")]:
        await answer(u, typed, expected)
    review = u.inbox[-1]
    number = menu(review)["✅ Xác nhận"]
    await u.send(number)
    await u.send(number)  # sent twice: the second must not press the first button of the card that follows
    await u.until_text("Đã đăng ký")
    await answer(u, "/help", "Các lệnh:")  # after both: a chat's updates are handled in order
    assert not any("Cần thay đổi" in m.text for m in u.inbox)  # the card's first button (✏️ Sửa) was not pressed
    [stored] = await delegates(db)
    assert stored.part_codes == ["conference"] and stored.travel_mode == "air" and stored.needs_lodging is False
    assert stored.arrival_date == date(2023, 7, 27) and stored.full_name == "Lê Văn Gõ"
