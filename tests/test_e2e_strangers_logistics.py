"""Strangers meet the logistics (issues 19–21) as they really write: the lodging questions typed without diacritics
and in English ("ve ngay 28 chieu", "o ghep voi anh Nam", "leaving on the 28th", "share with Mr …"), a double tap
on the departure and room buttons, a question and a photo where the departure is expected, a roommate of another
province, organizers' commands sent twice, reception staff refused the organizers' papers, an HTML-ish name on
the badges and the manifests."""
import io
from datetime import date

import openpyxl

from bot.services.accounts import get_or_create_account
from models import AccountRole
from models.account import STAFF
from testkit.crowd import seat_each
from testkit.flows import TYPED_REGISTRATION, choose_vietnamese, delegates, handled, organizer_in_english, \
    register_by_buttons, tapped_together, until_button, until_seen, until_text
from testkit.papers import pdf_pages
from testkit.zalo_flows import answer, menu

VI_TYPED = [("/start", "Hướng dẫn"), ("dang ky", "tỉnh/đơn vị nào"), ("lam dong", "thành phần"),
            ("thuong truc hdnd tinh", "Họ và tên"), ("Tran Van Nam", "0905 123 456"),
            ("0905 123 456", "Chức vụ?"), ("pho chu tich", "Xong"), ("1, 3", "Thứ Tư 26/7"),
            ("26/7 14h30", "Máy bay"), ("oto", "bố trí"), ("co", "rời Đà Lạt")]


async def typed(u, steps) -> None:
    for text, expected in steps:
        await u.send(text)
        await until_seen(u, expected)


async def test_the_lodging_questions_typed_in_vietnamese_without_diacritics(running, fake, db):
    u = fake.user(7301, first_name="Nam", language_code="vi")
    await typed(u, [*VI_TYPED, ("ve ngay 28 chieu", "Phòng đơn"), ("o ghep voi anh Nguyen Van Binh", "Xác nhận")])
    review = u.inbox[-1]
    assert "Ngày về: Thứ Sáu 28/7" in review.text and "Phòng: ở ghép với Nguyen Van Binh" in review.text
    await typed(u, [("khong an thit heo, an chay", "Xác nhận")])  # a diet typed at the review: the note
    review = u.inbox[-1]
    assert "Chế độ ăn: Không ăn thịt heo, Ăn chay" in review.text  # both diets the words name, ticked
    await typed(u, [("ok", "Đã đăng ký")])
    [stored] = await delegates(db)
    assert (stored.departure_date, stored.room_share, stored.roommate) == (date(2023, 7, 28), "shared",
                                                                           "Nguyen Van Binh")
    assert sorted(stored.diets.split(",")) == ["no_pork", "vegetarian"]


async def test_the_lodging_questions_typed_in_english(running, fake, db):
    g = fake.user(7302, first_name="An", language_code="en")
    await typed(g, [*TYPED_REGISTRATION[:10], ("yes", "When do you leave"), ("leaving on the 28th", "single room"),
                    ("share with Mr Tran Van Binh", "Please check"), ("vegetarian please, no onions", "Please check"),
                    ("confirm", "registration is confirmed")])
    [stored] = await delegates(db)
    assert (stored.departure_date, stored.room_share, stored.roommate) == (date(2023, 7, 28), "shared",
                                                                           "Tran Van Binh")
    assert (stored.note, stored.diets) == ("vegetarian please, no onions", "vegetarian")  # typed at the review


async def test_a_roommate_of_another_province_named_with_ghep_voi_anh_is_refused(running, fake, db):
    lam = fake.user(7303, first_name="Lâm", language_code="vi")
    await choose_vietnamese(lam)
    await register_by_buttons(lam, name="Nguyễn Văn Lâm")  # Lâm Đồng
    g = fake.user(7304, first_name="Hà", language_code="vi")
    await typed(g, [*VI_TYPED[:2], ("gia lai", "thành phần"), ("2", "Họ và tên"), *VI_TYPED[4:],
                    ("28/7 10:00", "Phòng đơn"), ("o ghep voi anh Nguyen Van Lam", "đoàn khác")])
    refused = g.inbox[-1]
    assert "Nguyễn Văn Lâm" in refused.text and "Lâm Đồng" in refused.text
    await until_button(g, "Phòng đơn")  # the room asked again, nothing stored
    await typed(g, [("o ghep voi ai cung duoc", "Xác nhận")])  # anyone of the delegation: no name kept
    assert "Phòng: ở ghép cùng đoàn\n" in g.inbox[-1].text


