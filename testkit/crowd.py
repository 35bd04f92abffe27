"""Many delegates at once, written straight to the database, each with a chat the fake Telegram knows."""
from __future__ import annotations

from bot.event import Event
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from testkit.fakebot import FakeTelegram, FakeUser
from testkit.records import draft

PROVINCES = ("binh_dinh", "lam_dong", "gia_lai", "dak_lak")


async def seat(db, fake: FakeTelegram, conference: Event, count: int, *, first_id: int = 50000,
               english_every: int = 0, reception_only_every: int = 0) -> list[FakeUser]:
    """`count` delegates registered by themselves, spread over four provinces, attending the reception and the
    conference; every `english_every`-th reads the bot in English, every `reception_only_every`-th comes to the
    reception only."""
    users = []
    async with db.session() as session:
        for n in range(count):
            lang = "en" if english_every and n % english_every == 0 else "vi"
            u = fake.user(first_id + n, first_name=f"Đại biểu {n}", language_code=lang, started=True)
            account = await get_or_create_account(session, channel="telegram", user_id=str(u.id), chat_id=str(u.id),
                                                  display_name=u.first_name)
            account.language = lang
            province = PROVINCES[n % len(PROVINCES)]
            category = conference.categories_for(province)[0].code
            parts = ["reception"] if reception_only_every and n % reception_only_every == 0 else None
            await reg.register(session, conference, draft(full_name=f"Đại biểu số {n}", province=province,
                                                          category=category, phone=f"+8490{n:07d}",
                                                          **({"parts": parts} if parts else {})),
                               registrant=account, for_self=True)
            users.append(u)
    return users


async def seat_each(db, fake: FakeTelegram, conference: Event, changes: list[dict], *, first_id: int = 60000,
                    english: tuple[int, ...] = ()) -> tuple[list[FakeUser], list[int]]:
    """One delegate per entry of `changes` (the registration's fields that differ from testkit.records.draft), each
    registered by themselves in a chat the fake Telegram knows; the `english` ones read the bot in English.
    Returns the chats and the record ids."""
    users, ids = [], []
    async with db.session() as session:
        for n, change in enumerate(changes):
            lang = "en" if n in english else "vi"
            u = fake.user(first_id + n, first_name=f"Đại biểu {n}", language_code=lang, started=True)
            account = await get_or_create_account(session, channel="telegram", user_id=str(u.id), chat_id=str(u.id),
                                                  display_name=u.first_name)
            account.language = lang
            delegate = await reg.register(session, conference, draft(**{"full_name": f"Đại biểu số {n}",
                                                                        "phone": f"+8491{n:07d}", **change}),
                                          registrant=account, for_self=True)
            users.append(u)
            ids.append(delegate.id)
    return users, ids
