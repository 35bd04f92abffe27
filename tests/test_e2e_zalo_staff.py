"""End to end: reception staff on Zalo. An organizer on Telegram invites them; on Zalo they check delegates in
by check-in number, by name, from a photo of the QR code or a pasted code, see /stats and get the /desk link.
The real app runs Telegram and Zalo together against both fakes (no keyboard, HTML or file reaches Zalo)."""
from __future__ import annotations

from aiohttp import ClientSession
from sqlalchemy import select

from bot.channels.zalo.ids import is_zalo
from bot.services import badge, registration as reg, tickets
from bot.services.accounts import get_or_create_account
from models import Account, AccountRole, CheckIn, CheckInLog, Delegate
from models.account import STAFF
from testkit.flows import choose_vietnamese, delegates, until_text
from testkit.harness import RunningBot
from testkit.photos import phone_photo
from testkit.records import draft
from testkit.zalo_flows import answer, connect, menu, seat_zalo

NOW_STAFF = "Quý vị đã trở thành cán bộ đón tiếp"


async def invitation(organizer) -> str:
    await organizer.send("/invite_staff")
    return (await until_text(organizer, "https://t.me/")).text.split("\n")[-1]


async def zalo_staff(fake, fakezalo, name: str = "Lễ tân Zalo"):
    """The organizer (ADMIN_IDS, on Telegram) invites; a new Zalo user pastes the link as their first message."""
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi")
    await choose_vietnamese(organizer)
    staff = fakezalo.user(name)
    await answer(staff, await invitation(organizer), NOW_STAFF)
    return organizer, staff


def menu_scopes(fake) -> list[str]:
    """The chats Telegram was asked to set a command menu for."""
    return [str((c.get("scope") or {}).get("chat_id")) for c in fake.commands
            if (c.get("scope") or {}).get("type") == "chat"]


async def test_an_invitation_pasted_into_zalo_makes_reception_staff(both, fake, fakezalo, db):
    organizer, staff = await zalo_staff(fake, fakezalo)
    async with db.session() as session:
        account = await session.scalar(select(Account).where(Account.channel == "zalo"))
        assert {r.role for r in account.roles} == {STAFF} and is_zalo(int(account.chat_id))
    commands = (await answer(staff, "/help", "/checkin")).text
    assert all(c in commands for c in ("/find", "/stats", "/desk")) and "/broadcast" not in commands
    # someone who already talks to the bot types the payload after /start
    colleague = fakezalo.user("Lễ tân 2")
    languages = await answer(colleague, "Xin chào", "Chọn ngôn ngữ")
    await answer(colleague, menu(languages)["🇻🇳 Tiếng Việt"], "Đăng ký cho bản thân")
    link = await invitation(organizer)
    await answer(colleague, f"/start {link.split('?start=')[1]}", NOW_STAFF)
    late = fakezalo.user("Người khác")
    assert "đã được sử dụng" in (await answer(late, link, "sử dụng")).text  # one person per link
    # Zalo has no command menu: Telegram was never handed a Zalo chat id
    assert not any(is_zalo(int(chat)) for chat in menu_scopes(fake))
    # the organizer sees the Zalo staff under /roles and removes one
    await organizer.send("/roles")
    roles = await until_text(organizer, "Lễ tân Zalo (Zalo)")
    assert "Lễ tân 2 (Zalo)" in roles.text
    await organizer.press("Bỏ quyền cán bộ đón tiếp của Lễ tân Zalo", message=roles)
    await until_text(organizer, "không còn quyền cán bộ đón tiếp")
    assert not any(is_zalo(int(chat)) for chat in menu_scopes(fake))
    assert "dành cho cán bộ đón tiếp" in (await answer(staff, "/checkin", "đón tiếp")).text


