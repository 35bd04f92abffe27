"""aiogram routers, one file per feature. Order matters: commands first, the fallback last.

Each module builds a fresh router (`create_router`), because a router belongs to one dispatcher
and a restart in tests or benchmarks builds a new dispatcher.
"""
from aiogram import Router


def routers() -> list[Router]:
    from handlers import checkin, fallback, me, registration, staff, start, tickets

    return [module.create_router() for module in (start, me, tickets, staff, registration, checkin, fallback)]
