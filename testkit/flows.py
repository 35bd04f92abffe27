"""Conversations a delegate has with the bot, for end-to-end tests and benchmarks."""
from __future__ import annotations

from sqlalchemy import select

from models import Delegate
from testkit.fakebot import FakeMessage, FakeUser

TYPED_REGISTRATION = [  # what a delegate (Telegram in English) types, and a word of the question that must follow
    ("/start", "Register myself"), ("1", "Which province"),
    ("gia lai", "Which category"), ("2", "full name"), ("Nguyen Van An", "mobile number"),
    ("0905 123 456", "Position"), ("Chanh Van phong", "Which parts"),
    ("1, 3", "When do you arrive"), ("26/7 9am", "How are you travelling"),
    ("by road", "lodging"), ("no", "Please check"), ("confirm", "registration is confirmed"),
]


async def delegates(db) -> list[Delegate]:
    """Every delegate record, oldest first."""
    async with db.session() as session:
        return list(await session.scalars(select(Delegate).order_by(Delegate.id)))


def has_button(label: str):
    return lambda m: label in m.buttons


def button_starting(prefix: str):
    return lambda b: b["text"].startswith(prefix)


async def until_button(u: FakeUser, label: str, timeout: float = 5) -> FakeMessage:
    return (await u.messages_until(has_button(label), timeout))[-1]


async def until_text(u: FakeUser, part: str, timeout: float = 5) -> FakeMessage:
    return (await u.messages_until(lambda m: part in m.text, timeout))[-1]


async def until_seen(u: FakeUser, part: str, timeout: float = 5) -> FakeMessage:
    """The next message whose text or one of whose buttons contains `part`."""
    return (await u.messages_until(lambda m: part in m.text or any(part in b for b in m.buttons), timeout))[-1]


async def choose_vietnamese(u: FakeUser) -> FakeMessage:
    """/start on a new account, then the main menu in Vietnamese: the language menu when Telegram reports neither
    Vietnamese nor English; the language switch of the main menu when it reports English."""
    await u.send("/start")
    first = (await u.messages_until(lambda m: any(b in m.buttons for b in ("🇻🇳 Tiếng Việt", "❓ Hướng dẫn",
                                                                          "❓ Help"))))[-1]
    if "❓ Hướng dẫn" in first.buttons:
        return first
    if "❓ Help" in first.buttons:
        await u.press("🌐 Tiếng Việt / English")
        await until_button(u, "🇻🇳 Tiếng Việt")
    await u.press("🇻🇳 Tiếng Việt")
    return await until_button(u, "❓ Hướng dẫn")


async def at_full_name(u: FakeUser, province: str = "Lâm Đồng", category: str = "Thường trực HĐND tỉnh") -> None:
    """From the main menu, a registration for oneself by buttons up to the name question."""
    await u.press(button_starting("📝"))
    await until_button(u, province)
    await u.press(province)
    await until_button(u, category)
    await u.press(category)
    await until_text(u, "Họ và tên")


async def register_by_buttons(u: FakeUser, *, name: str = "Lê <Văn> & Co", province: str = "Lâm Đồng",
                              category: str = "Thường trực HĐND tỉnh", for_self: bool = True,
                              phone: str = "0905123456", confirm: bool = True) -> FakeMessage:
    """A complete Vietnamese registration by buttons (and the share-contact button); returns the final card,
    or with confirm=False the review with its ✅ button, not yet pressed."""
    await u.press(button_starting("📝" if for_self else "👥"))
    first = (await u.messages_until(lambda m: province in m.buttons or category in m.buttons))[-1]
    if province in first.buttons:
        await u.press(province)
        await until_button(u, category)
    else:  # a colleague's province is that of the one registered before
        assert f"Đại biểu của {province}" in first.text, first.text
    await u.press(category)
    await until_text(u, "Họ và tên")
    await u.send(name)
    await until_text(u, "0905 123 456")  # the phone question's example
    if for_self:
        await u.send_contact(phone)  # the share-contact button
    else:
        await u.send(phone)
    await until_text(u, "Chức vụ?")  # the suggested organization shown with it, filled in
    await u.send("Phó Chủ tịch")
    await until_button(u, "✅ Xong")
    await u.press(button_starting("⬜ Thứ Tư 26/7"))
    await until_button(u, "✅ Xong")
    await u.press(button_starting("⬜ Thứ Sáu 28/7"))
    await until_button(u, "✅ Xong")
    await u.press("✅ Xong")
    await until_button(u, "Thứ Tư 26/7")
    await u.press("Thứ Tư 26/7")
    await until_text(u, "mấy giờ")
    await u.send("14h30")
    await until_button(u, "Máy bay (sân bay Liên Khương)")
    await u.press("Máy bay (sân bay Liên Khương)")
    await until_button(u, "Có, đề nghị bố trí")
    await u.press("Có, đề nghị bố trí")
    await lodging_wishes(u)
    await until_button(u, "✅ Xác nhận")
    await u.press(button_starting("📝"))  # the note, offered on the review
    await until_button(u, "Không có gì thêm")
    await u.send("Ăn chay <không hành>")
    review = await until_button(u, "✅ Xác nhận")
    if not confirm:
        return review
    await u.press("✅ Xác nhận")
    return await until_text(u, "Đã đăng ký")