async def test_zalo_staff_check_in_by_number_and_by_name_and_undo(both, fake, fakezalo, db, conference):
    _, staff = await zalo_staff(fake, fakezalo)
    await seat_zalo(db, fakezalo, conference, "Võ Văn Zalo")
    [delegate] = await delegates(db)
    desk = await answer(staff, "/checkin", "Quầy đón tiếp")
    assert "danh sách: Thứ Sáu 28/7" in desk.text and len(menu(desk)) == 3  # the lists, to switch by number
    await answer(staff, menu(desk)["Thứ Tư 26/7 — Đón tiếp đại biểu các tỉnh"], "danh sách: Thứ Tư 26/7")
    found = await answer(staff, tickets.checkin_number(delegate.id), "Chọn đại biểu")
    checked = await answer(staff, menu(found)["Võ Văn Zalo — Gia Lai"], "ĐÃ ĐIỂM DANH")
    assert checked.text.startswith("✅") and "Trao: tài liệu hội nghị" in checked.text and "<b>" not in checked.text
    async with db.session() as session:
        [row] = (await session.scalars(select(CheckIn))).all()
        by = await session.get(Account, row.by_id)
    assert row.delegate_id == delegate.id and row.part_code == "reception" and by.channel == "zalo"
    undone = await answer(staff, menu(checked)["↩️ Hủy lượt điểm danh này"], "Võ Văn Zalo")
    assert undone.text.startswith("↩️")
    async with db.session() as session:
        assert (await session.scalars(select(CheckIn))).all() == []
        assert [e.action for e in await session.scalars(select(CheckInLog).order_by(CheckInLog.id))] == [
            "checkin", "undo"]
    # /find, then the number of the result
    found = await answer(staff, "/find vo van", "Chọn đại biểu")
    assert (await answer(staff, menu(found)["Võ Văn Zalo — Gia Lai"], "Võ Văn Zalo")).text.startswith("✅")
    found = await answer(staff, "/find vo van", "Chọn đại biểu")
    again = await answer(staff, menu(found)["Võ Văn Zalo — Gia Lai"], "Võ Văn Zalo")
    assert again.text.startswith("⚠️") and "Lễ tân Zalo" in again.text  # by whom
    number = tickets.checkin_number(delegate.id)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)  # one digit mistyped: nobody
    assert "Không có đại biểu nào khớp" in (await answer(staff, f"/find {wrong}", "khớp")).text
    stats = (await answer(staff, "/stats", "📊")).text
    assert "Thứ Tư 26/7 — Đón tiếp đại biểu các tỉnh: 1/1" in stats and "Gia Lai: 1/1" in stats
    assert "Hội nghị sơ kết giao ước thi đua 6 tháng đầu năm 2023: 0/1" in stats


async def test_zalo_staff_check_in_from_a_photo_or_a_pasted_code_refusals_as_on_telegram(
        both, fake, fakezalo, db, conference, settings):
    _, staff = await zalo_staff(fake, fakezalo)
    await seat_zalo(db, fakezalo, conference, "Trần Văn Hùng")
    [delegate] = await delegates(db)
    token = tickets.issue(settings.secret_key, conference.id, delegate.id, delegate.ticket_version)
    link = f"https://t.me/dalat_delegate_bot?start={token}"
    png = badge.render(link, ["Trần Văn Hùng", "Gia Lai", ""])
    # a photo of the delegate's phone screen, taken with the Zalo app
    await staff.send_image(phone_photo(png, 12, 1280, 800))
    checked = await staff.until_text("Trần Văn Hùng")
    assert checked.text.startswith("✅ ĐÃ ĐIỂM DANH")
    async with db.session() as session:
        assert [(c.delegate_id, c.via) for c in await session.scalars(select(CheckIn))] == [(delegate.id, "photo")]
    # the link pasted (or typed by a scanner into Zalo on a computer), and the bare code: already in
    assert (await answer(staff, link, "Trần Văn Hùng")).text.startswith("⚠️ ĐÃ ĐIỂM DANH TRƯỚC ĐÓ lúc")
    assert (await answer(staff, token, "Trần Văn Hùng")).text.startswith("⚠️")
    # a picture without a code
    await staff.send_image(badge.render("https://example.org/not-a-code", ["?"]))
    assert "không tìm thấy mã điểm danh" in (await staff.next_message()).text.lower()
    # forged, and cancelled: the same reasons as on Telegram
    forged = tickets.issue("not-the-secret", conference.id, delegate.id, delegate.ticket_version)
    assert "giả mạo" in (await answer(staff, forged, "❌")).text
    async with db.session() as session:
        await reg.cancel(session, await session.get(Delegate, delegate.id))
    refused = await answer(staff, link, "❌")
    assert "đã bị hủy" in refused.text and "Trần Văn Hùng" in refused.text


