"""Worker processes (QR badges, reading an imported list) end with the bot however it ends, are killed past
their time limit, and pass back their result or their exception."""
import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from bot.infra import worker_process
from bot.services import nominees
from testkit.paths import ROOT

# A stand-in for the bot: starts a worker, prints the workers' process ids, then waits to be killed.
BOT = """
import asyncio, ctypes, multiprocessing, sys, time
from bot.infra import worker_process
from bot.services import badge

def sleep_without_the_kernel_signal(seconds):
    ctypes.CDLL(None).prctl(worker_process.PR_SET_PDEATHSIG, 0, 0, 0, 0)  # only the watchdog is left
    time.sleep(seconds)

async def main(kind):
    if kind == "badge":
        await badge.render_elsewhere("https://t.me/dalat_bot?start=x", ["Nguyễn Văn An", "Gia Lai"])
        print(badge.drawer_pid(), flush=True)
        await asyncio.sleep(600)
    else:
        work = time.sleep if kind == "reading" else sleep_without_the_kernel_signal
        asyncio.create_task(worker_process.run_once(work, 600, timeout=900))
        while not multiprocessing.active_children():
            await asyncio.sleep(0.05)
    print(*[p.pid for p in multiprocessing.active_children()], flush=True)
    await asyncio.sleep(600)

if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
"""


def alive(pid: int) -> bool:
    """Running (a zombie has ended: it only waits for its new parent to collect it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("kind", ["badge", "reading", "watchdog"])
def test_a_worker_ends_when_the_bot_is_killed(kind, tmp_path):
    script = tmp_path / "fake_bot.py"
    script.write_text(textwrap.dedent(BOT))
    bot = subprocess.Popen([sys.executable, str(script), kind], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    workers = []
    try:
        workers = [int(pid) for pid in bot.stdout.readline().split()]
        assert workers and all(alive(pid) for pid in workers)
        bot.send_signal(signal.SIGKILL)  # no clean-up, like the OOM killer
        bot.wait(10)
        assert gone_within(workers, 10), "the worker outlived the bot"
    finally:
        bot.kill()
        for pid in workers:  # the orphans of a failed run, so they do not outlive the test either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_whose_parent_already_died_ends_at_once():
    """The bot died between starting the worker and the worker's prctl: its parent is no longer the bot."""
    code = "from bot.infra.worker_process import die_with_parent; import time; die_with_parent(1); time.sleep(600)"
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert worker.wait(30) == 0
    finally:
        worker.kill()


async def test_past_its_time_limit_the_worker_is_killed():
    with pytest.raises(worker_process.TooSlow):
        await worker_process.run_once(time.sleep, 600, timeout=3)
    def sleeping() -> list:
        return [p for p in multiprocessing.active_children() if p.name == "worker:sleep"]

    for _ in range(100):  # killed at once; the thread that waited for it collects it
        if not sleeping():
            break
        await asyncio.sleep(0.05)
    assert sleeping() == []


async def test_the_workers_result_or_its_exception_comes_back():
    assert await worker_process.run_once(sorted, [3, 1, 2], timeout=60) == [1, 2, 3]
    with pytest.raises(nominees.TableError) as caught:
        await worker_process.run_once(nominees.read_table, b"not a zip", "list.xlsx", timeout=60)
    assert caught.value.error.reason == "unreadable"
    with pytest.raises(MemoryError):  # its memory limit holds
        await worker_process.run_once(bytearray, 2 * 1024 ** 3, timeout=60, memory=1024 ** 3)


async def test_a_killed_badge_process_is_replaced_and_the_badge_still_drawn():
    """An operator or the out-of-memory killer ends the drawing process: the next /myqr still gets its badge."""
    from PIL import Image
    import io

    from bot.services import badge

    url, lines = "https://t.me/dalat_bot?start=x", ["Nguyễn Văn An", "Gia Lai"]
    await badge.render_elsewhere(url, lines)
    before = badge.drawer_pid()
    os.kill(before, signal.SIGKILL)
    assert gone_within([before], 10)
    png = await badge.render_elsewhere(url, lines)
    assert Image.open(io.BytesIO(png)).size[0] > 100
    assert badge.read_codes(png) == [url]
    assert badge.drawer_pid() not in (None, before)
    await badge.stop_drawing()


async def test_the_drawing_process_serves_calls_at_once_in_turn_and_passes_errors_back():
    """Pictures asked for at once (delegates confirming together) all come, each its own; the process stays one;
    an exception in the work comes back as itself and the process goes on serving."""
    from bot.services import badge

    urls = [f"https://t.me/dalat_bot?start=c{n}" for n in range(12)]
    pictures = await asyncio.gather(*(badge.render_elsewhere(url, [f"Đại biểu {n}"]) for n, url in enumerate(urls)))
    assert [badge.read_codes(png) for png in pictures] == [[url] for url in urls]
    pid = badge.drawer_pid()
    with pytest.raises(ValueError):
        await badge._drawer.call(int, "not a number")
    assert await badge._drawer.call(sorted, [3, 1, 2]) == [1, 2, 3] and badge.drawer_pid() == pid
    await badge.stop_drawing()


async def test_a_picture_whose_caller_gave_up_is_never_taken_for_the_next_one():
    """A call cancelled while the worker draws (an update stopped mid-way): the next caller gets its own picture,
    not the answer that was still coming for the first."""
    from bot.services import badge

    first = asyncio.create_task(badge._drawer.call(time.sleep, 0.5))
    await asyncio.sleep(0.2)  # the first call is in the worker
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    url = "https://t.me/dalat_bot?start=after"
    assert badge.read_codes(await badge.render_elsewhere(url, ["Đại biểu"])) == [url]
    assert await badge._drawer.call(print, "printed by the work") is None  # its output stays out of the answers
    assert await badge._drawer.call(sorted, [2, 1]) == [1, 2]
    await badge.stop_drawing()
