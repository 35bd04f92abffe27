"""Debian's Chromium driven by Playwright, for the browser tests: where Chromium is, how it starts (without
calls to hosts this network refuses), the marks that skip a test when either is missing, and the fixture."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

try:
    from playwright.async_api import expect
except ImportError:  # the test extra is not installed: the browser tests are skipped
    expect = None

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MARKS = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"no Chromium at {CHROMIUM}: install Debian's (apt-get install -y chromium)"),
    pytest.mark.skipif(expect is None, reason="Playwright is not installed (pip install -e '.[test]')"),
]
# as the machine notes say: without these, Chromium keeps calling hosts this network refuses
ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()