async def test_desk_login_link_on_zalo(both, fake, fakezalo, settings):
    _, staff = await zalo_staff(fake, fakezalo)
    message = await answer(staff, "/desk", "/desk/login/")
    link = message.text.split("\n")[-1]
    assert link.startswith(settings.public_base_url + "/desk/login/") and "<" not in message.text
    async with ClientSession() as http:
        async with http.post(link, headers={"Origin": settings.public_base_url}, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/desk"  # signed in as staff


async def test_zalo_delegates_get_the_same_refusals_as_on_telegram(both, fake, fakezalo, db, conference):
    u, _ = await seat_zalo(db, fakezalo, conference, "Đại biểu Zalo")
    t = fake.user(1301, first_name="An", language_code="vi")
    await choose_vietnamese(t)
    for command in ("/checkin", "/find an", "/stats", "/desk"):
        await u.send(command)
        await t.send(command)
        zalo, telegram = await u.next_message(), await t.next_message()
        assert zalo.text == telegram.text and "đón tiếp" in zalo.text, command
    await u.send_image(badge.render("https://t.me/dalat_delegate_bot?start=t" + "A" * 32, ["x"]))
    assert "ĐIỂM DANH" not in (await u.next_message()).text  # a delegate's photo checks nobody in
    async with db.session() as session:
        assert (await session.scalars(select(CheckIn))).all() == []


async def test_app_start_publishes_command_menus_to_telegram_role_holders_only(fake, fakezalo, settings, db,
                                                                                 clean_redis, monkeypatch):
    """Zalo staff hold the role in the database; at start only Telegram chats get a menu (Zalo has none), and
    the 07:00 summary reaches staff on both channels, each through its own bot."""
    connect(settings, fake, fakezalo)
    u = fakezalo.user("Lễ tân Zalo")
    u.started = True
    from bot.channels.zalo.ids import BASE
    from models import ZaloId

    async with db.session() as session:
        row = ZaloId(zalo_id=u.id)
        session.add(row)
        await session.commit()
        for channel, user_id in (("zalo", str(BASE + row.id)), ("telegram", "9100")):
            account = await get_or_create_account(session, channel=channel, user_id=user_id, chat_id=user_id,
                                                  display_name="Lễ tân")
            account.language = "vi"
            account.roles.append(AccountRole(account_id=account.id, role=STAFF))
            await session.commit()
    bot = RunningBot(settings, clean_redis)
    app = await bot.start()
    try:
        assert sorted(menu_scopes(fake)) == ["9001", "9100"]
        from datetime import datetime, timezone

        monkeypatch.setattr("bot.workers.reminders.utcnow", lambda: datetime(2023, 7, 26, 0, 0, tzinfo=timezone.utc))
        telegram = fake.user(9100, first_name="Lễ tân", language_code="vi", started=True)
        await app.reminders.morning_summary()
        assert "Hôm nay" in (await u.next_message()).text
        assert "Hôm nay" in (await telegram.next_message()).text
    finally:
        await bot.stop()


async def zalo_organizer(fake, fakezalo):
    """An organizer (ADMIN_IDS, on Telegram) invites a Zalo user, who becomes an organizer (invitation #1)."""
    admin = fake.user(9001, first_name="Tổ chức", language_code="vi")
    await choose_vietnamese(admin)
    await admin.send("/invite_organizer")
    link = (await until_text(admin, "https://t.me/")).text.split("\n")[-1]
    org = fakezalo.user("Thư ký Zalo")
    await answer(org, link, "Ban Tổ chức")
    return org


async def staff_invited_from_zalo(fakezalo, org) -> None:
    """The Zalo organizer invites reception staff (invitation #2), who join from Zalo."""
    staff_link = (await answer(org, "/invite_staff", "https://t.me/")).text.split("\n")[-1]
    await answer(fakezalo.user("Lễ tân Zalo"), staff_link, NOW_STAFF)


async def delegates_on_both_channels(db, fake, fakezalo, conference):
    """A delegate registered on Zalo and one on Telegram."""
    zalo_delegate, _ = await seat_zalo(db, fakezalo, conference, "Đại biểu Zalo")
    telegram_delegate = fake.user(1401, first_name="An", language_code="vi", started=True)
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id="1401", chat_id="1401",
                                              display_name="An")
        await reg.register(session, conference, draft(full_name="Đại biểu Telegram"), registrant=account,
                           for_self=True)
    return zalo_delegate, telegram_delegate


