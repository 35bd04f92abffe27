"""The desk page's answers in a real browser (Chromium, as in test_web_browser): another QR held up at the
desk is refused in red with its sound, not searched as a name under the last delegate's green answer; the
waiting scans and the amber "already" box are readable; an undone check-in stops looking green; and scans
left by a refused login are not sent under the next person's name unless they say so."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from models import CheckIn
from models.account import STAFF
from tests.test_web_browser import (WAIT, browser, count_checkins, link_from_the_bot, open_desk,  # noqa: F401
                                    pytestmark, scan)

pytest_plugins = ["testkit.desk_site"]

# the page's sounds are made with the Web Audio API: this stand-in records every tone started
RECORD_TONES = """
window.tones = [];
window.AudioContext = class {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createGain() { return {gain: {setValueAtTime() {}, exponentialRampToValueAtTime() {}}, connect: (next) => next}; }
  createOscillator() {
    const osc = {type: "sine", frequency: {value: 0}, connect: (next) => next, stop() {},
                 start() { window.tones.push([osc.type, osc.frequency.value]); }};
    return osc;
  }
};
"""

# WCAG 2 contrast of an element's text against the first opaque background behind it (opacity included)
CONTRAST = """(node) => {
  const rgba = (value) => { const [r, g, b, a] = value.match(/[\\d.]+/g).map(Number); return [r, g, b, a ?? 1]; };
  let back = node, alpha = 1;
  while (back && rgba(getComputedStyle(back).backgroundColor)[3] === 0) {
    alpha *= Number(getComputedStyle(back).opacity);
    back = back.parentElement;
  }
  const bg = back ? rgba(getComputedStyle(back).backgroundColor) : [255, 255, 255, 1];
  const fg = rgba(getComputedStyle(node).color);
  alpha *= fg[3];
  const text = fg.slice(0, 3).map((c, i) => c * alpha + bg[i] * (1 - alpha));
  const lum = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const [light, dark] = [lum(text), lum(bg)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""

RED, GREEN = "rgb(198, 40, 40)", "rgb(23, 128, 58)"


async def test_another_qr_replaces_the_green_answer_with_red_and_its_sound(site, fake, browser):  # noqa: F811
    await site.account(9100, "Lễ tân 1", STAFF)
    link = await link_from_the_bot(site, fake, 9100, "Lễ tân 1", "/desk")
    context = await browser.new_context(locale="vi-VN")
    await context.add_init_script(RECORD_TONES)
    page = await context.new_page()
    await page.goto(link)
    await page.wait_for_selector("body[data-ready]")
    lan = site.delegates[0]
    await scan(page, site.deep_link(lan), "checked_in")
    assert await page.evaluate("window.tones.length") > 0  # the page's own beeps go through the stand-in
    # a handheld scanner reads the Zalo group's sign on the desk: a link, not a name to search
    await page.evaluate("window.tones = []")
    shown = await scan(page, "https://zalo.me/g/abcdef", "refused")
    assert "KHÔNG HỢP LỆ" in shown and "không phải mã điểm danh" in shown and "Lê <Văn>" not in shown
    assert "refused" in await page.get_attribute("#result", "class")
    assert await page.eval_on_selector("#result", "e => getComputedStyle(e).backgroundColor") == RED
    assert ["square", 170] in await page.evaluate("window.tones")  # the refusal's low buzz
    assert await page.locator("#results li").count() == 0 and await page.is_hidden("#undo")
    assert await page.get_attribute("#recent li >> nth=0", "data-outcome") == "refused"
    # the same through the search field, where a scanner may type too; and a check-in code still checks in
    await scan(page, site.deep_link(site.delegates[1]), "checked_in")
    await page.fill("#search", "WIFI:S:Hoi truong;T:WPA;P:12345678;;")
    await page.press("#search", "Enter")
    await page.wait_for_selector("#result[data-outcome=refused]", timeout=WAIT)
    assert await count_checkins(site, lan.id) == 1
    await context.close()


async def test_the_waiting_scans_and_the_already_box_are_readable_and_undo_greys_the_line(
        site, fake, browser):  # noqa: F811
    await site.account(9100, "Lễ tân 1", STAFF)
    context, page = await open_desk(browser, await link_from_the_bot(site, fake, 9100, "Lễ tân 1", "/desk"), site.url)
    lan, bich, an = site.delegates[:3]
    await scan(page, site.token(lan), "checked_in")
    await scan(page, site.token(lan), "already")
    for part in ("#result .heading", "#result .detail", "#result .name", "#result .where"):
        assert await page.eval_on_selector(part, CONTRAST) >= 4.5, part  # the amber box (was 2.95:1)

    # undo a check-in: its line in "recent scans" no longer looks checked in
    await scan(page, site.token(bich), "checked_in")
    line = page.locator("#recent li >> nth=0")
    assert await line.evaluate("e => getComputedStyle(e).borderLeftColor") == GREEN
    await page.click("#undo")
    await page.wait_for_selector("#result[data-outcome=idle]", timeout=WAIT)
    assert await line.get_attribute("data-outcome") == "undone"
    assert await line.evaluate("e => getComputedStyle(e).borderLeftColor") != GREEN
    assert "Trần Thị Bích" in await line.inner_text() and "đã hoàn tác" in await line.inner_text()
    assert await page.get_attribute("#recent li >> nth=1", "data-outcome") == "already"  # Lan's stay as they were

    # offline: the list of waiting scans and its badge (the list was white on white, 1:1)
    await context.set_offline(True)
    await scan(page, site.token(an), "queued")
    await page.wait_for_selector("#pending-list li", timeout=WAIT)
    assert await page.eval_on_selector("#pending-list li", CONTRAST) >= 4.5
    assert await page.eval_on_selector("#pending", CONTRAST) >= 4.5
    await context.set_offline(False)
    await page.wait_for_selector("#pending", state="hidden", timeout=WAIT)
    await context.close()


async def test_scans_of_a_refused_login_are_sent_by_the_next_person_only_when_asked(
        site, fake, browser):  # noqa: F811
    first = await site.account(9100, "Lễ tân 1", STAFF)
    second = await site.account(9101, "Lễ tân 2", STAFF)
    context, page = await open_desk(browser, await link_from_the_bot(site, fake, 9100, "Lễ tân 1", "/desk"), site.url)
    lan, bich = site.delegates[:2]
    # the session is refused (expired, revoked): the scan stays in this browser, and the page reloads
    await context.clear_cookies()
    await page.fill("#scanner", site.token(lan))
    async with page.expect_navigation(timeout=WAIT):
        await page.press("#scanner", "Enter")
    assert await page.locator("#result").count() == 0  # the login prompt
    assert first.id != second.id

    # a colleague logs in on the same computer: asked, not sent
    link = await link_from_the_bot(site, fake, 9101, "Lễ tân 2", "/desk")
    await page.goto(link)
    await page.wait_for_url(f"{site.url}/desk")
    await page.wait_for_selector("body[data-ready]")
    box = page.locator("#held-box")
    await box.wait_for(state="visible", timeout=WAIT)
    assert "Lễ tân 1" in await box.inner_text() and "Lễ tân 2" in await box.inner_text()
    assert await page.locator("#held-box li").count() == 1
    await scan(page, site.token(bich), "checked_in")  # their own scans go as usual
    assert await count_checkins(site, lan.id) == 0
    assert await page.evaluate("async () => (await ScanQueue.all()).length") == 1

    # "discard", then changing one's mind at the confirmation, keeps them
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    await page.click("#held-discard")
    assert await box.is_visible() and await page.evaluate("async () => (await ScanQueue.all()).length") == 1
    # sent under the colleague's name when they choose so
    await page.click("#held-send")
    await page.wait_for_selector("#result[data-outcome=checked_in]:has-text('Lê <Văn> & Co')", timeout=WAIT)
    await box.wait_for(state="hidden", timeout=WAIT)
    async with site.app.db.session() as session:
        assert (await session.scalars(select(CheckIn.by_id).where(CheckIn.delegate_id == lan.id))).all() == [second.id]
    await context.close()
