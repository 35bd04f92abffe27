"""A tiny reverse proxy in front of several bot processes, as nginx would be in production.

    upstream bots { least_conn; server 127.0.0.1:8081; server 127.0.0.1:8082; }
    location / { proxy_pass http://bots; proxy_next_upstream error; }

Each request goes to the backend with the fewest requests in flight (round-robin among equals). A
backend whose connection is refused is marked down for `fail_timeout` seconds and the request goes to
the next one (nginx's `proxy_next_upstream error`, max_fails=1); once a request has reached a backend it
is not sent again elsewhere (a POST is not idempotent): if that backend dies before answering, the client
gets 502 and Telegram sends the update again later. Headers pass through, the webhook's secret included.

In-process: `async with Proxy([url1, url2]) as proxy: proxy.url`. As a process (benchmarks):
    python -m testkit.proxy --port 0 --backend http://127.0.0.1:8081 --backend http://127.0.0.1:8082
prints "proxy on http://127.0.0.1:<port>" when it listens.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import time
from collections import Counter
from dataclasses import dataclass

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


@dataclass
class Backend:
    url: str
    in_flight: int = 0
    down_until: float = 0.0
    requests: int = 0
    failures: int = 0


class Proxy:
    def __init__(self, backends: list[str], *, fail_timeout: float = 10.0, read_timeout: float = 75.0) -> None:
        self.backends = [Backend(url.rstrip("/")) for url in backends]
        self.fail_timeout = fail_timeout
        self.read_timeout = read_timeout
        self.stats: Counter[str] = Counter()  # "next_upstream", "502", "200", ...
        self._turn = itertools.count()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=self.read_timeout),
            connector=aiohttp.TCPConnector(limit=0), auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/{path:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.url = f"http://{host}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> Proxy:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def set_backends(self, urls: list[str]) -> None:
        known = {b.url: b for b in self.backends}
        self.backends = [known.get(url.rstrip("/")) or Backend(url.rstrip("/")) for url in urls]

    def _order(self) -> list[Backend]:
        """Backends to try, best first: up ones by fewest in flight (round-robin among equals), then down ones."""
        now = time.monotonic()
        turn = next(self._turn)
        n = len(self.backends)
        rotated = [self.backends[(turn + i) % n] for i in range(n)]
        up = sorted((b for b in rotated if b.down_until <= now), key=lambda b: b.in_flight)
        return up + [b for b in rotated if b.down_until > now]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        for backend in self._order():
            backend.in_flight += 1
            try:
                async with self._session.request(request.method, backend.url + request.rel_url.path_qs,
                                                 headers=headers, data=body, allow_redirects=False) as answer:
                    payload = await answer.read()
                    backend.requests += 1
                    self.stats[str(answer.status)] += 1
                    out = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                    return web.Response(status=answer.status, headers=out, body=payload)
            except aiohttp.ClientConnectorError:  # refused: nothing was sent, the next backend may take it
                backend.failures += 1
                backend.down_until = time.monotonic() + self.fail_timeout
                self.stats["next_upstream"] += 1
                continue
            except (TimeoutError, aiohttp.ClientError):  # it had the request and died, or hung
                backend.failures += 1
                self.stats["502"] += 1
                return web.Response(status=502, text="Bad Gateway")
            finally:
                backend.in_flight -= 1
        self.stats["502"] += 1
        return web.Response(status=502, text="Bad Gateway: no backend reachable")


async def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--backend", action="append", required=True)
    args = parser.parse_args()
    proxy = Proxy(args.backend)
    await proxy.start(args.host, args.port)
    print(f"proxy on {proxy.url}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await proxy.stop()
        print(dict(proxy.stats), [(b.url, b.requests, b.failures) for b in proxy.backends], flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(_main())
    except KeyboardInterrupt:
        pass
