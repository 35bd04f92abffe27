"""End to end: venue questions as delegates type them, answered from the FAQ or from live data, offered as
choices when unclear, and passed to the organizers (whose reply comes back) when unknown."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.services import agenda
from models import Question
from models.question import REPLIED
from testkit.crowd import seat
from testkit.flows import choose_vietnamese, until_button, until_text
from testkit.flows import organizer_in_english

ICT = timezone(timedelta(hours=7))


async def test_a_question_is_answered_and_a_location_question_gets_the_pin(running, fake):
    u = fake.user(33000, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await u.send("co can mang ao am ko")
    answer = await until_text(u, "áo khoác")
    assert "mưa" in answer.text or "ô" in answer.text
    await u.send("/venue")
    pin = (await u.messages_until(lambda m: m.kind == "venue", timeout=5))[-1]
    assert abs(pin.raw["venue"]["location"]["latitude"] - 11.9404) < 1e-6
    assert "Trần Phú" in (await until_text(u, "Trần Phú")).text


async def test_an_unclear_question_offers_choices_and_one_is_answered(running, fake):
    u = fake.user(33001, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await u.send("chuong trinh ngay 28")
    offered = await until_button(u, "Không phải các mục trên: hỏi Ban Tổ chức")
    assert len(offered.buttons) >= 3 and "Có phải Quý đại biểu muốn hỏi" in offered.text
    await u.send("1")  # typed: the first choice
    assert "Tuyên bố lý do" in (await until_text(u, "Tuyên bố lý do")).text  # the programme of 28/7


async def test_the_agenda_question_is_answered_from_the_changed_agenda(running, fake, db, conference):
    async with db.session() as session:
        await agenda.change(session, conference, "conference", None,
                            starts_at=datetime(2023, 7, 28, 8, 30, tzinfo=ICT),
                            ends_at=datetime(2023, 7, 28, 12, 0, tzinfo=ICT))
    u = fake.user(33002, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await u.send("mấy giờ hội nghị ngày 28")
    answer = await until_text(u, "28/7")
    assert "08:30" in answer.text and "08:00" not in answer.text
    assert "26/7" not in answer.text  # only the day asked about


async def test_an_unknown_question_goes_to_the_organizers_and_their_reply_comes_back(running, fake, db, conference):
    [u] = await seat(db, fake, conference, 1)
    org = await organizer_in_english(fake)
    await u.send("Có được mang theo thú cưng vào hội trường không?")
    offer = await until_button(u, "✉️ Có, gửi Ban Tổ chức")
    assert "chưa có câu trả lời" in offer.text.lower()
    await u.press("✉️ Có, gửi Ban Tổ chức")
    await until_text(u, "đã được chuyển đến Ban Tổ chức")
    relayed = await until_text(org, "thú cưng")
    assert "Đại biểu số 0" in relayed.text and "Question #" in relayed.text

    await org.send("Không được mang thú cưng, xin cảm ơn.", reply_to=relayed)
    assert "Sent to the delegate" in (await until_text(org, "Sent to the delegate")).text
    reply = await until_text(u, "Không được mang thú cưng")
    assert "Câu trả lời của Ban Tổ chức" in reply.text
    async with db.session() as session:
        question = await session.scalar(select(Question).where(Question.text.like("%thú cưng%")))
        assert question.outcome == REPLIED and question.reply.startswith("Không được")

    await org.send("/questions")  # answered questions leave the organizers' list
    listing = await until_text(org, "FAQ")
    assert "thú cưng" not in listing.text


async def test_free_text_during_registration_is_the_step_answer_not_a_question(running, fake, db):
    u = fake.user(33003, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await u.press(lambda b: b["text"].startswith("📝"))
    await until_button(u, "Lâm Đồng")
    await u.press("Lâm Đồng")
    await until_button(u, "Thường trực HĐND tỉnh")
    await u.press("Thường trực HĐND tỉnh")
    await until_text(u, "Họ và tên")
    await u.send("Khách Sạn Ở Đâu")  # looks like a question, but it is the answer to "full name?"
    await until_button(u, "✅ Đây là câu trả lời")  # in doubt, the person says which
    await u.press("✅ Đây là câu trả lời")
    await until_text(u, "Số điện thoại")
    async with db.session() as session:
        assert (await session.scalar(select(Question))) is None
