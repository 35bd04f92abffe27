"""The real bot (aiogram polling loop, our dispatcher, the configured database and FSM storage)
running against the fake Bot API server; stopped and started again for restart tests."""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.app import App, build
from bot.config import Settings
from testkit.paths import EVENT_FILE, ROOT


class RunningBot:
    """Telegram polling when TELEGRAM_BOT_TOKEN is set, the Zalo channel (polling, or its webhook) when
    ZALO_BOT_TOKEN is; with web=True also the web server, on a free port that becomes PUBLIC_BASE_URL."""

    def __init__(self, settings: Settings, redis_url: str = "", *, web: bool = False) -> None:
        self.settings = settings
        self.redis_url = redis_url
        self.web = web
        self.app: App | None = None
        self.task: asyncio.Task | None = None
        self.zalo_task: asyncio.Task | None = None
        self.oa_task: asyncio.Task | None = None
        self.runner = None

    async def start(self) -> App:
        self.app = build(self.settings)  # conversations in the database, as in production
        await self.app.start()
        if self.web:
            from bot.app import start_web

            self.settings.web_port = 0
            self.runner = await start_web(self.app)
            self.settings.public_base_url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        if self.settings.telegram_bot_token:
            self.task = asyncio.create_task(
                self.app.dispatcher.start_polling(self.app.bot, handle_signals=False, polling_timeout=1,
                                                  allowed_updates=self.app.dispatcher.resolve_used_update_types())
            )
        if self.app.zalo is not None:
            self.zalo_task = asyncio.create_task(self.app.zalo.run(poll_timeout=1))
        if self.app.zalo_oa is not None:
            self.oa_task = asyncio.create_task(self.app.zalo_oa.run())
        return self.app

    async def stop(self) -> None:
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dispatcher.stop_polling()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.task, 10)
        for task in (self.zalo_task, self.oa_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.runner is not None:
            await self.runner.cleanup()
        await self.app.close()
        self.app = self.task = self.zalo_task = self.oa_task = self.runner = None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()


class BotProcess:
    """`python -m bot` in a process of its own, so a test can kill it for real (SIGKILL)."""

    count = 0

    def __init__(self, fake, database_url: str, workdir: Path, *, rate: float = 28, redis_url: str = "",
                 admin_ids: str = "9001") -> None:
        BotProcess.count += 1
        self.fake, self.workdir, self.name = fake, workdir, f"bot{BotProcess.count}"
        self.env = {**os.environ, "TELEGRAM_API_URL": fake.base_url, "TELEGRAM_BOT_TOKEN": fake.token,
                    "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret",
                    "SEND_RATE_PER_SECOND": str(rate), "ADMIN_IDS": admin_ids, "PYTHONPATH": str(ROOT),
                    "EVENT_FILE": str(EVENT_FILE),
                    "WEB_PORT": "0", "PUBLIC_BASE_URL": ""}
        self.process: subprocess.Popen | None = None
        self.starts = 0

    async def start(self, timeout: float = 60) -> None:
        self.starts += 1
        polls = sum(1 for c in self.fake.calls if c.method == "getUpdates")
        log_file = self.workdir / f"{self.name}-{self.starts}.log"
        log = open(log_file, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=self.workdir, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        while sum(1 for c in self.fake.calls if c.method == "getUpdates") <= polls:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start: {log_file.read_text()}")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye, exactly like a crash or the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


async def bot_on_fake(database_url: str):
    """A fresh database at `database_url`, a fake Bot API and the bot started against both (the benchmarks'
    way in); returns (fake, running), which the caller stops."""
    from testkit.database import reset_database
    from testkit.fakebot import FakeTelegram

    await reset_database(database_url)
    fake = FakeTelegram()
    await fake.start()
    settings = Settings(_env_file=None, telegram_bot_token=fake.token, telegram_api_url=fake.base_url,
                        database_url=database_url, event_file=EVENT_FILE, secret_key="bench",
                        send_rate_per_second=0)
    running = RunningBot(settings)
    await running.start()
    return fake, running
