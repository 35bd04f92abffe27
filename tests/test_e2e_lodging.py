"""Lodging end to end (issue 20): a delegate registers with a departure, a room wish and a diet; the organizers
fill the rooms and adjust one (a wrong room refused, nothing lost); the delegate sees the hotel in /me; a changed
departure is told to the delegate and to the organizers."""
from datetime import date

from testkit.flows import TYPED_REGISTRATION, choose_vietnamese, delegates, organizer_in_english, register_by_buttons, \
    until_button, until_seen, until_text


async def test_a_room_from_registration_to_a_changed_departure(running, fake, db):
    u = fake.user(7101, first_name="Lâm", language_code="vi")
    await choose_vietnamese(u)
    review = await register_by_buttons(u, name="Ông Nguyễn Văn Lâm", confirm=False)
    assert "Xưng hô: Ông" in review.text and "Ông" not in review.buttons  # read off the name: not asked
    assert "Phòng: phòng đơn" in review.text and "Chế độ ăn: Ăn chay" in review.text
    await u.press("✅ Xác nhận")
    await until_text(u, "Đã đăng ký")
    [stored] = await delegates(db)
    assert (stored.full_name, stored.salutation, stored.room_share, stored.diets) == (
        "Nguyễn Văn Lâm", "ong", "single", "vegetarian")
    assert (stored.departure_date, stored.note) == (date(2023, 7, 28), "Ăn chay <không hành>")

    org = await organizer_in_english(fake)
    await org.send(f"/room {stored.id} ngoc_lan twin-99")  # no such room: refused, nothing placed
    assert "no such room" in (await until_text(org, "twin-3")).text
    await org.send("/rooms auto")
    assert "1 delegates placed" in (await until_text(org, "Rooms filled")).text
    await org.send(f"/room {stored.id} ngoc_lan single-4")
    await until_text(org, "placed: Ngoc Lan Hotel (provisional), room single-4")

    await u.send("/me")
    card = await until_button(u, "✏️ Thay đổi")
    assert "🏨 Khách sạn Ngọc Lan (tạm), 42 Nguyễn Chí Thanh" in card.text and "phòng single-4" in card.text
    await u.press("✏️ Thay đổi")
    await until_button(u, "Ngày về")
    await u.press("Ngày về")
    await until_text(u, "rời Đà Lạt")
    await u.send("27/7 16:00")
    told = await until_text(u, "Đã lưu")
    assert "Ban Tổ chức đã được báo" in told.text
    notice = await until_text(org, "Đổi lịch lưu trú")
    assert f"#{stored.id} Nguyễn Văn Lâm" in notice.text
    await org.send("/rooms")
    overview = await until_text(org, "Lodged: 1")
    assert "stay changed since: 1" in overview.text and "2023-07-26,2023-07-27 → 2023-07-26" in overview.text


async def test_a_roommate_of_another_delegation_is_refused_and_the_room_asked_again(running, fake, db):
    u = fake.user(7102, first_name="Lâm", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Nguyễn Văn Lâm")  # Lâm Đồng
    g = fake.user(7103, first_name="An", language_code="en")
    for typed, expected in [*TYPED_REGISTRATION[:10], ("yes", "When do you leave"), ("28/7 10:00", "single room")]:
        await g.send(typed)
        await until_seen(g, expected)
    await g.send("nguyen van lam")  # of Lâm Đồng: refused, the room asked again
    refused = await until_text(g, "another delegation")
    assert "Nguyễn Văn Lâm" in refused.text and "Lâm Đồng" in refused.text
    await until_text(g, "single room")
    await g.send("Trần Văn Bình")  # not registered yet: taken as asked
    review = await until_text(g, "Please check")
    assert "shared with Trần Văn Bình" in review.text
    await g.send("confirm")
    await until_text(g, "registration is confirmed")
    stored = (await delegates(db))[-1]
    assert (stored.province, stored.room_share, stored.roommate) == ("gia_lai", "shared", "Trần Văn Bình")
