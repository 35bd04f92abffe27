"""Actions that change something are done once, even when two presses reach the database at the same time
(two processes, or the same update handled again): the write itself is idempotent, a key or a conditional
delete, whatever the per-chat order did before it."""
import asyncio

from sqlalchemy import func, select

from bot.services import checkin, confirmations
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account, remove_role
from models import Account, AccountRole, CheckIn, CheckInLog, Confirmation, Delegate
from models.account import STAFF
from testkit.records import draft


async def account(db, user_id: str) -> int:
    async with db.session() as session:
        return (await get_or_create_account(session, channel="telegram", user_id=user_id, chat_id=user_id,
                                            display_name=f"Người {user_id}")).id


async def test_a_confirmation_key_is_taken_once(db):
    key = confirmations.new_key()

    async def press() -> bool:
        async with db.session() as session:
            taken = await confirmations.take(session, key, confirmations.BROADCAST)
            await asyncio.sleep(0.05)  # what it confirms is written meanwhile
            await session.commit()
            return taken

    assert sorted(await asyncio.gather(press(), press(), press())) == [False, False, True]
    assert not await press()
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Confirmation)) == 1


async def test_a_key_taken_by_a_write_that_failed_is_free_again(db):
    key = confirmations.new_key()
    async with db.session() as session:
        assert await confirmations.take(session, key, confirmations.IMPORT)
        await session.rollback()  # the import failed: nothing confirmed
    async with db.session() as session:
        assert await confirmations.take(session, key, confirmations.IMPORT)


async def test_three_confirmations_of_one_review_at_once_store_one_registration(db, conference):
    registrant_id, key = await account(db, "700"), confirmations.new_key()

    async def confirm() -> Delegate | None:
        async with db.session() as session:
            registrant = await session.get(Account, registrant_id)
            return await reg.register(session, conference, draft(), registrant=registrant, for_self=True,
                                      confirmation=key)

    stored = [d for d in await asyncio.gather(confirm(), confirm(), confirm()) if d is not None]
    assert len(stored) == 1
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Delegate)) == 1


async def test_an_undo_pressed_twice_at_once_takes_the_check_in_back_once(db, conference):
    staff_id = await account(db, "701")
    async with db.session() as session:
        staff = await session.get(Account, staff_id)
        delegate = await reg.register(session, conference, draft(), registrant=staff, for_self=False)
        done = await checkin.check_in(session, delegate, "conference", staff, "search")

    both_shown = asyncio.Barrier(2)

    async def undo():
        async with db.session() as session:
            staff = await session.get(Account, staff_id)
            await session.get(CheckIn, done.checkin.id)  # both presses found it standing
            await both_shown.wait()
            return await checkin.undo(session, done.checkin.id, staff)

    results = await asyncio.gather(undo(), undo())
    assert sum(r is not None for r in results) == 1
    async with db.session() as session:
        undos = await session.scalar(select(func.count()).select_from(CheckInLog).where(CheckInLog.action == "undo"))
        assert undos == 1


async def test_a_role_removed_twice_at_once_is_removed_once(db):
    holder_id, organizer_id = await account(db, "702"), await account(db, "703")
    async with db.session() as session:
        session.add(AccountRole(account_id=holder_id, role=STAFF, granted_by_id=organizer_id))
        await session.commit()

    both_shown = asyncio.Barrier(2)

    async def remove(together: bool = True) -> bool:
        async with db.session() as session:
            holder = await session.get(Account, holder_id)  # both presses found the role held
            if together:
                await both_shown.wait()
            return await remove_role(session, holder, STAFF)

    assert sorted(await asyncio.gather(remove(), remove())) == [False, True]
    assert not await remove(together=False)
    async with db.session() as session:
        assert (await session.get(Account, holder_id)).roles == []
