"""Work done in a process beside the bot's, so that it neither holds the event loop nor stays in the bot's
memory: drawing check-in pictures (a Helper that lives as long as the bot) and reading an imported list (one
process per file, killed when it takes too long).

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
import pickle
import resource
import signal
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable

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


ROOT = Path(__file__).resolve().parents[2]  # where `bot` is imported from, whatever the bot's working directory


class Helper:
    """A worker process that lives as long as the bot, spoken to through its standard input and output from the
    event loop itself: a call is the function and its arguments pickled down the pipe, its result (or its
    exception) pickled back. No thread of the bot carries them: through a process pool's two threads a check-in
    picture cost the bot 0.6 ms of CPU, through the pipe 0.2 (bench/RESULTS.md). One call at a time, in the order
    they come. A process that died (killed, out of memory) is started again at the next call; one started under
    another event loop (a test's) too. It ends with the bot (die_with_parent) or when its pipe closes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.process: asyncio.subprocess.Process | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._turn: asyncio.Lock | None = None

    async def call(self, function: Callable, *args: Any) -> Any:
        """`function(*args)` in the process: its result, or the exception it raised; WorkerLost if it died."""
        if self._loop is not asyncio.get_running_loop():
            self._forget()  # started under an event loop that has ended (a test's): nothing of it is usable
            self._loop, self._turn = asyncio.get_running_loop(), asyncio.Lock()
        async with self._turn:
            process = self.process if self.process is not None and self.process.returncode is None \
                else await self._start()
            try:
                _write(process.stdin, (function, args))
                await process.stdin.drain()
                done, value = pickle.loads(await process.stdout.readexactly(
                    struct.unpack("!I", await process.stdout.readexactly(4))[0]))
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                self._forget()
                raise WorkerLost(process.returncode) from exc
            except BaseException:  # cancelled mid-call: its answer, still coming, must not be read as the next's
                self._forget()
                raise
        if not done:
            raise value
        return value

    async def _start(self) -> asyncio.subprocess.Process:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__, str(os.getpid()), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        log.debug("%s process %d started", self.name, self.process.pid)
        return self.process

    def _forget(self) -> None:
        """Kill the process (by its id: its pipes may belong to an event loop that has ended) and start another at
        the next call; the event loop that started it, if running, collects it."""
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:  # it ended meanwhile
                pass

    async def stop(self) -> None:
        """End the process, and wait until it has ended (as the bot stops)."""
        process = self.process
        self._forget()
        if process is not None and self._loop is asyncio.get_running_loop():
            await process.wait()


def _write(pipe, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(struct.pack("!I", len(data)) + data)


def _read(pipe: BinaryIO) -> Any:
    head = pipe.read(4)
    if len(head) < 4:
        raise EOFError
    return pickle.loads(pipe.read(struct.unpack("!I", head)[0]))


def serve(parent: int) -> None:
    """In a Helper's process: answer each call, (True, its result) or (False, its exception), until the pipe
    closes."""
    die_with_parent(parent)
    calls, answers = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the work prints (Python or a library's C code) goes to the log, not into the answers
    while True:
        try:
            function, args = _read(calls)
        except EOFError:
            return
        try:
            answer = (True, function(*args))
        except Exception as exc:  # noqa: BLE001 - the caller decides what each failure means
            answer = (False, exc)
        try:
            _write(answers, answer)
        except Exception as exc:  # noqa: BLE001 - an answer pickle cannot write: said as an error instead
            _write(answers, (False, RuntimeError(f"{function!r} gave an answer that cannot be sent back: {exc}")))
        answers.flush()


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


if __name__ == "__main__":  # a Helper's process: python -m bot.infra.worker_process <the bot's pid>
    serve(int(sys.argv[1]))
