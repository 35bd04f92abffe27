"""Practice mode without a browser: `python -m bot` with no token starts it and prints the chat page's
address, with its own database; the in-process Bot API server answers the bot as Telegram would (the
browser tests are in tests/test_practice_browser.py)."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from aiohttp import ClientSession

from bot.practice.page import ChatPage
from bot.practice.people import DELEGATE, seat
from bot.practice.server import TOKEN, PracticeTelegram
from bot.practice.store import Store
from testkit.paths import ROOT


def test_no_token_starts_practice_mode_with_its_own_database(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "WEB_PORT": "0",
           "PRACTICE_PORT": "0", "FAQ_MEANING": "false", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'real.sqlite3'}",
           "PRACTICE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'practice.sqlite3'}"}
    process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        seen, deadline = [], time.monotonic() + 90
        while time.monotonic() < deadline and not any("Start polling" in line for line in seen):
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
        output = "".join(seen)
        assert "Practice mode (no bot token set): open http://127.0.0.1:" in output, output
        assert "/practice in a browser" in output and "Chế độ thực hành" in output
        assert "Start polling" in output and "@practice_delegate_bot" in output
        assert (tmp_path / "practice.sqlite3").exists() and not (tmp_path / "real.sqlite3").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
async def server():
    from aiohttp import web

    store = seat(Store())
    telegram = PracticeTelegram(store)
    app = web.Application()
    telegram.add_routes(app)
    ChatPage(telegram).add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield telegram, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_the_server_keeps_html_buttons_and_edits_for_the_page_and_answers_like_telegram(server):
    telegram, url = server
    api = f"{url}/bot{TOKEN}"
    async with ClientSession() as http:
        markup = '{"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}'
        async with http.post(f"{api}/sendMessage", data={"chat_id": str(DELEGATE), "text": "<b>Xin chào</b> &amp; Co",
                                                         "parse_mode": "HTML", "reply_markup": markup}) as response:
            sent = (await response.json())["result"]
        assert sent["text"] == "Xin chào & Co" and sent["reply_markup"]["inline_keyboard"][0][0]["text"] == "Có"
        edit = {"chat_id": str(DELEGATE), "message_id": str(sent["message_id"]), "text": "<b>Xin chào</b> &amp; Co",
                "reply_markup": markup}
        async with http.post(f"{api}/editMessageText", data=edit) as response:
            assert response.status == 400 and "not modified" in (await response.json())["description"]
        async with http.post(f"{api}/editMessageText", data=edit | {"text": "<i>Đã sửa</i>"}) as response:
            assert (await response.json())["result"]["edit_date"]
        async with http.post(f"{api}/sendMessage", data={"chat_id": "42", "text": "x"}) as response:
            assert response.status == 400 and "chat not found" in (await response.json())["description"]
        async with http.get(f"{url}/bot1:wrong/getMe") as response:
            assert response.status == 401
        async with http.get(f"{url}/practice/api/chat/{DELEGATE}") as response:
            chat = await response.json()
    assert [(m["html"], m.get("edited")) for m in chat["messages"]] == [("<i>Đã sửa</i>", True)]
    assert chat["messages"][0]["buttons"] == [[{"text": "Có", "callback_data": "yes"}]]


async def test_what_the_person_does_reaches_the_bot_as_updates(server):
    telegram, url = server
    async with ClientSession() as http:
        await http.post(f"{url}/practice/api/chat/{DELEGATE}/text", json={"text": "/start", "lang": "en"})
        await http.post(f"{url}/practice/api/chat/{DELEGATE}/contact", json={})
        async with http.post(f"{url}/practice/api/chat/{DELEGATE}/press", json={"message_id": 99, "data": "x"}) as r:
            assert r.status == 410  # no such message: nothing is sent
    first, second = await telegram.updates.get(None, 100, 1, None)
    assert first["message"]["text"] == "/start" and first["message"]["entities"][0]["type"] == "bot_command"
    assert first["message"]["from"]["language_code"] == "en"
    contact = second["message"]["contact"]
    assert contact == {"phone_number": "+84912000011", "first_name": "Phạm Minh Đức", "user_id": DELEGATE}
    assert "text" not in second["message"]


async def test_a_file_the_person_sends_reaches_the_bot_and_downloads_with_get_file(server):
    from aiohttp import FormData

    telegram, url = server
    form = FormData()
    form.add_field("file", "Họ và tên,Tỉnh\n".encode(), filename="danh-sach.csv", content_type="text/csv")
    form.add_field("caption", "Danh sách")
    async with ClientSession() as http:
        async with http.post(f"{url}/practice/api/chat/{DELEGATE}/attach", data=form) as response:
            assert response.status == 200
        [update] = await telegram.updates.get(None, 100, 1, None)
        document = update["message"]["document"]
        assert document["file_name"] == "danh-sach.csv" and update["message"]["caption"] == "Danh sách"
        async with http.post(f"{url}/bot{TOKEN}/getFile", data={"file_id": document["file_id"]}) as response:
            path = (await response.json())["result"]["file_path"]
        async with http.get(f"{url}/file/bot{TOKEN}/{path}") as response:
            assert await response.read() == "Họ và tên,Tỉnh\n".encode()


async def test_a_taken_port_is_said_in_plain_words(capsys):
    import socket

    from bot.config import Settings
    from bot.practice.run import run

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            await run(Settings(_env_file=None, practice_port=port))
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in said and "PRACTICE_PORT" in said


async def test_a_text_that_looks_like_json_stays_text(server):
    telegram, url = server
    async with ClientSession() as http:
        async with http.post(f"{url}/bot{TOKEN}/sendMessage", data={"chat_id": str(DELEGATE), "text": "[1/3] {ok}"}) as r:
            assert (await r.json())["result"]["text"] == "[1/3] {ok}"
