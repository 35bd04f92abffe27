"""End to end, on PostgreSQL: the database going away for a few seconds in the middle of a conversation (a
restart, a fail-over, a dropped connection) delays the bot's answers but breaks no conversation: the
conversation store rides the outage out (bot/infra/storage.py). PostgreSQL is reached through a TCP gate the
test cuts and restores."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from testkit.flows import at_full_name, choose_vietnamese, until_text
from testkit.harness import RunningBot

OUTAGE = 6.0  # seconds: shorter than the store's ride-out (30 s)


class Gate:
    """A TCP relay to a server that can be cut (every connection closed, new ones refused) and restored."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.path = parts.path
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    def url(self, scheme: str) -> str:
        return f"{scheme}://postgres@127.0.0.1:{self.port}{self.path}"

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
async def gated(fake, settings, db, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    gate = Gate(database_url.replace("postgresql+asyncpg://", "http://"))
    await gate.open()
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.database_url = gate.url("postgresql+asyncpg")
    bot = RunningBot(settings)
    await bot.start()
    yield gate
    await bot.stop()
    await gate.cut()


async def test_database_away_for_seconds_delays_answers_and_loses_no_conversation(gated, fake):
    u = fake.user(6101, first_name="Hòa", language_code="vi")
    await choose_vietnamese(u)
    await at_full_name(u)

    # the database goes away just as the bot is sending the next question: the conversation is written after
    # that message, and was read before it while the database was there
    cut = asyncio.Event()

    async def cut_while_sending(_method, params):
        if "Số điện thoại" in str(params.get("text", "")) and not cut.is_set():
            cut.set()
            await gated.cut()

    fake.before_send = cut_while_sending
    await u.send("Trần Văn Hòa")
    await until_text(u, "Số điện thoại")
    await asyncio.sleep(OUTAGE)
    await gated.open()  # the database is back, on the same address

    await u.send("0905 123 456")  # read by the phone step: nothing was forgotten or done twice
    seen = await u.messages_until(lambda m: "Chức vụ?" in m.text, timeout=40)
    assert not [m.text for m in seen if "⚠️" in m.text or "Số điện thoại" in m.text]

    # and the database going away between two messages: the next one waits for it
    await gated.cut()
    await u.send("Phó Chủ tịch")
    await asyncio.sleep(OUTAGE)
    await gated.open()
    seen = await u.messages_until(lambda m: "✅ Xong" in m.buttons, timeout=40)
    assert not [m.text for m in seen if "⚠️" in m.text]
