"""The test reverse proxy: spreads requests over backends, passes the secret header, skips a dead backend."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from testkit.proxy import Proxy


async def backend(name: str, seen: list, delay: float = 0.0) -> web.AppRunner:
    async def handle(request: web.Request) -> web.Response:
        seen.append((name, request.path, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        await asyncio.sleep(delay)
        return web.json_response({"by": name})

    app = web.Application()
    app.router.add_post("/telegram/webhook", handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def url_of(runner: web.AppRunner) -> str:
    return f"http://127.0.0.1:{runner.addresses[0][1]}"


async def post(http, url: str, n: int) -> tuple[int, str]:
    async with http.post(f"{url}/telegram/webhook", json={"update_id": n},
                         headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}) as response:
        return response.status, (await response.json())["by"] if response.status == 200 else ""


async def test_spreads_the_load_and_passes_the_secret():
    seen: list = []
    a, b = await backend("a", seen, delay=0.05), await backend("b", seen, delay=0.05)
    async with Proxy([url_of(a), url_of(b)]) as proxy, aiohttp.ClientSession() as http:
        answers = await asyncio.gather(*(post(http, proxy.url, n) for n in range(20)))
    await a.cleanup(), await b.cleanup()
    assert all(status == 200 for status, _ in answers)
    by = [who for _, who in answers]
    assert by.count("a") == by.count("b") == 10  # least busy, round-robin among equals
    assert {secret for _n, path, secret, _u in seen if path == "/telegram/webhook"} == {"s3cret"}
    assert sorted(u["update_id"] for *_rest, u in seen) == list(range(20))


async def test_a_dead_backend_is_skipped_and_all_dead_is_502():
    seen: list = []
    a, b = await backend("a", seen), await backend("b", seen)
    async with Proxy([url_of(a), url_of(b)]) as proxy, aiohttp.ClientSession() as http:
        await a.cleanup()  # process a is gone: connection refused
        answers = [await post(http, proxy.url, n) for n in range(6)]
        assert answers == [(200, "b")] * 6
        assert proxy.stats["next_upstream"] == 1  # then a is left alone for fail_timeout
        await b.cleanup()
        assert (await post(http, proxy.url, 7))[0] == 502
