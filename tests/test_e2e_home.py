"""End to end: reception staff and organizers start at a home of their own (their work as buttons, their own
registration one tap away), /help lists what their role uses, /stats groups its numbers under headings; and a
venue answer comes as one message that carries its way out ("not what I asked"). On Telegram and on Zalo."""
from __future__ import annotations

from testkit.crowd import seat
from testkit.flows import choose_vietnamese, has_button, until_button, until_text
from testkit.zalo_flows import answer, menu, seat_zalo
from tests.test_e2e_broadcast import organizer_in_english
from tests.test_e2e_checkin import make_staff
from tests.test_e2e_zalo_staff import zalo_staff

STAFF_HOME = ("🛎 Quầy đón tiếp", "🔎 Tìm đại biểu", "📊 Số liệu điểm danh", "💻 Trang quầy đón tiếp (máy tính)")
ORGANIZER_HOME = ("📣 Message to delegates", "🗓 Change the agenda", "📥 Lists (Excel)", "❔ Open questions",
                  "👤 Roles and invitations", "📈 Dashboard (computer)", "🚌 Transport")
WAY_OUT = "✉️ Chưa đúng câu hỏi: gửi Ban Tổ chức"


def listed(help_text: str) -> set[str]:
    """The commands /help describes (one a line), not those only named."""
    return {line.split(" — ")[0] for line in help_text.splitlines() if line.startswith("/") and " — " in line}


async def test_reception_staff_start_at_their_desk_menu_and_each_button_does_its_command(running, fake, db,
                                                                                        conference):
    await seat(db, fake, conference, 2)
    _, staff = await make_staff(fake)
    await staff.send("/start")
    home = await until_button(staff, "🛎 Quầy đón tiếp")
    assert set(STAFF_HOME) <= set(home.buttons) and "📝 Đăng ký cho bản thân" in home.buttons
    assert "Quý vị" in home.text and "📣 Message to delegates" not in home.buttons
    await staff.press("🛎 Quầy đón tiếp")
    assert "danh sách:" in (await until_text(staff, "Quầy đón tiếp —")).text
    await staff.send("/cancel")  # closes the desk and comes home
    await until_button(staff, "📊 Số liệu điểm danh")
    await staff.press("📊 Số liệu điểm danh")
    stats = (await until_text(staff, "Số đăng ký và đã điểm danh")).text.splitlines()
    by_province, by_category = stats.index("Theo tỉnh"), stats.index("Theo thành phần")
    assert by_province < by_category and stats[by_province + 1].startswith("  ")  # provinces under their heading
    await staff.send("/start")
    await until_button(staff, "🔎 Tìm đại biểu")
    await staff.press("🔎 Tìm đại biểu")
    await until_text(staff, "Nhập một phần họ tên")
    await staff.send("dai bieu so")  # the desk searches what is typed next
    assert "Đại biểu số 1" in " ".join((await until_text(staff, "Chọn đại biểu để điểm danh")).buttons)
    await staff.send("/help")
    help_text = (await until_text(staff, "/checkin")).text
    assert {"/checkin", "/find", "/stats", "/desk", "/start", "/me"} <= listed(help_text)
    assert "/broadcast" not in help_text and "/myqr" not in listed(help_text) and "/myqr" in help_text
    await staff.send("/cancel")
    await staff.press("📝 Đăng ký cho bản thân", message=await until_button(staff, "📝 Đăng ký cho bản thân"))
    await until_text(staff, "tỉnh/đơn vị nào")  # their own registration, one tap away