async def broadcast_from_zalo(org) -> None:
    """The organizer composes a broadcast to every registered delegate, in Vietnamese only (broadcast #1)."""
    await answer(org, "/broadcast", "tiếng Việt")
    english = await answer(org, "Xe đưa đón khởi hành lúc 07:15", "tiếng Anh")
    audience = await answer(org, menu(english)["Bỏ qua: mọi người nhận tiếng Việt"], "Gửi cho ai?")
    summary = await answer(org, menu(audience)["Tất cả đại biểu đã đăng ký"], "Gửi ngay")
    await answer(org, menu(summary)["✅ Gửi ngay"], "Thông báo #")


async def test_an_organizer_on_zalo_invites_staff_and_sees_the_roles(both, fake, fakezalo):
    org = await zalo_organizer(fake, fakezalo)
    # staff invited from Zalo
    await staff_invited_from_zalo(fakezalo, org)
    roles = (await answer(org, "/roles", "Phân quyền")).text
    assert "Thư ký Zalo (Zalo): Ban Tổ chức" in roles and "Lễ tân Zalo (Zalo): cán bộ đón tiếp" in roles


async def test_an_organizer_on_zalo_gets_the_dashboard_link(both, fake, fakezalo):
    org = await zalo_organizer(fake, fakezalo)
    assert "/desk/login/" in (await answer(org, "/dashboard", "Bảng theo dõi")).text


async def test_an_organizer_on_zalo_gets_the_badges_by_a_link_and_the_mcs_list(both, fake, fakezalo, db, conference):
    org = await zalo_organizer(fake, fakezalo)
    async with db.session() as session:  # a delegate, so that there are badges to print
        registrant = await get_or_create_account(session, channel="telegram", user_id="7000", chat_id="7000",
                                                 display_name="Chuyên viên")
        await reg.register(session, conference, draft(), registrant=registrant, for_self=True)
    choices = menu(await answer(org, "/badges", "Thẻ đại biểu để in"))
    assert "Gia Lai" in choices and "🪪 Tất cả đại biểu" in choices
    badges = (await answer(org, choices["🪪 Tất cả đại biểu"], "Zalo không gửi được tệp")).text
    assert "/desk/login/" in badges and "mục In ấn" in badges
    assert "Chưa có đại biểu nào điểm danh" in (await answer(org, "/mc", "Giới thiệu đại biểu")).text