async def lodging_wishes(u: FakeUser, departure: str = "28/7 14:00", room: str = "Phòng đơn") -> None:
    """After «lodging: yes»: the departure (typed day and time) and the room (a button, or a colleague's name
    typed)."""
    await until_text(u, "rời Đà Lạt")
    await u.send(departure)
    await until_button(u, "Phòng đơn")
    await (u.press(room) if room in ("Phòng đơn", "Ở ghép cùng đoàn") else u.send(room))


async def organizer_in_english(fake, user_id: int = 9001) -> FakeUser:
    """The organizer of the tests' settings (ADMIN_IDS) in English (Telegram says so: the language is not asked):
    the main menu is shown."""
    org = fake.user(user_id, first_name="Ban tổ chức", language_code="en")
    await org.send("/start")
    await until_button(org, "❓ Help")
    return org


async def broadcast_to_everyone(org: FakeUser, vi: str, en: str | None = None, timeout: float = 5) -> FakeMessage:
    """/broadcast up to the summary with its ✅ Send now (not pressed): `vi` for everyone, or `en` for those
    reading English."""
    await org.send("/broadcast")
    await until_text(org, "Vietnamese")
    await org.send(vi)
    await until_button(org, "Skip: Vietnamese for everyone")
    if en is None:
        await org.press("Skip: Vietnamese for everyone")
    else:
        await org.send(en)
    await until_button(org, "Everyone registered")
    await org.press("Everyone registered")
    return await until_button(org, "✅ Send now", timeout=timeout)


async def agenda_part(org: FakeUser, title: str) -> FakeMessage:
    """/agenda, then the part whose button reads `title`: its details with the change buttons."""
    await org.send("/agenda")
    await until_button(org, "➕ Add a part")
    await org.press(lambda b: title in b["text"])
    return await until_button(org, "🕑 Change the time")


async def cancel_part(org: FakeUser, title: str) -> FakeMessage:
    """The part's cancellation up to its ✅ Confirm and notify (not pressed)."""
    await agenda_part(org, title)
    await org.press("❌ Cancel this part")
    return await until_button(org, "✅ Confirm and notify")


async def handled(running) -> None:
    """Every update taken so far is handled to its end (queued presses included)."""
    await running.app.dispatcher["in_flight"].finish(20)


async def tapped_together(running, u: FakeUser, label: str, message: FakeMessage, times: int = 2,
                          until: str | None = None) -> list:
    """`times` presses at once on `label` (a double tap), the answers to them all, once everything they set
    off is handled (and, with `until`, once a message with that text came)."""
    presses = await u.press_together(label, times=times, message=message)
    answers = [await u.answer_for(press, timeout=20) for press in presses]
    if until:
        await until_text(u, until, timeout=20)
    await handled(running)
    return answers


async def appoint_secretariat(fake, org: FakeUser, province: str, user_id: int, *, first_name: str = "Thư ký",
                              language_code: str = "vi") -> FakeUser:
    """The organizer invites a province's secretariat (/invite_secretariat, the province's button) and a new
    user opens the link: that user holds the role `sec:<province>`."""
    await org.send("/invite_secretariat")
    await until_button(org, province)
    await org.press(province)
    link = (await until_text(org, "https://t.me/")).text.split()[-1]
    secretariat = fake.user(user_id, first_name=first_name, language_code=language_code)
    await secretariat.send(f"/start {link.split('start=', 1)[1]}")
    await until_text(secretariat, "/import")
    return secretariat
