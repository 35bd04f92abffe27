"""Production as documented, on one machine: N bot processes (`python -m bot`) in webhook mode behind the
reverse proxy (testkit/proxy.py), on PostgreSQL and Redis, fed by the fake Telegram's webhook delivery.

    fake Telegram ──POST /telegram/webhook──► proxy ──► bot1 (port a)
                                                     └─► bot2 (port b)
For the fault tests (tests/test_e2e_faults.py) and the load benchmark (bench/load.py)."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from testkit.flows import TYPED_REGISTRATION
from testkit.harness import ROOT, BotProcess
from testkit.proxy import Proxy

WEBHOOK_SECRET = "webhook-secret-for-tests"


SYLLABLES = ("An", "Binh", "Chi", "Dung", "Giang", "Ha", "Hai", "Hoa", "Hung", "Khanh", "Lan", "Linh", "Long", "Mai",
             "Minh", "Nam", "Nga", "Ngoc", "Phong", "Phuc", "Quang", "Son", "Tam", "Thanh", "Thao", "Thu", "Trung",
             "Tuan", "Van", "Viet", "Xuan", "Yen")


def name_of(n: int) -> str:
    """A distinct full name for each n < 1024 (names have no digits)."""
    return f"Nguyen {SYLLABLES[n // len(SYLLABLES) % len(SYLLABLES)]} {SYLLABLES[n % len(SYLLABLES)]}"


def script_for(n: int) -> list[tuple[str, str]]:
    """The typed registration of bench/registration.py, with a name and phone of this delegate's own."""
    own = {"Nguyen Van An": name_of(n), "0905 123 456": f"0905 {n:03d} 456"}
    return [(own.get(typed, typed), expected) for typed, expected in TYPED_REGISTRATION]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebhookBotProcess(BotProcess):
    """`python -m bot` in webhook mode on a port of its own; PUBLIC_BASE_URL is the proxy's address."""

    def __init__(self, fake, database_url: str, workdir: Path, *, public_url: str, redis_url: str = "",
                 port: int | None = None, rate: float = 28, extra_env: dict[str, str] | None = None) -> None:
        super().__init__(fake, database_url, workdir, rate=rate, redis_url=redis_url)
        self.port = port or free_port()
        self.env.update({"WEB_PORT": str(self.port), "PUBLIC_BASE_URL": public_url, "USE_WEBHOOK": "true",
                         "WEBHOOK_SECRET": WEBHOOK_SECRET, **(extra_env or {})})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}-{self.starts}.log"

    async def start(self, timeout: float = 60) -> None:
        """Started once its web server answers /health and it has set the webhook."""
        self.starts += 1
        webhooks = len(self.fake.calls_to("setWebhook"))
        log = open(self.log, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=self.workdir, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start: {self.log.read_text()}")
                try:
                    async with http.get(self.url + "/health") as answer:
                        if answer.status == 200 and len(self.fake.calls_to("setWebhook")) > webhooks:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    """The proxy (in this process, or with proxy_process=True in its own) and `processes` bot processes."""

    def __init__(self, fake, database_url: str, redis_url: str, workdir: Path, *, processes: int = 2,
                 rate: float = 28, proxy_process: bool = False, extra_env: dict[str, str] | None = None) -> None:
        self.fake, self.workdir, self.proxy_process = fake, workdir, proxy_process
        self.ports = [free_port() for _ in range(processes)]
        self.proxy: Proxy | None = None
        self._proxy_popen: subprocess.Popen | None = None
        self.proxy_url = ""
        self.bots: list[WebhookBotProcess] = []
        self._bot_args = dict(database_url=database_url, redis_url=redis_url, rate=rate, extra_env=extra_env)

    async def start(self) -> None:
        backends = [f"http://127.0.0.1:{port}" for port in self.ports]
        if self.proxy_process:
            args = [sys.executable, "-m", "testkit.proxy"] + [a for b in backends for a in ("--backend", b)]
            self._proxy_popen = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                                 stderr=open(self.workdir / "proxy.log", "w"))
            line = await asyncio.to_thread(self._proxy_popen.stdout.readline)
            self.proxy_url = line.split()[-1]
        else:
            self.proxy = Proxy(backends)
            await self.proxy.start()
            self.proxy_url = self.proxy.url
        url = f"{self.proxy_url}"
        self.bots = [WebhookBotProcess(self.fake, workdir=self.workdir, public_url=url, port=port, **self._bot_args)
                     for port in self.ports]
        # one after the other: the first creates the schema; starting together works too (a lock), only slower
        for bot in self.bots:
            await bot.start()

    @property
    def proxy_pid(self) -> int:
        import os

        return self._proxy_popen.pid if self._proxy_popen else os.getpid()

    async def stop(self) -> None:
        for bot in self.bots:
            bot.stop()
        if self.proxy is not None:
            await self.proxy.stop()
        if self._proxy_popen is not None:
            self._proxy_popen.terminate()
            try:
                self._proxy_popen.wait(10)
            except subprocess.TimeoutExpired:
                self._proxy_popen.kill()

    async def __aenter__(self) -> Cluster:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def logs(self, tail: int | None = 4000) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-tail if tail else 0:]}"
                         for p in sorted(self.workdir.glob("bot*.log")))


def pid_of_peer(port: int, pids: list[int]) -> int | None:
    """Which of these processes owns the local TCP port `port` (the peer of a request the fake is answering)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    link = fd.readlink().name
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None


def sender_pid(cluster: Cluster) -> int | None:
    """Inside the fake's before_send hook: the bot process that made the call being answered."""
    from testkit.fakebot.server import CURRENT_REQUEST

    request = CURRENT_REQUEST.get()
    peer = request.transport.get_extra_info("peername") if request is not None and request.transport else None
    return pid_of_peer(peer[1], [b.process.pid for b in cluster.bots if b.alive]) if peer else None
