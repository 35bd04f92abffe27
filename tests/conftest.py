"""Shared fixtures. The database and Redis come from the environment, so CI runs the same suite on
SQLite (default), PostgreSQL (TEST_DATABASE_URL) and with Redis (TEST_REDIS_URL: the webhook journal)."""
from __future__ import annotations

import os

import pytest

# the shared test support's own checks (flows, fakes) report their values as a test's asserts do
pytest.register_assert_rewrite("testkit")

from bot.config import Settings  # noqa: E402
from bot.event import load_event  # noqa: E402
from models import Database  # noqa: E402
from testkit.database import reset_database  # noqa: E402
from testkit.paths import EVENT_FILE  # noqa: E402

# The bots these tests start (`python -m bot`, which inherits this environment) match venue questions
# by their words alone: the meaning model would spend half a minute of CPU in each of them.
# tests/test_faq.py tests the model itself.
os.environ.setdefault("FAQ_MEANING", "false")


@pytest.fixture
def conference():
    return load_event(EVENT_FILE)


@pytest.fixture
def database_url(tmp_path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Every test that Redis changes reads it through this fixture (TEST_REDIS_ONLY below counts on it)."""
    return os.environ.get("TEST_REDIS_URL", "")


def pytest_collection_modifyitems(config, items) -> None:
    """TEST_REDIS_ONLY=1 (.ci/run's pass with Redis): only the tests that Redis changes, those whose fixtures
    read `redis_url`; the others ran in the same way in the pass before it."""
    if not (os.environ.get("TEST_REDIS_ONLY") and os.environ.get("TEST_REDIS_URL")):
        return
    kept, left = [], []
    for item in items:
        (kept if "redis_url" in getattr(item, "fixturenames", ()) else left).append(item)
    config.hook.pytest_deselected(items=left)
    items[:] = kept


@pytest.fixture
async def db(database_url):
    await reset_database(database_url)
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
async def clean_redis(redis_url):
    if redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        await client.flushdb()
        await client.aclose()
    return redis_url


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        _env_file=None, telegram_bot_token="123456:TEST-token", database_url=database_url,
        event_file=EVENT_FILE, secret_key="test-secret", admin_ids=frozenset({9001}), send_rate_per_second=0,
    )


@pytest.fixture
async def fake():
    from testkit.fakebot import FakeTelegram

    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    # every request the bot made must have been one Telegram accepts
    assert server.rejected == [], server.rejected


@pytest.fixture
async def running(fake, settings, db, clean_redis):
    """The bot polling the fake server, on the test database (migrated) and FSM storage."""
    from testkit.harness import RunningBot

    settings.telegram_api_url = fake.base_url
    settings.telegram_bot_token = fake.token
    bot = RunningBot(settings, clean_redis)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def fakezalo():
    from testkit.fakezalo import FakeZalo

    server = FakeZalo()
    await server.start()
    yield server
    await server.stop()
    # every request the bot made must have been one Zalo accepts (no keyboard, no HTML, ≤2,000 characters)
    assert server.rejected == [], server.rejected


@pytest.fixture
async def both(fake, fakezalo, settings, db, clean_redis):
    """The real bot polling the fake Telegram and the fake Zalo, with its web server (QR pictures, desk page) up."""
    from testkit.harness import RunningBot
    from testkit.zalo_flows import connect

    connect(settings, fake, fakezalo)
    bot = RunningBot(settings, clean_redis, web=True)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def fakeoa():
    from testkit.fakezalo_oa import FakeOa

    server = FakeOa()
    await server.start()
    yield server
    await server.stop()
    # every request the bot made must have been one the OA accepts (documented shapes and limits)
    assert server.rejected == [], server.rejected


@pytest.fixture
async def with_oa(fake, fakeoa, settings, db, clean_redis):
    """The real bot: Telegram polling its fake, the host's OA on the fake OA, the web server (the OA's webhook) up."""
    from testkit.harness import RunningBot
    from testkit.zalo_oa_flows import connect_oa, webhook_of

    connect_oa(settings, fake, fakeoa)
    bot = RunningBot(settings, clean_redis, web=True)
    await bot.start()
    fakeoa.webhook_url = webhook_of(settings)
    yield bot
    await bot.stop()
