"""The Zalo bridge's parts on their own: text and menus, typed input, ids, signed QR URLs, the client."""
from __future__ import annotations

import time

import pytest
from aiogram.types import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                           ReplyKeyboardRemove)
from aiohttp import web

from bot.channels.zalo.channel import bridge_token
from bot.channels.zalo.client import ZaloClient, ZaloError, ZaloNetworkError
from bot.channels.zalo.ids import BASE, ZaloIds
from bot.channels.zalo.qr import QrLinks
from bot.channels.zalo.text import menu_text, plain_text, split_text, zalo_wording
from bot.channels.zalo.updates import typed_text, unwrap
from bot.i18n import build_i18n
from bot.services import registration as reg
from bot.services.tickets import checkin_number, read_checkin_number
from models.db import PLAN_CHANGED
from testkit.records import draft
from tests.test_registration_service import account


@pytest.fixture
def english():
    i18n = build_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        yield


def test_telegram_html_becomes_readable_plain_text():
    html = ('<b>Đã đăng ký</b> &amp; <i>xác nhận</i>: Lê &lt;Văn&gt;\n'
            '<a href="https://t.me/x?start=c1">link</a> <s>cũ</s>')
    assert plain_text(html) == "Đã đăng ký & xác nhận: Lê <Văn>\nlink (https://t.me/x?start=c1) cũ"
    assert plain_text('<a href="https://a.b">https://a.b</a>') == "https://a.b"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_zalo_message_asks_for_a_tap(lang):
    """Every text of the catalogue that speaks of tapping a button reads, on Zalo, as typing a reply."""
    from babel.messages.pofile import read_po

    from bot.i18n import LOCALES

    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f, locale=lang)
    singular = [m.id if isinstance(m.id, str) else m.id[0] for m in catalogue]  # a plural's id is a pair
    tapping = [msgid for msgid in singular if msgid and "tap" in msgid.lower().replace("taps", "")]
    assert len(tapping) >= 5  # the menus' hint, the "choose" error, the help, the parts and the phone steps
    i18n = build_i18n(lang)
    with i18n.context(), i18n.use_locale(lang):
        for msgid in tapping:
            shown = zalo_wording(i18n.gettext(msgid))
            assert not any(word in shown.lower() for word in ("tap", "bấm", "nhấn")), (msgid, shown)


def test_long_texts_are_cut_at_line_breaks_into_pieces_zalo_accepts():
    lines = [f"{n:03d} " + "chữ " * 30 for n in range(100)]
    pieces = split_text("\n".join(lines))
    assert all(0 < len(p) <= 2000 for p in pieces) and len(pieces) > 1
    assert "\n".join(pieces).split("\n") == lines  # nothing lost, nothing cut mid-line
    one_line = "từ " * 1500  # no line break at all: cut at spaces
    assert all(len(p) <= 2000 for p in split_text(one_line)) and "".join(split_text(one_line)).count("từ") == 1500
    assert split_text("\n\n  \n") == []


def test_menus_become_numbered_lines(english):
    inline = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="Bình Định", callback_data="p:province:binh_dinh"),
         InlineKeyboardButton(text="Lâm Đồng", callback_data="p:province:lam_dong")],
        [InlineKeyboardButton(text="Map", url="https://maps.google.com/?q=1,2")]])
    assert menu_text(inline) == "Reply with a number:\n1. Bình Định\n2. Lâm Đồng\nMap: https://maps.google.com/?q=1,2"
    # the question already lists the options 1…n: not twice
    assert menu_text(inline, "Which province?\n1. Bình Định (full)\n2. Lâm Đồng (full)") == \
        "Map: https://maps.google.com/?q=1,2"
    contact = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="📱 Send my phone number", request_contact=True)]])
    assert menu_text(contact) == "Type your phone number, e.g. 0905 123 456."
    words = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Có"), KeyboardButton(text="Không")]])
    assert menu_text(words) == "Reply with one of:\n• Có\n• Không"
    assert menu_text(ReplyKeyboardRemove()) == ""


def test_what_a_zalo_user_types_first():
    assert typed_text("Xin chào", first_message=True) == "/start"  # no start button on Zalo
    assert typed_text("Xin chào", first_message=False) == "Xin chào"
    assert typed_text("DK 1234 5678", first_message=True) == "DK 1234 5678"  # a claim code is kept
    assert typed_text("  Bắt đầu ", first_message=False) == typed_text("MENU", first_message=False) == "/start"
    assert typed_text("/myqr", first_message=True) == "/myqr"
    link = "https://t.me/dalat_delegate_bot?start=nAbCdEfGhIjKlMnOp"  # a nominee's personal link, pasted
    assert typed_text(link, first_message=True) == "/start nAbCdEfGhIjKlMnOp"
    assert unwrap({"ok": True, "result": {"event_name": "x"}}) == {"event_name": "x"}
    assert unwrap({"event_name": "x"}) == {"event_name": "x"}


