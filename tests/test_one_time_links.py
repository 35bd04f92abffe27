"""One-time links are used once, on every database (SQLite ignores FOR UPDATE): when several people use the
same invitation, take-over link or code, web login link or nominee link at the same moment, exactly one of
them gets what the link gives; the others get the answer a used link gets. Raced twice: in the services,
each person in a database session of their own, and through the real bot, handling the updates at once."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.services import invitations, nominees, registration as reg
from bot.services.accounts import get_or_create_account
from bot.services import sign_in
from models import Account, AccountRole, Delegate, Invitation, Nominee, WebLogin, WebSession
from models.account import ORGANIZER, STAFF
from testkit.feeding import DirectBot
from testkit.records import draft

PEOPLE = 6


async def at_once(db, use) -> list:
    """`use(session, account)` for every person at the same time, each with a database session of their own."""
    async with db.session() as session:
        ids = [(await get_or_create_account(session, channel="telegram", user_id=str(5000 + n),
                                            chat_id=str(5000 + n))).id for n in range(PEOPLE)]

    async def one(account_id: int):
        async with db.session() as session:  # closed when done, as the bot closes an update's session
            return await use(session, await session.get(Account, account_id))

    results = await asyncio.gather(*(one(i) for i in ids), return_exceptions=True)
    for result in results:  # raised once every session is closed, not while some still hold the database
        if isinstance(result, BaseException):
            raise result
    return list(zip(ids, results))


def winners(results: list, lost) -> list[int]:
    """The accounts that got what the link gives; every other result must be `lost`."""
    assert sorted(repr(r) for _, r in results if isinstance(r, str | None)) == [repr(lost)] * sum(
        isinstance(r, str | None) for _, r in results), results
    return [account_id for account_id, result in results if not isinstance(result, str | None)]


# -- the services, each person in a session of their own ------------------------------------------------

async def test_an_invitation_makes_one_organizer(db):
    async with db.session() as session:
        organizer = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001")
        invitation = await invitations.create(session, ORGANIZER, organizer)

    results = await at_once(db, lambda session, account: invitations.accept(session, account, invitation.code))
    [winner] = winners(results, "used")
    async with db.session() as session:
        appointed = await session.scalars(select(AccountRole.account_id).where(AccountRole.role == ORGANIZER))
        assert list(appointed) == [winner]
        assert (await session.get(Invitation, invitation.id)).used_by_id == winner


async def test_an_invitation_revoked_while_it_is_accepted_is_one_or_the_other(db):
    async with db.session() as session:
        organizer = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001")
        newcomer = await get_or_create_account(session, channel="telegram", user_id="5001", chat_id="5001")
    for attempt in range(PEOPLE):  # which comes first varies: each time, one of the two and never both
        async with db.session() as session:
            invitation = await invitations.create(session, STAFF, organizer)
        async with db.session() as accepting, db.session() as revoking:
            accepted, revoked = await asyncio.gather(
                invitations.accept(accepting, await accepting.get(Account, newcomer.id), invitation.code),
                invitations.revoke(revoking, invitation.id))
        assert isinstance(accepted, Invitation) != (revoked is not None), (attempt, accepted, revoked)
        async with db.session() as session:
            stored = await session.get(Invitation, invitation.id)
            assert (stored.used_at is None) != (stored.revoked_at is None)
            assert (stored.used_by_id == newcomer.id) == isinstance(accepted, Invitation)


async def test_a_login_link_opens_one_browser_session(db):
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="2101", chat_id="2101")
        await invitations.grant(session, staff, STAFF, None)
        token = await sign_in.create_login(session, staff, STAFF)

    results = await at_once(db, lambda session, _account: sign_in.open_login(session, token, frozenset()))
    assert len(winners(results, "used")) == 1
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(WebSession)) == 1
        assert (await session.scalar(select(WebLogin))).used_at is not None


@pytest.mark.parametrize("way", ["link", "code"])
async def test_a_record_is_taken_over_by_one_person(db, conference, way):
    async with db.session() as session:
        registrant = await get_or_create_account(session, channel="telegram", user_id="1001", chat_id="1001")
        record = await reg.register(session, conference, draft(), registrant=registrant, for_self=False)
        payload, code = reg.claim_payload("s3cret", record), record.claim_code

    async def take_over(session, account):
        if way == "link":
            return await reg.claim(session, conference, "s3cret", account, payload)
        return await reg.claim_by_code(session, conference, account, code)

    results = await at_once(db, take_over)
    [winner] = winners(results, "invalid")  # a used link and a forged one get the same answer
    async with db.session() as session:
        stored = await session.get(Delegate, record.id)
        assert stored.account_id == winner and stored.claim_code is None


async def test_a_nominee_registers_once_from_their_link(db, conference):
    async with db.session() as session:
        listed = await nominees.import_rows(session, conference, [NOMINEE], None, "khanh_hoa.xlsx", only_valid=False)
        [nominee] = listed.created

    filled_in = replace(nominees.draft_from(nominee), **DETAILS)

    async def confirm(session, account):
        return await nominees.register(session, conference, nominee.code, filled_in, registrant=account)

    results = await at_once(db, confirm)
    [winner] = winners(results, None)
    async with db.session() as session:
        [stored] = await session.scalars(select(Delegate))
        assert stored.account_id == winner and (await session.get(Nominee, nominee.id)).delegate_id == stored.id


# -- the real bot, handling the updates at the same time ------------------------------------------------

NOMINEE = {"row": 2, "full_name": "Đỗ Văn Phúc", "position": "Giám đốc", "organization": "Sở Nội vụ tỉnh Khánh Hòa",
           "province": "Khánh Hòa", "category": "home_affairs_leader", "phone": "0987654321"}
DETAILS = dict(parts=["conference"], arrival_date="2023-07-27", arrival_time="16:00", travel_mode="road",
               needs_lodging=True, note="")


@pytest.fixture
async def direct(fake, settings, db, clean_redis):
    bot = await DirectBot.start(fake, settings, clean_redis)
    try:
        yield bot
    finally:
        await bot.close()


async def handled_at_once(direct: DirectBot) -> None:
    """Every update pushed so far, handled at the same time (as by several tasks or bot processes)."""
    batch = await direct.fake.updates.get(direct.offset, 100, 0, None)
    direct.offset = batch[-1]["update_id"] + 1
    await asyncio.gather(*(direct.feed(raw) for raw in batch))


async def everyone_sends(direct: DirectBot, fake, texts: list[str]) -> dict[int, str]:
    """Each text from a person of their own, all at once; what each was answered."""
    people = [fake.user(6000 + n, first_name=f"Người {n}", language_code="vi", started=True)
              for n in range(len(texts))]
    for person, text in zip(people, texts):
        await person.send(text)
    await handled_at_once(direct)
    return {person.id: "\n".join(m.text for m in await direct.drain(person)) for person in people}


def one_won(answers: dict[int, str], won: str, lost: str) -> int:
    """The one person answered `won`; everyone else was answered `lost`."""
    assert all((won in text) != (lost in text) for text in answers.values()), answers
    [winner] = [person for person, text in answers.items() if won in text]
    return winner


async def test_an_invitation_link_opened_by_several_people_at_once(direct, fake):
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)
    link = next(m.text for m in await direct.say(organizer, "/invite_staff") if "?start=" in m.text)
    payload = link.split("?start=")[1].split()[0]
    answers = await everyone_sends(direct, fake, [f"/start {payload}"] * PEOPLE)
    winner = one_won(answers, "cán bộ đón tiếp", "Lời mời này đã được sử dụng")
    async with direct.db.session() as session:
        staff = await session.scalars(select(Account.user_id).join(AccountRole, AccountRole.account_id == Account.id)
                                      .where(AccountRole.role == STAFF))
        assert list(staff) == [str(winner)]


@pytest.mark.parametrize("way", ["link", "code"])
async def test_a_take_over_opened_by_several_people_at_once(direct, fake, conference, settings, way):
    async with direct.db.session() as session:
        registrant = await get_or_create_account(session, channel="telegram", user_id="1001", chat_id="1001")
        record = await reg.register(session, conference, draft(), registrant=registrant, for_self=False)
    text = f"/start {reg.claim_payload(settings.secret_key, record)}" if way == "link" else f"DK {record.claim_code}"
    answers = await everyone_sends(direct, fake, [text] * PEOPLE)
    winner = one_won(answers, "đã được liên kết với tài khoản", "không hợp lệ hoặc đã được sử dụng")
    async with direct.db.session() as session:
        owner = await session.get(Account, (await session.get(Delegate, record.id)).account_id)
        assert owner.user_id == str(winner)


async def test_a_nominee_link_confirmed_by_several_people_at_once(direct, fake, conference):
    async with direct.db.session() as session:
        listed = await nominees.import_rows(session, conference, [NOMINEE], None, "khanh_hoa.xlsx", only_valid=False)
    payload = nominees.payload(listed.created[0])
    people = [fake.user(6100 + n, first_name=f"Người {n}", language_code="vi", started=True) for n in range(3)]
    for person in people:  # each fills the pre-filled registration in, up to its last button
        await direct.say(person, f"/start {payload}")
        for button in (lambda b: b["text"].startswith("⬜ Thứ Sáu 28/7"), "✅ Xong", "Thứ Năm 27/7"):
            await tap(direct, person, button)
        await direct.say(person, "16h")
        for button in ("Đường bộ (ô tô)", "Có, đề nghị bố trí"):  # the note is offered on the review
            await tap(direct, person, button)
        await direct.say(person, "28/7 14:00")  # the departure, then the room
        await tap(direct, person, "Phòng đơn")
    for person in people:
        await person.press("✅ Xác nhận")
    await handled_at_once(direct)
    answers = {person.id: "\n".join(m.text for m in await direct.drain(person)) for person in people}
    winner = one_won(answers, "Đã đăng ký", "Link cá nhân này đã được dùng để đăng ký")
    async with direct.db.session() as session:
        [stored] = await session.scalars(select(Delegate))
        owner = await session.get(Account, stored.account_id)
        assert owner.user_id == str(winner) and stored.full_name == NOMINEE["full_name"]
        assert (await session.scalar(select(Nominee))).delegate_id == stored.id
    for person in people:  # and nobody is left in the middle of the registration
        assert (await direct.fsm(person.id))[0] is None


async def tap(direct: DirectBot, person, button) -> None:
    await person.press(button)
    await direct.pump()
