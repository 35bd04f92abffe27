"""Start-up: settings, the missing token message, the broken event file, the webhook's secret."""
import subprocess
import sys

from aiohttp import ClientSession, web

from bot.app import WEBHOOK_PATH, build, create_web_app
from bot.config import Settings
from testkit.paths import ROOT


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ADMIN_IDS", "111, 222;333")
    monkeypatch.setenv("DATABASE_URL", "")  # an empty line in .env means "the default"
    monkeypatch.setenv("EVENT_FILE", "events/dalat-2023.yaml")
    settings = Settings(_env_file=None)
    assert settings.admin_ids == frozenset({111, 222, 333})
    assert settings.database_url.startswith("sqlite+aiosqlite:///") and settings.event_file.exists()
    assert not settings.webhook_mode


def _run_bot(tmp_path, **env):
    clean = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=60)


def test_no_token_says_what_to_put_in_env(tmp_path):
    """Without a token the bot starts in practice mode (tests/test_practice.py); PRACTICE=false, for a
    real deployment, makes a missing token the clear error it was."""
    result = _run_bot(tmp_path, PRACTICE="false")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN=" in result.stderr and ".env" in result.stderr


def test_broken_event_file_stops_the_start_and_names_the_field(tmp_path):
    event = tmp_path / "event.yaml"
    event.write_text((ROOT / "events" / "dalat-2023.yaml").read_text(encoding="utf-8").replace(
        "starts_at: 2023-07-27T14:00:00+07:00", "starts_at: 2023-07-27T14:00:00"), encoding="utf-8")
    result = _run_bot(tmp_path, TELEGRAM_BOT_TOKEN="123:abc", EVENT_FILE=str(event),
                      DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", SECRET_KEY="x")
    assert result.returncode == 2
    assert "sessions.1.starts_at" in result.stderr and "UTC offset" in result.stderr


async def test_webhook_checks_the_secret_token(fake, settings, db):
    settings.webhook_secret = "s3cret-token"
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    app = build(settings)
    await app.start()
    runner = web.AppRunner(create_web_app(app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    u = fake.user(8001, first_name="Lan", started=True)  # asked the language
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": u.chat, "from": u.as_user,
                                          "text": "/start", "entities": [{"type": "bot_command", "offset": 0,
                                                                          "length": 6}]}}
    try:
        async with ClientSession() as http:
            async with http.get(f"{url}/health") as response:
                assert response.status == 200 and (await response.json()) == {"ok": True}
            async with http.post(url + WEBHOOK_PATH, json=update) as response:
                assert response.status == 401
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with http.post(url + WEBHOOK_PATH, json=update, headers=wrong) as response:
                assert response.status == 401
            assert u.inbox == []  # refused requests reached no handler
            right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            async with http.post(url + WEBHOOK_PATH, json=update, headers=right) as response:
                assert response.status == 200
        assert (await u.next_message()).text.startswith("Chọn ngôn ngữ")
    finally:
        await runner.cleanup()
        await app.close()


async def test_without_webhook_secret_the_webhook_route_still_refuses_anonymous_posts(fake, settings, db):
    """The web server runs in polling mode too; an empty WEBHOOK_SECRET must not open the webhook to anyone."""
    settings.webhook_secret = ""
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    app = build(settings)
    runner = web.AppRunner(create_web_app(app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}{WEBHOOK_PATH}"
    forged = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 9001, "type": "private"},
                                          "from": {"id": 9001, "is_bot": False, "first_name": "Not the admin"},
                                          "text": "/broadcast"}}
    try:
        async with ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""}, {"X-Telegram-Bot-Api-Secret-Token": "x"}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 401, headers
        assert settings.telegram_webhook_secret and len(settings.telegram_webhook_secret) == 64
    finally:
        await runner.cleanup()
        await app.close()


def test_the_bot_runs_on_uvloop_unless_told_otherwise(monkeypatch):
    import asyncio

    import uvloop

    from bot.__main__ import loop_factory

    monkeypatch.delenv("EVENT_LOOP", raising=False)
    factory = loop_factory(Settings(_env_file=None))
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
    monkeypatch.setenv("EVENT_LOOP", "asyncio")
    assert loop_factory(Settings(_env_file=None)) is None  # asyncio.Runner then makes Python's own loop
    with asyncio.Runner(loop_factory=None) as runner:
        assert not isinstance(runner.get_loop(), uvloop.Loop)
