"""Work done in a process beside the bot's, so that it neither holds the event loop nor stays in the bot's
memory: drawing QR badges (a pool that lives as long as the bot) and reading an imported list (one process
per file, killed when it takes too long).

Every such process ends with the bot, however the bot ends (a SIGKILL, the OOM killer, a crash included):
an orphan would keep its memory for nothing, one more after every restart. On Linux the kernel sends it
SIGKILL when its parent dies (PR_SET_PDEATHSIG); a watchdog thread also compares its parent with the one that
started it, which covers a bot that died before prctl ran, and systems without prctl.

PR_SET_PDEATHSIG fires when the *thread* that started the process ends: start these processes from the event
loop's thread (as `run_in_executor` and `run_once` do), which lives as long as the bot.
"""
from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_EVERY = 0.5  # seconds between two looks at the parent
_spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of the bot's memory or threads


class TooSlow(Exception):
    """The work did not finish within its time limit; its process was killed."""


class WorkerLost(Exception):
    """The process ended without an answer (killed, out of memory, a crash of the interpreter)."""


def die_with_parent(parent: int) -> None:
    """The first thing a worker process does: arrange to end when `parent` (the bot) ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != parent:  # the bot died before prctl took effect: nobody will signal us
        os._exit(0)
    threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:  # an orphan is adopted by init (or a subreaper): its parent changes
        time.sleep(WATCH_EVERY)
    os._exit(0)


def pool(workers: int = 1) -> ProcessPoolExecutor:
    """Long-lived worker processes that end with the bot."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_spawn, initializer=die_with_parent,
                               initargs=(os.getpid(),))


def _serve_once(parent: int, conn, memory: int | None) -> None:
    """In the worker: receive one call, answer (True, result) or (False, the exception), end."""
    die_with_parent(parent)
    if memory:  # past it an allocation fails with MemoryError here, instead of the machine swapping
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    function, args = conn.recv()
    try:
        answer = (True, function(*args))
    except Exception as exc:  # noqa: BLE001 - the caller decides what each failure means
        answer = (False, exc)
    conn.send(answer)


def _exchange(process, conn, call: tuple) -> tuple[bool, Any]:
    """In a thread of the bot: the arguments may be megabytes, more than a pipe holds at once."""
    try:
        conn.send(call)
        return conn.recv()
    finally:
        conn.close()
        process.join(5)  # it ends by itself once it has answered; this reaps it


async def run_once(function: Callable, *args: Any, timeout: float, memory: int | None = None) -> Any:
    """`function(*args)` in a new worker process: its result, or the exception it raised; TooSlow past
    `timeout` seconds (the process is killed), WorkerLost if it died. `memory`: its address space, in bytes."""
    ours, theirs = _spawn.Pipe()
    process = _spawn.Process(target=_serve_once, args=(os.getpid(), theirs, memory), daemon=True,
                             name=f"worker:{getattr(function, '__name__', 'call')}")
    process.start()
    theirs.close()
    try:
        async with asyncio.timeout(timeout):
            done, value = await asyncio.to_thread(_exchange, process, ours, (function, args))
    except TimeoutError:
        raise TooSlow(timeout) from None
    except (EOFError, OSError):
        raise WorkerLost(process.exitcode) from None
    finally:
        process.kill()  # at once, whatever it is doing; the thread then sees the pipe close and ends
    if not done:
        raise value
    return value
