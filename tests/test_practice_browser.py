"""Practice mode in a real headless browser (Debian's Chromium, driven by Playwright): the bot runs against
the Bot API server inside the process and the practice chat page plays its people. A delegate registers
by buttons (and shares the phone number from the reply keyboard), another by typing; reception staff
open the desk page from the bot's link and check a delegate in; the organizer broadcasts and the delegate
sees it arrive. Nothing is stored outside the practice database."""
from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.practice.people import DELEGATE, ORGANIZER, OTHER_DELEGATE, STAFF_MEMBER
from bot.practice.run import practice_settings, prepare, start_practice_server
from models import CheckIn, Database, Delegate
from testkit.browser import MARKS, browser, expect  # noqa: F401 (browser: the fixture)
from testkit.paths import EVENT_FILE

pytestmark = MARKS
WAIT = 15_000  # ms


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def practice(tmp_path):
    """The bot in practice mode, as `python -m bot` starts it without a token; its chat page's URL."""
    from bot.app import serve

    settings = Settings(_env_file=None, event_file=EVENT_FILE, secret_key="practice-secret", faq_meaning=False,
                        send_rate_per_second=0, web_port=free_port(),
                        practice_database_url=f"sqlite+aiosqlite:///{tmp_path / 'practice.sqlite3'}")
    runner, store, url = await start_practice_server("127.0.0.1", 0)
    settings = practice_settings(settings, url)
    await prepare(settings.database_url)
    bot = asyncio.create_task(serve(settings))
    db = Database(settings.database_url)
    yield url, db
    bot.cancel()
    await asyncio.gather(bot, return_exceptions=True)
    await db.close()
    await runner.cleanup()


async def chat_as(browser, url: str, person: int, lang: str = "vi", *, width: int = 390):
    context = await browser.new_context(locale="vi-VN", viewport={"width": width, "height": 800})
    page = await context.new_page()
    await page.goto(f"{url}/practice?as={person}&lang={lang}")
    await page.wait_for_selector("body[data-ready]")
    return page


