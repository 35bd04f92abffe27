"""End to end: a delegate gets a QR code; reception staff check them in four ways."""
import base64
import io
import os

from PIL import Image
from sqlalchemy import select

from bot.services import badge, tickets
from models import CheckIn, CheckInLog
from testkit.flows import choose_vietnamese, register_by_buttons, until_button, until_text
from testkit.photos import phone_photo


async def make_staff(fake, user_id: int = 9100):
    """The organizer (ADMIN_IDS) creates an invitation; a new person opens it and becomes staff."""
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi")
    await choose_vietnamese(organizer)
    await organizer.send("/invite_staff")
    link = (await until_text(organizer, "https://t.me/")).text.split("?start=")[1].split()[0]
    staff = fake.user(user_id, first_name="Lễ tân", language_code="vi")
    await staff.send("/start")  # Telegram says Vietnamese: the language is not asked
    await until_button(staff, "❓ Hướng dẫn")
    await staff.send(f"/start {link}")
    await until_text(staff, "đón tiếp")
    # the link is single use
    other = fake.user(user_id + 1, first_name="Khác", language_code="vi")
    await other.send(f"/start {link}")
    assert "đã được sử dụng" in (await other.next_message()).text
    return organizer, staff


async def registered(fake, user_id: int = 1101):
    """Lê Thị Lan registered by buttons; her QR code (PNG) and the link in it."""
    u = fake.user(user_id, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Lê Thị Lan")
    qr = await u.messages_until(lambda m: m.kind == "photo")
    png = qr[-1].photo_bytes
    [url] = badge.read_codes(png)
    return u, png, url


async def test_the_qr_code_is_a_short_link_into_the_bot(running, fake):
    _, png, url = await registered(fake)
    assert url.startswith("https://t.me/dalat_delegate_bot?start=t")
    token = url.split("start=")[1]
    assert len(token) <= 64 and Image.open(io.BytesIO(png)).width >= 600


async def test_the_delegate_sees_their_badge_and_a_stranger_nothing_personal(running, fake):
    u, _, url = await registered(fake)
    token = url.split("start=")[1]
    # the delegate opening their own code sees their badge
    await u.send(f"/start {token}")
    assert "Lê Thị Lan" in (await until_text(u, "điểm danh")).text
    # a stranger learns nothing personal
    stranger = fake.user(1102, first_name="X", language_code="vi")
    await stranger.send(f"/start {token}")
    seen = (await stranger.next_message()).text
    assert "Lê Thị Lan" not in seen and "0905" not in seen and "mã điểm danh của đại biểu" in seen


async def test_the_phone_camera_checks_in_once_and_an_undo_is_logged(running, fake, db):
    _, _, url = await registered(fake)
    token = url.split("start=")[1]
    _, staff = await make_staff(fake)
    # 1. the phone camera: the deep link opens the bot
    await staff.send(f"/start {token}")
    result = await until_text(staff, "Lê Thị Lan")
    assert result.text.startswith("✅") and "↩️" in result.buttons[0]
    assert "Trao: tài liệu hội nghị và chương trình" in result.text  # what to hand over, from the event file
    # a second scan: already checked in, with the time
    await staff.send(f"/start {token}")
    again = await until_text(staff, "Lê Thị Lan")
    assert again.text.startswith("⚠️") and "Lễ tân" in again.text
    # undo, logged
    await staff.press(result.buttons[0], message=result)
    assert (await until_text(staff, "Lê Thị Lan")).text.startswith("↩️")
    async with db.session() as session:
        assert (await session.scalars(select(CheckIn))).all() == []
        log = (await session.scalars(select(CheckInLog).order_by(CheckInLog.id))).all()
        assert [entry.action for entry in log] == ["checkin", "undo"] and log[1].by_id is not None


async def photographed(staff, png, angle, size):
    """2. a photo of the code, as a phone takes it: the decision shown."""
    await staff.send_photo(phone_photo(png, angle, *size))
    return await until_text(staff, "Lê Thị Lan")


async def at_the_desk(staff):
    """The staff member's /checkin desk message (its buttons switch the day's list)."""
    await staff.send("/checkin")
    return await until_text(staff, "Quầy đón tiếp")


async def scanned_at_the_reception(staff, url):
    """3. the token typed or scanned by a handheld scanner (the whole link, then Enter), on the 26/7 list."""
    desk = await at_the_desk(staff)
    await staff.press(desk.buttons[0])  # switch to the 26/7 reception list
    await until_text(staff, "Quầy đón tiếp")
    await staff.send(url)
    return desk, await until_text(staff, "Lê Thị Lan")


async def found_by_name(staff, desk):
    """4. search by a part of the name without diacritics on the 27/7 list, then pick (the answer follows)."""
    await staff.press(desk.buttons[1])  # the 27/7 list
    await until_text(staff, "Quầy đón tiếp")
    await staff.send("le thi")
    results = await until_button(staff, "Lê Thị Lan — Lâm Đồng")
    await staff.press("Lê Thị Lan — Lâm Đồng", message=results)


async def test_a_photo_of_the_code_checks_in_tilted_and_scaled(running, fake):
    _, png, _ = await registered(fake)
    _, staff = await make_staff(fake)
    # 2. a photo of the code (tilted, scaled, 1 MP and 3 MP)
    for angle, size in ((12, (1280, 800)), (-20, (2000, 1500))):
        decided = await photographed(staff, png, angle, size)
        assert decided.text.startswith("✅" if angle == 12 else "⚠️")


async def test_a_typed_or_scanned_link_checks_in_on_the_chosen_list(running, fake):
    _, _, url = await registered(fake)
    _, staff = await make_staff(fake)
    desk = await at_the_desk(staff)
    assert "Thứ Sáu 28/7" in desk.text  # after the event, the last day's list is chosen by itself
    _, scanned = await scanned_at_the_reception(staff, url)
    assert scanned.text.startswith("✅"), scanned.text


async def test_a_search_by_name_without_diacritics_checks_in(running, fake):
    await registered(fake)
    _, staff = await make_staff(fake)
    desk = await at_the_desk(staff)
    await found_by_name(staff, desk)
    assert (await until_text(staff, "Lê Thị Lan")).text.startswith("✅")


async def test_each_way_checks_in_on_the_list_of_its_day(running, fake, db):
    _, png, url = await registered(fake)
    _, staff = await make_staff(fake)
    await photographed(staff, png, 12, (1280, 800))  # the 28/7 conference, chosen by itself
    desk, _ = await scanned_at_the_reception(staff, url)
    await found_by_name(staff, desk)
    await until_text(staff, "Lê Thị Lan")
    async with db.session() as session:
        lists = sorted(c.part_code for c in await session.scalars(select(CheckIn)))
    assert lists == ["conference", "exchange", "reception"]


async def test_refused_codes_say_why(running, fake, db, settings):
    u = fake.user(1201, first_name="Hùng", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Trần Văn Hùng")
    old = badge.read_codes((await u.messages_until(lambda m: m.kind == "photo"))[-1].photo_bytes)[0]
    _, staff = await make_staff(fake)
    # forged: a valid-looking token without the right signature
    forged = tickets.issue("not-the-secret", "dalat-2023", 1, 1)
    await staff.send(forged)
    assert "giả mạo" in (await until_text(staff, "❌")).text
    # another event's code cannot be verified here: not valid, like any code whose signature fails
    await staff.send(tickets.issue(settings.secret_key, "hue-2024", 1, 1))
    assert "giả mạo" in (await until_text(staff, "❌")).text
    # a made-up code of the right shape is never told it belongs to another event
    made_up = "t" + base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
    await staff.send(f"/start {made_up}")
    refused = await until_text(staff, "❌")
    assert "KHÔNG HỢP LỆ" in refused.text and "giả mạo" in refused.text and "sự kiện khác" not in refused.text
    # replaced: the delegate asks for a new code by changing the name
    await u.send("/me")
    await until_button(u, "✏️ Thay đổi")
    await u.press("✏️ Thay đổi")
    await until_button(u, "Họ và tên")
    await u.press("Họ và tên")
    await until_text(u, "Họ và tên")
    await u.send("Trần Văn Hùng Anh")
    new = badge.read_codes((await u.messages_until(lambda m: m.kind == "photo"))[-1].photo_bytes)[0]
    assert new != old
    await staff.send(old)
    assert "mã mới" in (await until_text(staff, "❌")).text
    await staff.send(new)
    assert (await until_text(staff, "Trần Văn Hùng Anh")).text.startswith("✅")
    # revoked: the registration is cancelled
    await u.send("/me")
    await until_button(u, "🗑 Hủy đăng ký này")
    await u.press("🗑 Hủy đăng ký này")
    await until_button(u, "Có, hủy đăng ký")
    await u.press("Có, hủy đăng ký")
    await until_text(u, "Đã hủy")
    await staff.send(new)
    assert "đã bị hủy" in (await until_text(staff, "❌")).text


async def test_other_links_at_the_desk_are_refused_and_the_desk_stays_open(running, fake, db):
    """The desk phone's camera opens whatever QR is held up: an invitation, a registration link, a torn code,
    a Zalo group's sign. Each is refused with the red heading of every refusal, the invitation is not used,
    and the desk stays open on the list chosen, so the next delegate is checked in without a detour."""
    u = fake.user(1401, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    await register_by_buttons(u, name="Lê Thị Lan")
    token = badge.read_codes((await u.messages_until(lambda m: m.kind == "photo"))[-1].photo_bytes)[0]
    token = token.split("start=")[1]
    organizer, staff = await make_staff(fake)
    await staff.send("/checkin")
    desk = await until_text(staff, "Quầy đón tiếp")
    await staff.press(desk.buttons[0])  # the 26/7 reception list, not the day's default
    await until_text(staff, "Quầy đón tiếp")
    await organizer.send("/invite_staff")
    invitation = (await until_text(organizer, "https://t.me/")).text.split("?start=")[1].split()[0]
    for payload, reason in [(invitation, "không phải mã điểm danh"),
                            ("c12_0123456789abcdef0123", "không phải mã điểm danh"),  # a registration link
                            (token[:-4], "giả mạo"),  # a torn code
                            ("hello", "không phải mã điểm danh")]:
        await staff.send(f"/start {payload}")
        refused = await staff.next_message()
        assert refused.text.startswith("❌ KHÔNG HỢP LỆ") and reason in refused.text, (payload, refused.text)
        # an invitation or a registration link says how to use it; nothing else comes (no welcome menu)
        assert ("/cancel" in refused.text) == payload.startswith(("i", "c")), refused.text
    # a handheld scanner types a Zalo group's link into the desk: not a check-in code, not a name to search
    await staff.send("https://zalo.me/g/abcdef")
    assert (await staff.next_message()).text.startswith("❌ KHÔNG HỢP LỆ")
    # the desk is still open: a name is searched, and the code is checked in on the list chosen
    await staff.send("le thi")
    await until_button(staff, "Lê Thị Lan — Lâm Đồng")
    await staff.send(f"/start {token}")
    checked = await until_text(staff, "Lê Thị Lan")
    assert checked.text.startswith("✅ ĐÃ ĐIỂM DANH")
    async with db.session() as session:
        assert [c.part_code for c in await session.scalars(select(CheckIn))] == ["reception"]
    # the invitation was not used up by the desk: a new colleague can still take it
    colleague = fake.user(9300, first_name="Đồng nghiệp", language_code="vi")
    await choose_vietnamese(colleague)
    await colleague.send(f"/start {invitation}")
    assert "đón tiếp" in (await until_text(colleague, "đón tiếp")).text

    # scanned again: "already" reads differently from "checked in" at a glance, not by its emoji alone
    await staff.send(f"/start {token}")
    again = await until_text(staff, "Lê Thị Lan")
    first_line, again_line = checked.text.split("\n")[0], again.text.split("\n")[0]
    assert again_line.startswith("⚠️ ĐÃ ĐIỂM DANH TRƯỚC ĐÓ lúc ")
    assert again_line[2:].strip().split(" lúc ")[0] != first_line[1:].strip()


async def test_staff_away_from_the_desk_still_take_an_invitation(running, fake):
    """Away from the desk an invitation opened by staff works as for anyone; a torn check-in code is refused
    as not valid instead of the delegates' welcome."""
    organizer, staff = await make_staff(fake)
    await staff.send("/start tAAAAAAAAAAAAAAAAAAAAAAAA")
    refused = await staff.next_message()
    assert refused.text.startswith("❌ KHÔNG HỢP LỆ") and "giả mạo" in refused.text
    await organizer.send("/invite_organizer")
    link = (await until_text(organizer, "https://t.me/")).text.split("?start=")[1].split()[0]
    await staff.send(f"/start {link}")
    assert (await staff.next_message()).text.startswith("✅ Quý vị")


async def test_staff_commands_refused_for_delegates(running, fake):
    u = fake.user(1301, first_name="An", language_code="vi")
    await choose_vietnamese(u)
    for command in ("/checkin", "/stats", "/find an"):
        await u.send(command)
        assert "đón tiếp" in (await u.next_message()).text
    for command in ("/invite_staff", "/invites"):
        await u.send(command)
        assert "chỉ dành cho Ban Tổ chức" in (await u.next_message()).text
