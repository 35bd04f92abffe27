"""Who may use a handler."""
from aiogram.filters import Filter
from aiogram.types import TelegramObject


class HasRole(Filter):
    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, roles: set[str] | None = None) -> bool:
        return self.role in (roles or set())
