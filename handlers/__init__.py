"""aiogram routers, one file per feature. Order matters: commands first, the fallback last. Each is a
`Feature` (bot/infra/routing.py): an update tries, in this order, only the handlers that can take it.

Each module builds a fresh router (`create_router`), because a router belongs to one dispatcher
and a restart in tests or benchmarks builds a new dispatcher.
"""
from aiogram import F, Router


def routers() -> list[Router]:
    from handlers import (agenda, agenda_changes, broadcast, checkin, claims, fallback, lists, me, papers,
                          province_reports, questions, registration, roles, rooms, start, tickets, transport,
                          web_login)

    modules = (start, me, tickets, agenda, agenda_changes, transport, roles, web_login, broadcast, lists, rooms,
               papers, province_reports, claims, registration, checkin, questions, fallback)
    built = [module.create_router() for module in modules]
    for router in built[:-1]:
        # buttons work in the private chat they were sent to; one pressed elsewhere (a menu forwarded to a
        # group, an inline message) has no account behind it and is the fallback's to answer
        router.callback_query.filter(F.message.chat.type == "private")
    return built