async def test_organizers_start_at_their_menu_and_help_lists_their_commands(running, fake):
    organizer = await organizer_in_english(fake)
    home = organizer.last
    assert set(ORGANIZER_HOME) <= set(home.buttons) and "📝 Register myself" in home.buttons
    await organizer.press("📥 Lists (Excel)")
    await until_text(organizer, "Which list?")
    await organizer.press("❔ Open questions", message=home)
    await until_text(organizer, "No open questions")
    await organizer.press("👤 Roles and invitations", message=home)
    await until_text(organizer, "Who holds which role")
    await organizer.press("🚌 Transport", message=home)
    await until_button(organizer, "🔄 Plan pick-ups and buses")
    await organizer.send("/help")
    help_text = (await until_text(organizer, "/broadcast")).text
    assert "Organizers" in help_text and {"/broadcast", "/agenda", "/export", "/import", "/roles", "/badges",
                                          "/mc", "/reports", "/final_report", "/transport", "/rooms"} <= listed(help_text)
    # the organizers' own commands and everyone's 5 are listed; the staff's are named on one line, not listed
    assert len(listed(help_text)) <= 22 and "/checkin" in help_text and "/checkin" not in listed(help_text)


async def test_a_delegate_pressing_an_organizers_button_gets_what_typing_the_command_gets(running, fake):
    u = fake.user(33100, first_name="Lan", language_code="vi")
    main = await choose_vietnamese(u)
    assert "📣 Gửi thông báo" not in main.buttons and "🛎 Quầy đón tiếp" not in main.buttons
    await u.press(callback_data="run:broadcast", message=main)  # forged, or kept from before a role was removed
    assert "dành cho Ban Tổ chức" in (await until_text(u, "Ban Tổ chức")).text


async def test_zalo_staff_start_at_their_menu_typed_by_number(both, fake, fakezalo, db, conference):
    await seat_zalo(db, fakezalo, conference, "Trần Văn Hùng")
    _, staff = await zalo_staff(fake, fakezalo)
    languages = await answer(staff, "menu", "Chọn ngôn ngữ")  # the invitation was their first message
    home = await answer(staff, menu(languages)["🇻🇳 Tiếng Việt"], "Quầy đón tiếp")
    options = menu(home)
    assert set(STAFF_HOME) <= set(options) and "📝 Đăng ký cho bản thân" in options
    desk = await answer(staff, options["🛎 Quầy đón tiếp"], "danh sách:")
    assert "Quầy đón tiếp —" in desk.text
    home = await answer(staff, "/cancel", "Số liệu điểm danh")
    stats = (await answer(staff, menu(home)["📊 Số liệu điểm danh"], "Số đăng ký và đã điểm danh")).text
    assert "Theo tỉnh" in stats and "Theo thành phần" in stats
    help_text = (await answer(staff, "/help", "/checkin")).text
    assert "Cán bộ đón tiếp" in help_text and "/broadcast" not in help_text


async def test_a_venue_answer_is_one_message_with_its_way_out(running, fake):
    organizer = await organizer_in_english(fake)
    u = fake.user(33101, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await u.send("co can mang ao am ko")
    reply = await until_text(u, "áo khoác")
    assert reply.buttons == [WAY_OUT]
    await u.expect_silence(1.0)  # no second message
    await u.send("hoi nghi to chuc o dau")  # answered from the venue: the pin, then its address with the way out
    sent = await u.messages_until(has_button(WAY_OUT))
    assert [m.kind for m in sent] == ["venue", "text"] and "📍" in sent[-1].text
    await u.expect_silence(1.0)
    await u.press(WAY_OUT, message=reply)
    await until_text(u, "đã được chuyển đến Ban Tổ chức")
    assert "co can mang ao am ko" in (await until_text(organizer, "co can mang ao am ko")).text


async def test_a_venue_answer_on_zalo_is_one_message_with_a_numbered_way_out(both, fake, fakezalo, db, conference):
    organizer = await organizer_in_english(fake)
    u, _ = await seat_zalo(db, fakezalo, conference, "Trần Văn Hùng")
    reply = await answer(u, "co can mang ao am ko", "áo khoác")
    assert menu(reply) == {WAY_OUT: "1"}
    await u.expect_silence(1.0)
    await answer(u, "1", "đã được chuyển đến Ban Tổ chức")
    await until_text(organizer, "co can mang ao am ko")
