"""aiogram routers, one file per feature. Order matters: commands first, the fallback last."""
from aiogram import Router


def routers() -> list[Router]:
    from handlers import fallback, me, registration, start

    return [start.router, me.router, registration.router, fallback.router]
