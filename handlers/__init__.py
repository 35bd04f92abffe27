"""aiogram routers, one file per feature. Order matters: commands first, the fallback last.

Each module builds a fresh router (`create_router`), because a router belongs to one dispatcher
and a restart in tests or benchmarks builds a new dispatcher.
"""
from aiogram import Router


def routers() -> list[Router]:
    from handlers import agenda, checkin, fallback, me, registration, staff, start, tickets

    modules = (start, me, tickets, agenda, staff, registration, checkin, fallback)
    return [module.create_router() for module in modules]
