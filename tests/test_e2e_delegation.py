"""End to end: a province's secretariat registers its delegation (Telegram and Zalo): the province remembered,
"same as the colleague before", "add another colleague" on the confirmation, a pasted list reviewed together."""
from __future__ import annotations

from datetime import date, time

from testkit.flows import button_starting, delegates, lodging_wishes, until_button, until_text
from testkit.zalo_flows import answer, menu

GIA_LAI_BOARD = "Ban (Phòng) Thi đua - Khen thưởng"


async def first_colleague(u) -> None:
    """The secretariat (Telegram in Vietnamese) registers one colleague of Gia Lai, by buttons."""
    await u.send("/start")
    await until_button(u, "👥 Đăng ký đại biểu của tỉnh")
    await u.press("👥 Đăng ký đại biểu của tỉnh")
    await until_button(u, "Gia Lai")
    await u.press("Gia Lai")
    await until_button(u, GIA_LAI_BOARD)
    await u.press(GIA_LAI_BOARD)
    await until_text(u, "Họ và tên")
    await u.send("Nguyễn Văn Một")
    await until_text(u, "Số điện thoại")
    await u.send("0905 000 001")
    await until_text(u, "Chức vụ?")
    await u.send("Trưởng ban")
    await until_button(u, "✅ Tất cả các phần")
    await u.press("✅ Tất cả các phần")
    await until_text(u, "Dự kiến đến")
    await u.send("25/7 16:00")
    await until_button(u, "Đường bộ (ô tô)")
    await u.press("Đường bộ (ô tô)")
    await until_button(u, "Có, đề nghị bố trí")
    await u.press("Có, đề nghị bố trí")
    await lodging_wishes(u, room="Ở ghép cùng đoàn")
    await until_button(u, "✅ Xác nhận")
    await u.press("✅ Xác nhận")


async def test_add_another_colleague_with_the_province_and_the_travel_of_the_one_before(running, fake, db):
    u = fake.user(3001, first_name="Văn phòng", language_code="vi")
    await first_colleague(u)
    card = await until_button(u, "➕ Thêm đồng nghiệp")  # on the confirmation
    assert "Nguyễn Văn Một" in card.text
    await u.press("➕ Thêm đồng nghiệp")
    category = await until_button(u, GIA_LAI_BOARD)  # the province is not asked again
    assert "Đại biểu của Gia Lai" in category.text
    await u.press(GIA_LAI_BOARD)
    await until_text(u, "Họ và tên")
    await u.send("Trần Thị Hai")
    await until_text(u, "Số điện thoại")
    await u.send("0905 000 002")
    await until_text(u, "Chức vụ?")
    await u.send("Chuyên viên")
    await until_button(u, "✅ Tất cả các phần")
    await u.press("✅ Tất cả các phần")
    arrival = await until_button(u, "↩️ Như Nguyễn Văn Một")
    assert "Thứ Ba 25/7 16:00, Đường bộ (ô tô), cần bố trí chỗ ở" in arrival.text
    await u.press("↩️ Như Nguyễn Văn Một")
    review = await until_button(u, "✅ Xác nhận")  # travel and lodging not asked again
    assert "Trần Thị Hai" in review.text and "Gia Lai" in review.text
    await u.press("✅ Xác nhận")
    await until_button(u, "➕ Thêm đồng nghiệp")
    one, two = await delegates(db)
    assert (two.full_name, two.province, two.category) == ("Trần Thị Hai", "gia_lai", "emulation_board")
    assert two.organization == "Ban Thi đua - Khen thưởng tỉnh Gia Lai" and two.account_id is None
    assert (two.arrival_date, two.arrival_time, two.travel_mode) == (date(2023, 7, 25), time(16), "road")
    assert two.needs_lodging and two.registered_by_id == one.registered_by_id
    assert len(two.part_codes) == 3