async def test_a_question_and_a_photo_at_the_departure_then_double_taps(running, fake, db):
    u = fake.user(7305, first_name="Lâm", language_code="vi")
    await typed(u, VI_TYPED)
    await u.send("khach san o dau?")  # answered, the departure asked again
    answered = await until_text(u, "rời Đà Lạt")
    assert "bố trí nơi nghỉ" in u.inbox[-2].text  # the FAQ's hotel answer
    await u.send_photo(b"\x89PNG\r\n\x1a\n" + b"0" * 64)  # a photo where text is expected: said, asked again
    await until_text(u, "rời Đà Lạt")
    assert "nhập câu trả lời bằng văn bản" in u.inbox[-2].text
    departure = u.inbox[-1]
    assert answered.buttons == departure.buttons
    seen = len(u.inbox)
    answers = await tapped_together(running, u, "Thứ Sáu 28/7", departure)
    assert [a.text for a in answers] == [None, "Lựa chọn này đã được ghi nhận."]
    after = u.inbox[seen:]
    assert [m.buttons for m in after] == [["Phòng đơn", "Ở ghép cùng đoàn"]], [m.text for m in after]
    answers = await tapped_together(running, u, "Phòng đơn", after[0])
    assert [a.text for a in answers] == [None, "Lựa chọn này đã được ghi nhận."]
    review = u.inbox[-1]
    assert "hết hạn" not in "".join(m.text for m in u.inbox[seen:]) and "✅ Xác nhận" in review.buttons
    await u.press("✅ Xác nhận", message=review)
    await until_text(u, "Đã đăng ký")
    [stored] = await delegates(db)
    assert (stored.departure_date, stored.room_share) == (date(2023, 7, 28), "single")


async def _staff(db, user_id: int) -> None:
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id=str(user_id),
                                              chat_id=str(user_id), display_name="Lễ tân")
        account.roles.append(AccountRole(account_id=account.id, role=STAFF))
        await session.commit()


async def test_reception_staff_are_refused_the_organizers_papers_politely(running, fake, db):
    await _staff(db, 9100)
    staff = fake.user(9100, first_name="Lễ tân", language_code="vi", started=True)
    for command in ("/badges", "/badges all", "/rooms", "/rooms auto", "/room 1 ngoc_lan twin-1", "/transport",
                    "/transport plan", "/final_report", "/mc", "/reports"):
        await staff.send(command)
        answer = await staff.next_message()
        assert (answer.kind, answer.text) == ("text", "Lệnh này chỉ dành cho Ban Tổ chức."), command
    await staff.expect_silence()


async def test_organizers_twice_and_an_html_name_on_the_papers(running, fake, db, conference):
    lam_dong = {"province": "lam_dong", "category": conference.categories_for("lam_dong")[0].code}
    users, ids = await seat_each(db, fake, conference, [{"full_name": "<b>Nguyễn</b> & Co", **lam_dong},
                                                        lam_dong, {}])
    org = await organizer_in_english(fake)
    await org.send("/badges lam dong")  # a province typed without diacritics: its two badges
    assert "2 badges" in (await until_text(org, "Preparing")).text
    pdf = (await org.messages_until(lambda m: m.kind == "document"))[-1]
    assert "<b>Nguyễn</b> & Co" in " ".join(" ".join(pdf_pages(pdf.document_bytes)).split())  # printed as typed

    await org.send("/rooms auto")
    await org.send("/rooms auto")  # sent again before the first answer: nobody placed twice
    first, second = [(await until_text(org, "Rooms filled")).text for _ in range(2)]
    assert "3 delegates placed" in first and "0 delegates placed" in second
    await org.send("/rooms")
    assert "with a room: 3; waiting: 0" in (await until_text(org, "Lodged: 3")).text

    await org.send("/transport plan")
    preview = await until_button(org, "✅ Confirm and notify")
    await tapped_together(running, org, "✅ Confirm and notify", preview, until="finished:")
    await handled(running)
    assert [sum("Xe đưa đón" in m.text for m in u.inbox) for u in users] == [1, 1, 1]
    await org.send("/transport")
    await org.press("📥 Manifest (Excel)", message=await until_button(org, "📥 Manifest (Excel)"))
    sheet = (await org.messages_until(lambda m: m.kind == "document"))[-1]
    book = openpyxl.load_workbook(io.BytesIO(sheet.document_bytes))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert "<b>Nguyễn</b> & Co" in cells


async def test_on_zalo_the_lodging_typed_and_a_diet_typed_at_the_review(both, fake, fakezalo, db):
    u = fakezalo.user("Trần Văn Nam")
    languages = await answer(u, "Xin chào", "Chọn ngôn ngữ")
    await answer(u, menu(languages)["🇻🇳 Tiếng Việt"], "Đăng ký cho bản thân")
    for text, expected in VI_TYPED[1:]:
        await answer(u, text, expected)
    await answer(u, "khach san o dau?", "rời Đà Lạt")  # answered, then the departure again
    await answer(u, "ve ngay 28 chieu", "Phòng đơn")
    await answer(u, "o ghep voi chi Tran Thi Lan", "Xác nhận")
    review = await answer(u, "an chay", "Xác nhận")  # a diet, not a question about the meals
    assert "Chế độ ăn: Ăn chay" in review.text and "Phòng: ở ghép với Tran Thi Lan" in review.text
    await answer(u, menu(review)["✅ Xác nhận"], "Đã đăng ký")
    await u.messages_until(lambda m: m.kind == "photo")  # the check-in code
    [stored] = await delegates(db)
    assert (stored.departure_date, stored.roommate, stored.diets) == (date(2023, 7, 28), "Tran Thi Lan",
                                                                      "vegetarian")
