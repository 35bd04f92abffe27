"""Who the practice chat lets one play: two delegates, a reception staff member and the practice
organizer (an organizer by ADMIN_IDS in practice mode); the staff member's role is given at start."""
from __future__ import annotations

from bot.practice.store import Person, Store
from models import AccountRole, Database
from models.account import STAFF

ORGANIZER = 9000001
STAFF_MEMBER = 9000002
DELEGATE = 9000011
OTHER_DELEGATE = 9000012


def people() -> list[Person]:
    return [
        Person(DELEGATE, "Phạm Minh Đức", "delegate", "+84912000011"),
        Person(OTHER_DELEGATE, "Võ Thị Hồng", "delegate", "+84912000012"),
        Person(STAFF_MEMBER, "Lê Văn Tâm", "staff", "+84912000002"),
        Person(ORGANIZER, "Nguyễn Thị Hoa", "organizer", "+84912000001"),
    ]


def seat(store: Store) -> Store:
    for person in people():
        store.add(person)
    return store


async def appoint_staff(db: Database) -> None:
    """The practice staff member holds the staff role (reception), as if the organizer had invited them."""
    from bot.services.accounts import get_or_create_account

    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id=str(STAFF_MEMBER),
                                              chat_id=str(STAFF_MEMBER), display_name="Lê Văn Tâm")
        if STAFF not in {role.role for role in account.roles}:
            account.roles.append(AccountRole(account_id=account.id, role=STAFF))
            await session.commit()
