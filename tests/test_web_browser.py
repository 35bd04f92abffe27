"""The desk page and the dashboard in a real headless browser (Debian's Chromium, driven by Playwright):
log in by the bot's link; check in by the scanner field, by search and by the camera; see a second
scan already checked in; lose the connection, scan, get it back and see the scans sent once; watch the
dashboard change by itself; and, without a session, see the login prompt instead of data."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.services.pace import Pace
from models import CheckIn
from models.account import STAFF
from testkit.browser import ARGS, CHROMIUM, MARKS, browser, expect  # noqa: F401 (browser: the fixture)
from testkit.flows import until_text

pytest_plugins = ["testkit.desk_site"]  # the `site` fixture

pytestmark = MARKS
WAIT = 10_000  # ms


async def link_from_the_bot(site, fake, user_id: int, name: str, command: str) -> str:
    person = fake.user(user_id, first_name=name, language_code="vi", started=True)
    await person.send(command)
    return site.link_in((await until_text(person, "/desk/login/")).text)


async def open_desk(browser, link: str, url: str):
    context = await browser.new_context(locale="vi-VN")
    page = await context.new_page()
    await page.goto(link)
    await page.wait_for_url(f"{url}/desk")
    await page.wait_for_selector("body[data-ready]")
    return context, page


async def scan(page, text: str, outcome: str) -> str:
    await page.fill("#scanner", text)
    await page.press("#scanner", "Enter")
    await page.wait_for_selector(f"#result[data-outcome={outcome}]", timeout=WAIT)
    return await page.inner_text("#result")


async def count_checkins(site, delegate_id: int) -> int:
    async with site.app.db.session() as session:
        return await session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.delegate_id == delegate_id))


async def test_reception_desk_in_the_browser(site, fake, browser):
    await site.account(9100, "Lễ tân 1", STAFF)
    link = await link_from_the_bot(site, fake, 9100, "Lễ tân 1", "/desk")
    context, page = await open_desk(browser, link, site.url)
    lan, bich, an, duc, _ = site.delegates
    assert await page.input_value("#list") == "conference"  # the day's list (after the event: the last day)
    assert "0 / 5" in await page.inner_text("#count")

    # a handheld scanner types the whole deep link and Enter
    shown = await scan(page, site.deep_link(lan), "checked_in")
    assert "ĐÃ ĐIỂM DANH" in shown and "Lê <Văn> & Co" in shown and "Gia Lai" in shown
    assert "Trao: tài liệu hội nghị và chương trình." in shown and "lưu trú" in shown
    # the name is text, not markup
    tags = await page.evaluate("[...document.querySelectorAll('#result *')].map(e => e.tagName)")
    assert set(tags) == {"P"}
    assert "1 / 5" in await page.inner_text("#count")

    # the same code again: already, when and by whom
    shown = await scan(page, site.token(lan), "already")
    assert "ĐÃ ĐIỂM DANH TRƯỚC ĐÓ" in shown and "bởi Lễ tân 1" in shown
    assert await count_checkins(site, lan.id) == 1

    # search without diacritics, pick, then undo that check-in
    await page.fill("#search", "tran thi")
    await page.click("#results button.pick", timeout=WAIT)
    await page.wait_for_selector("#result[data-outcome=checked_in]:has-text('Trần Thị Bích')", timeout=WAIT)
    assert await count_checkins(site, bich.id) == 1
    await page.click("#undo")
    await page.wait_for_selector("#result[data-outcome=idle]", timeout=WAIT)
    assert "Trần Thị Bích" in await page.inner_text("#notice")
    assert await count_checkins(site, bich.id) == 0

    # the Wi-Fi drops: two scans wait in the browser
    await context.set_offline(True)
    await scan(page, site.token(an), "queued")
    await scan(page, site.deep_link(duc), "queued")
    await expect(page.locator("#pending")).to_have_text("Chờ gửi: 2", timeout=WAIT)  # the first set "queued"
    await expect(page.locator("#pending-list li")).to_have_count(2)
    await expect(page.locator("#result")).to_contain_text(site.token(duc)[-4:])  # the latest scan is shown
    assert "Mất kết nối" in await page.inner_text("#net")
    # meanwhile another desk, still online, checks one of them in
    other = await site.client(await site.account(9101, "Lễ tân 2", STAFF))
    await other.scans({"id": "desk2-1", "text": site.token(duc), "list": "conference"})
    await other.close()
    # the connection returns: sent once, in order; the duplicate is reported, not counted twice
    await context.set_offline(False)
    await page.wait_for_selector("#pending", state="hidden", timeout=WAIT)
    synced = await page.locator("#synced li").evaluate_all("items => items.map(i => [i.dataset.outcome, i.innerText])")
    assert sorted(outcome for outcome, _ in synced) == ["already", "checked_in"]
    already = next(text for outcome, text in synced if outcome == "already")
    assert "Phạm Minh Đức" in already and "Lễ tân 2" in already
    assert await page.evaluate("async () => (await ScanQueue.all()).length") == 0
    assert [await count_checkins(site, d.id) for d in (an, duc)] == [1, 1]
    assert "3 / 5" in await page.inner_text("#count")  # Lan, An and Đức

    # English on a click; the language is kept for the next page
    await page.click("#lang")
    assert "CHECKED IN" in await page.inner_text("#result")
    assert "Recent scans" in await page.inner_text("main")
    await context.close()


async def test_the_dashboard_updates_by_itself(site, fake, browser):
    link = await link_from_the_bot(site, fake, 9001, "Tổ chức", "/dashboard")  # ADMIN_IDS
    context = await browser.new_context(locale="vi-VN")
    page = await context.new_page()
    await page.goto(link)
    await page.wait_for_url(f"{site.url}/dashboard")
    await expect(page.locator("#arrived")).to_have_text("0", timeout=WAIT)
    assert await page.inner_text("#registered") == "5"
    await page.evaluate("window.notReloaded = true")
    desk = await site.client(await site.account(9100, "Lễ tân 1", STAFF))
    await desk.scans({"id": "x1", "text": site.token(site.delegates[0])},
                     {"id": "x2", "text": site.token(site.delegates[2])})
    await desk.close()
    await expect(page.locator("#arrived")).to_have_text("2", timeout=WAIT)  # no reload: the page polls
    assert await page.evaluate("window.notReloaded") is True
    assert await page.inner_text("#rate") == "40%"
    provinces = await page.inner_text("#provinces")
    assert "Gia Lai\t1\t1\t1\t100%" in provinces and "Kon Tum\t0\t0\t0" in provinces
    assert "Lê <Văn> & Co" in await page.inner_text("#latest")
    reports = await page.inner_text("#reports")  # the provinces' six-month reports, none received yet
    assert "Gia Lai\tChưa nhận\t–" in reports and reports.count("Chưa nhận") == 10
    assert await page.locator("a[data-export='reports.zip']").count() == 1
    assert await page.locator("#province-chart rect.arrived").count() == 5  # provinces that expect someone
    assert await page.locator("#arrivals-chart rect.arrived").count() >= 1
    href = await page.get_attribute("a[data-export='checkins.xlsx']", "href")
    async with page.expect_download() as download:
        await page.click("a[data-export='checkins.xlsx']")
    assert (await download.value).suggested_filename.endswith("checkins.xlsx") and href.endswith("lang=vi")
    await page.click("#lang")
    await expect(page.locator("main")).to_contain_text("Checked in", timeout=WAIT)
    await context.close()


async def test_without_a_session_the_pages_ask_to_log_in(site, fake, browser):
    context = await browser.new_context()
    page = await context.new_page()
    response = await page.goto(f"{site.url}/desk")
    assert response.status == 401
    text = await page.inner_text("body")
    assert "/desk" in text and "Lê" not in text and await page.locator("#result").count() == 0
    assert await page.evaluate("fetch('/desk/api/setup').then(r => r.status)") == 401
    response = await page.goto(f"{site.url}/dashboard")
    assert response.status == 401 and "/dashboard" in await page.inner_text("body")
    await page.click("#lang")
    assert "Login needed" in await page.inner_text("body")
    # a link already used, opened again, logs nobody in
    link = await site.login_link(await site.account(9100, "Lễ tân 1", STAFF), STAFF)
    first = await browser.new_context()
    await (await first.new_page()).goto(link)
    await first.close()
    response = await page.goto(link)
    await page.wait_for_load_state()
    assert "already used" in await page.inner_text("body") or "đã được dùng" in await page.inner_text("body")
    assert (await page.goto(f"{site.url}/desk")).status == 401
    await context.close()


async def test_the_desk_page_says_why_a_search_shows_nobody(site, browser):
    """A part of a phone number, and a desk that searched too often: a readable line, not an empty list."""
    link = await site.login_link(await site.account(9100, "Lễ tân 1", STAFF), STAFF)
    context, page = await open_desk(browser, link, site.url)
    site.app.dispatcher["search_pace"] = Pace(2, 60)
    await page.fill("#search", "0905 123")
    await expect(page.locator("#results")).to_have_text("Để tìm theo số điện thoại, vui lòng nhập đủ cả số, "
                                                        "ví dụ 0905 123 456.", timeout=WAIT)
    await page.fill("#search", "tran thi")
    await expect(page.locator("#results button.pick")).to_have_count(1, timeout=WAIT)
    await page.fill("#search", "tran th")
    await expect(page.locator("#results")).to_contain_text("Vui lòng chờ", timeout=WAIT)
    assert "giây" in await page.inner_text("#results")
    await context.close()


def qr_video(path: Path, text: str, frames: int = 4) -> Path:
    """A Y4M video of a QR code on a desk-grey background, for Chromium's fake camera."""
    import qrcode
    from PIL import Image

    width, height = 640, 480
    code = qrcode.make(text, border=4).get_image().convert("L").resize((400, 400), Image.NEAREST)
    frame = Image.new("L", (width, height), 200)
    frame.paste(code, ((width - 400) // 2, (height - 400) // 2))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    chroma = [c.resize((width // 2, height // 2)).tobytes() for c in (cb, cr)]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + y.tobytes() + chroma[0] + chroma[1])
    return path


async def test_the_camera_reads_a_code(site, fake, tmp_path):
    from playwright.async_api import async_playwright

    lan = site.delegates[0]
    video = qr_video(tmp_path / "code.y4m", site.deep_link(lan))
    await site.account(9100, "Lễ tân 1", STAFF)
    link = await link_from_the_bot(site, fake, 9100, "Lễ tân 1", "/desk")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=[
            *ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        try:
            context, page = await open_desk(chromium, link, site.url)
            await context.grant_permissions(["camera"], origin=site.url)
            await page.click("#camera")
            await page.wait_for_selector("#result[data-outcome=checked_in]", timeout=WAIT)
            assert "Lê <Văn> & Co" in await page.inner_text("#result")
            # Chromium on Linux has no BarcodeDetector: there the vendored jsQR reads the frames
            native = await page.evaluate("'BarcodeDetector' in window")
            engine = await page.get_attribute("#camera-status", "data-engine")
            assert engine == ("BarcodeDetector" if native else "jsQR")
            # the code stays in view: still one scan, not a stream of "already"
            await page.wait_for_timeout(1500)
            assert await page.locator("#recent li").count() == 1
            assert await count_checkins(site, lan.id) == 1
        finally:
            await chromium.close()