PASTED = "Lê Văn Ba, Chuyên viên, 0905 000 003\nPhạm Thị Bốn; Phó Trưởng phòng, Ban Thi đua; 0905000004\n" \
         "Hoàng Văn Năm, Chuyên viên, 0905 000 005"


async def test_a_pasted_list_is_checked_then_reviewed_and_confirmed_together(running, fake, db):
    u = fake.user(3002, first_name="Văn phòng", language_code="vi")
    await first_colleague(u)
    await until_button(u, "➕ Thêm đồng nghiệp")
    await u.press("➕ Thêm đồng nghiệp")
    await until_button(u, GIA_LAI_BOARD)
    await u.press(GIA_LAI_BOARD)
    name = await until_text(u, "Họ và tên")
    assert "mỗi người một dòng" in name.text
    await u.send("Lê Văn Ba, Chuyên viên, 12345\nPhạm Thị Bốn, Chuyên viên")
    refused = await until_text(u, "sửa danh sách")
    assert "Dòng 1" in refused.text and "12345" in refused.text and "Dòng 2" in refused.text
    await until_text(u, "Họ và tên")
    await u.send(PASTED)
    await until_button(u, "✅ Tất cả các phần")  # phone and position came with the list
    await u.press("✅ Tất cả các phần")
    await until_button(u, "↩️ Như Nguyễn Văn Một")
    await u.press("↩️ Như Nguyễn Văn Một")
    review = await until_button(u, "✅ Xác nhận cả 3 đăng ký")
    assert all(n in review.text for n in ("Lê Văn Ba", "Phạm Thị Bốn", "Hoàng Văn Năm", "0905 000 004"))
    await u.press("✅ Xác nhận cả 3 đăng ký")
    summary = await until_text(u, "Đã đăng ký 3 đại biểu")
    assert summary.text.count("https://t.me/") == 3 and "➕ Thêm đồng nghiệp" in summary.buttons
    codes = [m for m in (await u.messages_until(lambda m: "Hoàng Văn Năm" in m.text and m.kind == "photo",
                                                  timeout=20)) if m.kind == "photo"]
    assert len(codes) == 3
    stored = (await delegates(db))[1:]
    assert [d.full_name for d in stored] == ["Lê Văn Ba", "Phạm Thị Bốn", "Hoàng Văn Năm"]
    assert [d.position for d in stored] == ["Chuyên viên", "Phó Trưởng phòng, Ban Thi đua", "Chuyên viên"]
    assert [d.phone for d in stored] == ["+84905000003", "+84905000004", "+84905000005"]
    for d in stored:
        assert (d.province, d.category, d.travel_mode, d.needs_lodging) == ("gia_lai", "emulation_board", "road", True)
        assert d.arrival_date == date(2023, 7, 25) and d.account_id is None and d.claim_code
    # a second tap on the ✅ stores nothing more
    await u.press("✅ Xác nhận cả 3 đăng ký")
    assert len(await delegates(db)) == 4


