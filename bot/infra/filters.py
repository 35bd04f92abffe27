"""Filters and handlers that are plain functions run on the event loop, not in a thread each.

aiogram (3.2x and later) runs every callback that is not a coroutine function in a thread of its own
(`asyncio.to_thread`): each `F.text`, each lambda filter, each filter class with a plain `__call__`, every time
an update is matched against a router. Ours are all quick lookups (a field, a set, a word); a thread hop costs
far more than any of them, and every update tries dozens before one matches (bench/RESULTS.md). So, once the
routers are built, each such callback is wrapped in a coroutine that calls it directly.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.handler import CallableObject


def _direct(callback: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(callback)
    async def direct(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs)

    return direct


def _on_the_loop(item: CallableObject) -> int:
    if item.awaitable:
        return 0
    item.callback, item.awaitable = _direct(item.callback), True  # its parameters were read already
    return 1


def _routers(router: Router):
    yield router
    for sub in router.sub_routers:
        yield from _routers(sub)


def run_on_the_loop(dispatcher: Dispatcher) -> int:
    """Every plain-function filter and handler of the dispatcher's routers made a coroutine; how many."""
    count = 0
    for router in _routers(dispatcher):
        for observer in router.observers.values():
            handlers = [*getattr(observer, "handlers", ()), getattr(observer, "_handler", None)]
            for handler in filter(None, handlers):
                count += _on_the_loop(handler)
                count += sum(_on_the_loop(each) for each in handler.filters or ())
    return count
