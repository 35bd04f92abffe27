"""The garbage collector, set for a long-running bot.

At start the process holds some 370,000 objects that live as long as it does (aiogram's and pydantic's
classes, SQLAlchemy's mappers, the event, the translations). CPython's collector walks all of them at each
full collection: on this 2-core machine, under load, pauses of 100 ms to more than a second, in which no
update is answered (the 99th percentile of bench/RESULTS.md). Once the bot has started they are frozen
(`gc.freeze`: never walked again, never freed, as they would not be anyway), and the youngest generation is
collected every YOUNG allocations instead of 700, so short-lived objects (an update's, a statement's) are
mostly freed by their reference counts before a collection looks at them. Nothing else changes: cycles are
still collected, a little later.
"""
from __future__ import annotations

import gc
import logging

YOUNG = 10_000  # container allocations (net) between two collections of the youngest generation; CPython: 700
OLDER = (20, 20)  # collections of one generation before the next one's; CPython: (10, 10)

log = logging.getLogger(__name__)


def settle() -> None:
    """After start-up (imports, the event, migrations): freeze what exists and space the collections out."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, *OLDER)
    log.debug("%d objects frozen for the collector", gc.get_freeze_count())