async def test_a_zalo_secretariat_pastes_its_delegation(both, fakezalo, db):
    z = fakezalo.user("Văn phòng Zalo")
    languages = await answer(z, "Xin chào", "Chọn ngôn ngữ")
    main = await answer(z, menu(languages)["🇻🇳 Tiếng Việt"], "Đăng ký đại biểu của tỉnh")
    provinces = await answer(z, menu(main)["👥 Đăng ký đại biểu của tỉnh"], "tỉnh/đơn vị nào")
    await answer(z, menu(provinces)["Gia Lai"], "thành phần")
    await answer(z, "4", "mỗi người một dòng")
    await answer(z, "Lê Văn Ba, Chuyên viên, 0905 000 003\nPhạm Thị Bốn, Chuyên viên, 0905 000 004", "Xong")
    await answer(z, "tat ca", "Dự kiến đến")
    await answer(z, "26/7 14:30", "Máy bay")
    await answer(z, "may bay", "bố trí")
    await answer(z, "co", "rời Đà Lạt")
    await answer(z, "28/7", "Phòng đơn")
    review = await answer(z, "o ghep", "Xác nhận cả 2")
    await z.send(menu(review)["✅ Xác nhận cả 2 đăng ký"])
    seen = []
    while sum(m.photo_url is not None for m in seen) < 2:  # the check-in codes, as pictures by URL
        seen.append(await z.next_message(timeout=20))
    summary = next(m for m in seen if "Đã đăng ký 2 đại biểu" in m.text)
    assert summary.text.count("DK ") == 2 and "Thêm đồng nghiệp" in summary.text
    stored = await delegates(db)
    assert [d.full_name for d in stored] == ["Lê Văn Ba", "Phạm Thị Bốn"]
    assert all(d.province == "gia_lai" and d.travel_mode == "air" and d.arrival_time == time(14, 30) for d in stored)
    # another colleague, one at a time: the province remembered, the travel of the one before offered
    category = await answer(z, menu(summary)["➕ Thêm đồng nghiệp"], "Đại biểu của Gia Lai")
    assert "4. Lãnh đạo, chuyên viên Ban (Phòng) Thi đua" in category.text
    await answer(z, "4", "Họ và tên")
    await answer(z, "Hoàng Văn Năm", "Số điện thoại")
    await answer(z, "0905 000 005", "Chức vụ?")
    parts = await answer(z, "Chuyên viên", "Xong")
    arrival = await answer(z, menu(parts)["✅ Tất cả các phần"], "Như Phạm Thị Bốn")
    review = await answer(z, menu(arrival)["↩️ Như Phạm Thị Bốn"], "Xác nhận")
    await answer(z, menu(review)["✅ Xác nhận"], "Đã đăng ký")
    third = (await delegates(db))[2]
    assert (third.full_name, third.province, third.travel_mode, third.arrival_time) == (
        "Hoàng Văn Năm", "gia_lai", "air", time(14, 30))


async def test_a_province_secretariat_imports_its_own_province_only(running, fake, db):
    from sqlalchemy import func, select

    from models import Nominee
    from tests.test_e2e_broadcast import organizer_in_english
    from tests.test_nominees import HEADER, xlsx

    org = await organizer_in_english(fake)
    await org.send("/invite_secretariat")
    await until_button(org, "Gia Lai")
    await org.press("Gia Lai")
    invitation = await until_text(org, "https://t.me/")
    assert "secretariat of Gia Lai" in invitation.text
    secretariat = fake.user(3100, first_name="Văn phòng Gia Lai", language_code="vi")
    await secretariat.send(f"/start {invitation.text.split('start=', 1)[1].split()[0]}")
    welcome = await until_text(secretariat, "/import")
    assert "Gia Lai" in welcome.text
    mixed = [HEADER, [1, "Nguyễn Văn An", "Phó Chủ tịch", "", "Gia Lai", "Lãnh đạo UBND tỉnh", "0905123456"],
             [2, "Đỗ Văn Phúc", "Giám đốc", "", "Kon Tum", "home_affairs_leader", "0987654321"]]
    await secretariat.send("/import")
    await until_text(secretariat, ".xlsx")
    await secretariat.send_document(xlsx(mixed), "danh-sach.xlsx")
    refused = await until_text(secretariat, "Gia Lai", timeout=10)
    assert "chưa nhập" in refused.text.lower() and "3" in refused.text  # row 3 is Kon Tum's
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Nominee)) == 0
    await secretariat.send("/import")
    await until_text(secretariat, ".xlsx")
    await secretariat.send_document(xlsx(mixed[:2]), "danh-sach-gia-lai.xlsx")
    links = (await secretariat.messages_until(lambda m: m.kind == "document", timeout=10))[-1]
    assert "Nguyễn Văn An" in links.document_bytes.decode("utf-8-sig")
    async with db.session() as session:
        assert [n.province for n in await session.scalars(select(Nominee))] == ["gia_lai"]
    # other organizers' commands stay closed to the secretariat
    await secretariat.send("/export")
    assert "Ban Tổ chức" in (await secretariat.next_message()).text