async def test_an_organizer_on_zalo_revokes_an_unused_invitation(both, fake, fakezalo):
    org = await zalo_organizer(fake, fakezalo)
    await staff_invited_from_zalo(fakezalo, org)
    spare = (await answer(org, "/invite_staff", "https://t.me/")).text.split("\n")[-1]
    invites = await answer(org, "/invites", "Các lời mời còn hiệu lực")
    [(label, number)] = menu(invites).items()  # the used ones are not listed
    assert label.startswith("Thu hồi lời mời #3")
    await answer(org, number, "Đã thu hồi lời mời #3")
    assert "đã bị Ban Tổ chức thu hồi" in (await answer(fakezalo.user("Muộn"), spare, "thu hồi")).text


async def test_an_organizer_on_zalo_sees_the_waiting_questions(both, fake, fakezalo):
    org = await zalo_organizer(fake, fakezalo)
    assert "Không có câu hỏi tồn đọng" in (await answer(org, "/questions", "câu hỏi")).text


async def test_a_broadcast_from_zalo_reaches_both_channels_and_reports_on_zalo(both, fake, fakezalo, db, conference):
    org = await zalo_organizer(fake, fakezalo)
    # a broadcast composed on Zalo reaches Telegram and Zalo delegates; the report comes back on Zalo
    zalo_delegate, telegram_delegate = await delegates_on_both_channels(db, fake, fakezalo, conference)
    await broadcast_from_zalo(org)
    assert "Xe đưa đón" in (await zalo_delegate.until_text("Ban Tổ chức thông báo", timeout=10)).text
    finished = await org.until_text("đã xong", timeout=10)
    assert "Xe đưa đón" in (await until_text(telegram_delegate, "Ban Tổ chức thông báo", timeout=10)).text
    assert "Đã gửi: 2/2" in finished.text and "Chưa gửi được: 0" in finished.text
    assert len([m for m in org.inbox if "📣 Thông báo #1:" in m.text]) == 2  # started, finished: no edit per batch


async def test_an_agenda_change_from_zalo_reaches_both_channels_and_reports_on_zalo(both, fake, fakezalo, db,
                                                                                    conference):
    org = await zalo_organizer(fake, fakezalo)
    zalo_delegate, telegram_delegate = await delegates_on_both_channels(db, fake, fakezalo, conference)
    await broadcast_from_zalo(org)  # the agenda change is the second notice
    await org.until_text("đã xong", timeout=10)
    # an agenda change from Zalo: the delegates attending are told, the organizer gets the final counts on Zalo
    parts = await answer(org, "/agenda", "Thay đổi chương trình")
    conference_day = next(n for label, n in menu(parts).items() if label.startswith("Thứ Sáu 28/7 08:00"))
    details = await answer(org, conference_day, "Đổi giờ")
    await answer(org, menu(details)["🕑 Đổi giờ"], "giờ bắt đầu mới")
    confirm = await answer(org, "8h30", "Xác nhận và thông báo")
    await answer(org, menu(confirm)["✅ Xác nhận và thông báo"], "Đã thay đổi chương trình")
    assert "08:30" in (await zalo_delegate.until_text("08:30", timeout=10)).text
    assert "08:30" in (await until_text(telegram_delegate, "08:30", timeout=10)).text
    assert "Đã gửi: 2/2" in (await org.until_text("thay đổi chương trình #2: đã xong", timeout=10)).text
    assert "2/2" in (await org.until_text("Thông báo #2 đã gửi xong")).text  # the report


async def test_no_file_travels_on_zalo(both, fake, fakezalo):
    org = await zalo_organizer(fake, fakezalo)
    # no file travels on Zalo: the lists are downloaded from the dashboard, a nominee list is sent in Telegram
    assert "/dashboard" in (await answer(org, "/export", "Zalo")).text
    assert "Telegram" in (await answer(org, "/import", "Zalo")).text
    # the provinces' reports and the final report too: the status in the chat, the files from the dashboard
    assert "đã nhận 0/10" in (await answer(org, "/reports", "Báo cáo 6 tháng")).text
    assert "/dashboard" in (await org.until_text("ZIP")).text
    assert "/dashboard" in (await answer(org, "/final_report", "Word và Excel")).text