def test_claim_codes_as_people_type_them():
    assert reg.typed_claim("DK 12345678") == reg.typed_claim("đk: 1234 5678") == reg.typed_claim("Dk12345678")
    assert reg.typed_claim("DK 12345678") == "12345678" and reg.is_claim_code("12345678")
    assert reg.typed_claim("DK nAbCdEfGhIjKlMnOp") == reg.typed_claim("dk AbCdEfGhIjKlMnOp") == "AbCdEfGhIjKlMnOp"
    for text in ("DK 1234567", "DK", "đăng ký", "dk abc", "12345678", "Họ và tên DK 12345678"):
        assert reg.typed_claim(text) is None, text


def test_check_in_numbers_catch_typos():
    assert read_checkin_number(checkin_number(427)) == read_checkin_number(f"# {checkin_number(427)}") == 427
    for delegate_id in range(1, 1500):
        number, check = checkin_number(delegate_id).split("-")
        wrong = {f"{number}-{d}" for d in "0123456789"} - {f"{number}-{check}"}
        wrong |= {f"{number[:i]}{number[i + 1]}{number[i]}{number[i + 2:]}-{check}" for i in range(len(number) - 1)
                  if number[i] != number[i + 1]}
        assert not any(read_checkin_number(w) for w in wrong if not w.startswith("0")), delegate_id
    assert read_checkin_number("0905-123-456") is None and read_checkin_number("nguyen an") is None


def test_qr_urls_are_signed_bound_and_expire(settings, conference):
    links = QrLinks(settings, conference)
    settings.public_base_url = ""
    assert links.url("t" + "A" * 32, "vi") is None  # no public URL: the code goes as text
    settings.public_base_url = "https://bot.example.vn"
    url = links.url("t" + "A" * 32, "vi")
    name = url.rsplit("/", 1)[1]
    assert url.startswith("https://bot.example.vn/zalo/qr/") and links.check(name) == ("t" + "A" * 32, "vi")
    assert links.check(name.replace(".vi.", ".en.")) is None  # the language is signed too
    assert links.check(name.replace("tAAAA", "tAAAB")) is None
    expires = int(name.split(".")[2])
    assert expires >= time.time() + 6 * 86400
    assert links.check(name, now=expires + 1) is None


async def test_zalo_ids_are_stable_integers_apart_from_telegrams(db):
    ids = ZaloIds(db)
    first, new = await ids.internal("6ede9afa66b88fe6a5a9")
    assert new and first > BASE > 10**15  # above every Telegram id
    assert await ids.internal("6ede9afa66b88fe6a5a9") == (first, False)
    assert await ZaloIds(db).internal("6ede9afa66b88fe6a5a9") == (first, False)  # another process, a restart
    assert await ZaloIds(db).zalo(first) == "6ede9afa66b88fe6a5a9"
    assert await ids.zalo(9001) is None  # a Telegram id is never a Zalo user
    assert bridge_token("123456789:abc-xyz") == "123456789:zalo-bridge" and "abc" not in bridge_token("x:abc")


async def test_claim_by_code(db, conference):
    async with db.session() as session:
        registrant = await account(session, "1001")
        colleague = await account(session, "1002")
        delegate = await reg.register(session, conference, draft(), registrant=registrant, for_self=False)
        code = delegate.claim_code
        assert await reg.claim_by_code(session, conference, colleague, "00000000") == "invalid"
        session.sync_session.info.pop(PLAN_CHANGED, None)
        taken = await reg.claim_by_code(session, conference, colleague, code)
        assert taken.account_id == colleague.id and taken.claim_code is None
        assert session.sync_session.info.pop(PLAN_CHANGED) is True  # a plain UPDATE: the flush does not see it
        assert await reg.claim_by_code(session, conference, colleague, code) == "invalid"  # single use
        other = await reg.register(session, conference, draft(full_name="B"), registrant=registrant, for_self=False)
        assert await reg.claim_by_code(session, conference, colleague, other.claim_code) == "already_registered"
        await reg.cancel(session, other)
        stranger = await account(session, "1003")
        assert await reg.claim_by_code(session, conference, stranger, other.claim_code) == "cancelled"


async def test_client_checks_ok_and_keeps_the_token_out_of_errors():
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 403, "description": "blocked"}, status=200)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    token = "123:very-secret-token"
    client = ZaloClient(f"http://127.0.0.1:{runner.addresses[0][1]}", token)
    try:
        with pytest.raises(ZaloError) as refused:  # HTTP 200, but ok is false
            await client.call("sendMessage", {"chat_id": "x", "text": "y"})
        assert refused.value.status == 403
        await runner.cleanup()
        with pytest.raises(ZaloNetworkError) as down:
            await client.call("getMe")
        assert token not in str(down.value) and down.value.__cause__ is None
        assert client.redact(f"http://h/bot{token}/getMe") == "http://h/bot<ZALO_BOT_TOKEN>/getMe"
    finally:
        await client.close()
