"""Printed papers: 500 badges (and the sign-in sheets of 500 delegates) built as the bot builds them, in a
worker process beside the event loop, timed end to end (the process's start included); the loop's largest
delay while they are built says it was left free; a page of the badges is rendered and its codes decoded.

    .venv/bin/python -m bench.badges [--delegates 500]
"""
from __future__ import annotations

import argparse
import asyncio
import time

# Only what the worker needs is imported at the top: the worker process imports this module again (as the
# bot's worker imports `bot/__main__.py`, which is as light), and aiogram alone takes seconds to import.
from bot.screens.papers import badges_pdf, build_elsewhere
from bot.screens.sign_sheets import sign_in_pdf

NAMES = ("Nguyễn Thị Ngọc Ánh", "Trần Văn Hưởng", "Lê Hoàng Quyết", "Phạm Thị Diễm Hằng", "Võ Đức Thắng",
         "Huỳnh Ngọc Quý", "Đặng Thị Thu Trang", "Bùi Quốc Việt")
POSITIONS = ("Phó Chủ tịch Ủy ban nhân dân tỉnh", "Chánh Văn phòng", "Trưởng Ban Thi đua - Khen thưởng",
             "Chuyên viên chính Phòng Tổng hợp")


def delegates(conference, n: int) -> list:
    from models import Delegate
    from models.delegate import DelegatePart

    provinces = [p for p in conference.provinces]
    people = []
    for i in range(n):
        province = provinces[i % len(provinces)]
        category = province.categories[i % len(province.categories)]
        d = Delegate(id=1000 + i, event_id=conference.id, full_name=f"{NAMES[i % len(NAMES)]} {i}",
                     position=POSITIONS[i % len(POSITIONS)], province=province.code, category=category,
                     organization=conference.default_organization(category, province.code, "vi") or "Báo Lâm Đồng",
                     phone="+84905000000", ticket_version=1 + i % 3)
        d.parts = [DelegatePart(part_code="conference")]
        people.append(d)
    return people


def measured(build, *args) -> tuple[bytes, float]:
    """In the worker: the PDF and the CPU seconds it took there (the machine is shared: wall time varies)."""
    started = time.process_time()
    data = build(*args)
    return data, time.process_time() - started


async def timed(label: str, build, *args) -> bytes:
    lag, stop = [0.0], asyncio.Event()

    async def ticker() -> None:  # how late a 10 ms sleep wakes: what every chat's reply would wait
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lag[0] = max(lag[0], time.perf_counter() - before - 0.01)

    watcher = asyncio.create_task(ticker())
    started = time.perf_counter()
    data, cpu = await build_elsewhere(measured, build, *args)
    seconds = time.perf_counter() - started
    stop.set()
    await watcher
    print(f"| {label} | {seconds:.2f} s | {cpu:.2f} s | {len(data) / 1024 ** 2:.2f} MB | {lag[0] * 1000:.0f} ms |")
    return data


async def main(n: int) -> None:
    from bot.event import load_event
    from bot.screens.paper_content import badge_cards, sheet_labels, sheets
    from testkit.papers import pdf_codes
    from testkit.paths import EVENT_FILE

    conference = load_event(EVENT_FILE)
    people = delegates(conference, n)
    started = time.perf_counter()
    cards = badge_cards(people, conference, "vi", "dalat_delegate_bot", "bench-secret")
    print(f"cards' contents (tokens signed, in the bot's process): {time.perf_counter() - started:.3f} s")
    print("| what | wall time (worker's start included) | worker's CPU building it | PDF size | "
          "event loop's largest delay |")
    print("|---|---|---|---|---|")
    badges = await timed(f"{n} badges ({conference.badge.width_mm:g}×{conference.badge.height_mm:g} mm)",
                         badges_pdf, cards, conference.badge.width_mm, conference.badge.height_mm, "Thẻ đại biểu")
    await timed(f"sign-in sheets of {n} delegates", sign_in_pdf, sheets(people, conference, "conference", "vi"),
                sheet_labels("vi"))
    first_page = pdf_codes(badges)[:1]
    expected = [c.link for c in cards[:10]]
    print(f"first sheet: {len(first_page[0])} codes decoded, all as issued: {first_page[0] == expected}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=500)
    asyncio.run(main(parser.parse_args().delegates))
