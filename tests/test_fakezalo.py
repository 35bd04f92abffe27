"""The fake Zalo Bot Platform itself: strict where the bridge could go wrong."""
from __future__ import annotations

import time

import pytest
from aiohttp import ClientSession

from testkit.fakezalo import FakeZalo


@pytest.fixture
async def zalo():
    fake = FakeZalo()
    await fake.start()
    yield fake
    await fake.stop()


async def call(fake: FakeZalo, method: str, token: str | None = None, **params) -> tuple[int, dict]:
    async with ClientSession() as http:
        async with http.post(f"{fake.base_url}/bot{token or fake.token}/{method}", json=params) as response:
            return response.status, await response.json()


async def test_one_update_per_poll_no_offset_and_408_when_idle(zalo):
    u = zalo.user("Lan")
    await u.send("một")
    await u.send("hai")
    status, first = await call(zalo, "getUpdates", timeout=1)
    assert status == 200 and first["result"]["message"]["text"] == "một" and "update_id" not in first["result"]
    assert (await call(zalo, "getUpdates", timeout=1))[1]["result"]["message"]["text"] == "hai"  # taken once
    started = time.monotonic()
    status, idle = await call(zalo, "getUpdates", timeout=1)
    assert (status, idle["ok"], idle["description"]) == (408, False, "Request timeout")
    assert time.monotonic() - started >= 0.9
    assert zalo.rejected == []


async def test_what_zalo_would_refuse_is_refused_and_kept(zalo):
    u = zalo.user("Lan")
    assert (await call(zalo, "sendMessage", chat_id=u.id, text="hi"))[0] == 400  # has not written yet
    await u.send("xin chào")
    ok = await call(zalo, "sendMessage", chat_id=u.id, text="Chào " + "a" * 1995)
    assert ok[0] == 200 and set(ok[1]["result"]) == {"message_id", "date"} and len(u.inbox) == 1
    refused = [
        await call(zalo, "sendMessage", chat_id=u.id, text="x" * 2001),
        await call(zalo, "sendMessage", chat_id=u.id, text=""),
        await call(zalo, "sendMessage", chat_id=u.id, text="hi", reply_markup={"inline_keyboard": []}),
        await call(zalo, "sendMessage", chat_id=u.id, text="<b>Đã đăng ký</b>"),
        await call(zalo, "sendMessage", chat_id=u.id, text="Lê &amp; Co"),
        await call(zalo, "sendPhoto", chat_id=u.id, photo="AgACAgIAAxkBAAIB"),  # a Telegram file id
        await call(zalo, "sendPhoto", chat_id=u.id, photo=f"{zalo.base_url}/images/none.png"),  # serves no picture
        await call(zalo, "setWebhook", url="https://bot.example.vn/zalo/webhook", secret_token="short"),
        await call(zalo, "editMessageText", chat_id=u.id, text="x"),
    ]
    assert [status for status, _ in refused] == [400] * len(refused)
    assert len(zalo.rejected) == len(refused) and len(u.inbox) == 1
    assert (await call(zalo, "sendMessage", chat_id=u.id, text="Lê <Văn> & Co"))[0] == 200  # plain text as typed
    assert (await call(zalo, "getMe", token="1:wrong"))[0] == 401
    zalo.rejected.clear()


async def test_photos_by_url_are_fetched_and_faults_are_injected(zalo):
    u = zalo.user("Lan")
    await u.send("xin chào")
    url = zalo.host_image(b"\x89PNG\r\n\x1a\n" + b"1" * 10)
    assert (await call(zalo, "sendPhoto", chat_id=u.id, photo=url, caption="Mã"))[0] == 200
    assert u.inbox[-1].photo.startswith(b"\x89PNG") and u.inbox[-1].text == "Mã"
    zalo.fail_next(1, status=429, methods={"sendMessage"})
    assert (await call(zalo, "sendMessage", chat_id=u.id, text="a"))[0] == 429
    assert (await call(zalo, "sendMessage", chat_id=u.id, text="a"))[0] == 200
    u.block()
    assert (await call(zalo, "sendMessage", chat_id=u.id, text="a"))[0] == 403
    assert zalo.rejected == []
