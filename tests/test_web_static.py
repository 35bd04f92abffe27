"""The desk page's files: what the page loads is served, ours and the vendored QR reader alike."""
from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web import reception

STATIC = Path(reception.__file__).resolve().parent / "static"


async def test_the_qr_reader_the_desk_page_loads_is_served():
    """Browsers without BarcodeDetector read the camera with jsQR, loaded by desk.js from our own server."""
    [src] = re.findall(r'src: "(/desk/static/[^"]*jsQR\.js)"', (STATIC / "desk.js").read_text())
    app = web.Application()
    reception.setup(app)
    async with TestClient(TestServer(app)) as client:
        response = await client.get(src)
        assert response.status == 200
        assert "jsQR" in await response.text()


def test_what_others_wrote_is_kept_apart_with_its_licence():
    vendored = {p.name for p in (STATIC / "vendor").iterdir()}
    assert {"jsQR.js", "jsQR.LICENSE.txt", "VENDORED.txt"} <= vendored
    assert not list(STATIC.glob("jsQR*"))