async def type_in(page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


def last_bot(page):
    return page.locator(".msg.bot").last


async def press(page, label: str) -> None:
    """An inline button of the newest bot message that has it."""
    button = page.locator(".msg.bot .inline button", has_text=label).last
    await button.click(timeout=WAIT)


async def says(page, text: str) -> None:
    await expect(page.locator(".msg.bot", has_text=text).last).to_be_visible(timeout=WAIT)


async def register_by_buttons(page) -> None:
    await type_in(page, "/start")  # the page says Vietnamese: the language is not asked
    await press(page, "📝")
    await press(page, "Lâm Đồng")
    await press(page, "Thường trực HĐND tỉnh")
    await says(page, "Họ và tên")
    await type_in(page, "Phạm Minh Đức")
    await says(page, "0905 123 456")
    await page.locator("#keyboard button").first.click(timeout=WAIT)  # share the phone number: a contact
    await says(page, "Chức vụ?")  # the suggested organization is filled in, shown with this question
    await type_in(page, "Phó Chủ tịch")
    await press(page, "⬜ Thứ Tư 26/7")
    await expect(page.locator(".msg.bot .inline button", has_text="☑️ Thứ Tư 26/7").or_(
        page.locator(".msg.bot .inline button", has_text="✅ Thứ Tư 26/7")).last).to_be_visible(timeout=WAIT)
    await press(page, "✅ Xong")
    await press(page, "Thứ Tư 26/7")
    await says(page, "mấy giờ")
    await type_in(page, "14h30")
    await press(page, "Máy bay (sân bay Liên Khương)")
    await press(page, "Có, đề nghị bố trí")
    await says(page, "rời Đà Lạt")
    await type_in(page, "28/7 14:00")
    await press(page, "Phòng đơn")
    await press(page, "✅ Xác nhận")
    await says(page, "Đã đăng ký")


async def registered(db: Database, name: str) -> Delegate | None:
    async with db.session() as session:
        return await session.scalar(select(Delegate).where(Delegate.full_name == name))


async def test_register_by_buttons_and_see_the_qr_badge(practice, browser):
    url, db = practice
    page = await chat_as(browser, url, DELEGATE)
    await register_by_buttons(page)
    delegate = await registered(db, "Phạm Minh Đức")
    assert delegate is not None and delegate.phone == "+84912000011"  # the shared contact's number
    assert await page.locator(".msg.me", has_text="📞 +84912000011").count() == 1
    assert await page.locator(".msg.bot b").count() > 0  # the bot's HTML shown as formatting, not as tags
    assert await page.locator(".msg.bot", has_text="<b>").count() == 0
    await type_in(page, "/myqr")
    badge = page.locator(".msg.bot img").last
    await expect(badge).to_be_visible(timeout=WAIT)
    assert await badge.evaluate("img => img.complete && img.naturalWidth > 100")
    # reception photographs the badge and sends it from the practice chat's 📎: checked in
    png = await (await page.request.get(url + await badge.get_attribute("src"))).body()
    staff = await chat_as(browser, url, STAFF_MEMBER)
    await staff.set_input_files("#attach", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": png}])
    await expect(staff.locator(".msg.me img")).to_be_visible(timeout=WAIT)
    answer = staff.locator(".msg.bot", has_text="Phạm Minh Đức").last
    await expect(answer).to_contain_text("✅", timeout=WAIT)
    await expect(answer.locator(".inline button", has_text="↩️")).to_be_visible()
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1
    # a document: the calendar file, downloaded from the chat
    await type_in(page, "/calendar")
    link = page.locator(".msg.bot a.doc").last
    await expect(link).to_contain_text("dalat-2023.ics", timeout=WAIT)
    async with page.expect_download() as started:
        await link.click()
    download = await started.value
    assert download.suggested_filename == "dalat-2023.ics"
    assert b"BEGIN:VCALENDAR" in Path(await download.path()).read_bytes()


TYPED = [  # what the other delegate types in English, and a word of the question that must follow
    ("/start", "Register myself"), ("1", "Which province"),  # the page says English: the language is not asked
    ("gia lai", "Which category"), ("2", "full name"), ("Vo Thi Hong", "mobile number"),
    ("0905 123 456", "Position"), ("Chanh Van phong", "Which parts"),
    ("1, 3", "When do you arrive"), ("26/7", "At what time"), ("9am", "How are you travelling"),
    ("by road", "lodging"), ("no", "Please check"), ("confirm", "registration is confirmed"),
]


async def register_by_typing(page) -> None:
    for text, question in TYPED:
        await type_in(page, text)
        await says(page, question)


async def test_register_by_typing_and_be_checked_in_at_the_desk_page(practice, browser):
    url, db = practice
    delegate = await chat_as(browser, url, OTHER_DELEGATE, "en", width=1280)  # a desktop window
    await register_by_typing(delegate)
    assert (await registered(db, "Vo Thi Hong")).phone == "+84905123456"

    staff = await chat_as(browser, url, STAFF_MEMBER)
    await type_in(staff, "/desk")
    link = staff.locator(".msg.bot a[href*='/desk/login/']").last
    await expect(link).to_be_visible(timeout=WAIT)
    async with staff.context.expect_page() as opened:
        await link.click()  # the desk page opens from the chat, as from Telegram
    desk = await opened.value
    await desk.wait_for_url("**/desk", timeout=WAIT)
    await desk.wait_for_selector("body[data-ready]", timeout=WAIT)
    await desk.fill("#search", "vo thi hong")
    await desk.click("#results button.pick", timeout=WAIT)
    await desk.wait_for_selector("#result[data-outcome=checked_in]:has-text('Vo Thi Hong')", timeout=WAIT)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1


async def test_the_organizer_broadcasts_and_the_delegate_sees_it_arrive(practice, browser):
    url, _db = practice
    delegate = await chat_as(browser, url, OTHER_DELEGATE, "en")
    await register_by_typing(delegate)

    organizer = await chat_as(browser, url, ORGANIZER, "en")
    assert await organizer.locator("#who option:checked").inner_text() == "Organizer: Nguyễn Thị Hoa"
    await type_in(organizer, "/start")  # English, as the page says: the organizer's own menu
    await expect(organizer.locator(".msg.bot .inline button", has_text="📣").last).to_be_visible(timeout=WAIT)
    await type_in(organizer, "/broadcast")
    await says(organizer, "Vietnamese")
    await type_in(organizer, "Xe đưa đón lúc 07:15 tại sảnh khách sạn")
    await press(organizer, "Skip: Vietnamese for everyone")
    await press(organizer, "Everyone registered")
    await press(organizer, "✅ Send now")
    await says(organizer, "finished:")
    await says(delegate, "Xe đưa đón lúc 07:15 tại sảnh khách sạn")  # the delegate's page, without a reload
