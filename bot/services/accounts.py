"""Chat accounts and their roles."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.text import clean
from models import Account
from models.account import ORGANIZER, STAFF, AccountRole
from models.db import PoolReads, as_loaded, insert_record, record_of
from models.sqlite import Compiled, Direct

DELEGATE = "delegate"
# built once: every update looks its sender up, and building the expression costs more than running it
_BY_CHANNEL_USER = select(Account).where(Account.channel == bindparam("channel"), Account.user_id == bindparam("user_id"))


async def get_or_create_account(
    session: AsyncSession, *, channel: str, user_id: str, chat_id: str, display_name: str = "",
    username: str | None = None, direct: Direct | PoolReads | None = None,
) -> Account:
    """The account for a chat user, created on first contact; chat and names kept current. `direct`: where it is
    read outside the session (read_account)."""
    key = {"channel": channel, "user_id": user_id}
    display_name = clean(display_name)[:256]  # shown to staff and organizers ("checked in by …"), in the lists
    account = await read_account(session, direct, key) if direct is not None else \
        await session.scalar(_BY_CHANNEL_USER, key)
    if account is None:
        account = Account(channel=channel, user_id=user_id, chat_id=chat_id, display_name=display_name,
                          username=username)
        try:
            await insert_record(session, account)  # a plain INSERT: every delegate's first update makes one
            await session.commit()
        except IntegrityError:  # the same user's second update raced us to it
            await session.rollback()
            return await session.scalar(_BY_CHANNEL_USER, key)
        as_loaded(session, account, roles=[])
        return account
    changed = (account.chat_id, account.display_name, account.username, account.reachable) != (
        chat_id, display_name, username, True)
    if changed:
        account.chat_id, account.display_name, account.username = chat_id, display_name, username
        account.reachable = True  # they wrote to us, so they have not blocked the bot
        await session.commit()
    return account


def _reader(column, dialect):
    """What SQLAlchemy does to the column's value as the database gives it (None: nothing)."""
    return column.type.dialect_impl(dialect).result_processor(dialect, None)


class _Rows:
    """The account's row joined with its roles' (one row per role, or one with no role), and the columns' own
    conversions of what sqlite3 gives (made once; SQLAlchemy gives the values converted)."""

    def __init__(self, dialect) -> None:
        accounts, roles = Account.__table__, AccountRole.__table__
        self.statement = (select(*accounts.c, *roles.c)
                          .select_from(accounts.outerjoin(roles, roles.c.account_id == accounts.c.id))
                          .where(accounts.c.channel == bindparam("channel"), accounts.c.user_id == bindparam("user_id"))
                          .order_by(roles.c.role))
        self.account = Compiled(self.statement, dialect) if dialect.name == "sqlite" else None
        self.account_keys, self.role_keys = [c.key for c in accounts.c], [c.key for c in roles.c]
        self.converters = [_reader(c, dialect) for c in (*accounts.c, *roles.c)]

    async def read(self, direct: Direct | PoolReads, key: dict[str, str]) -> list:
        """The rows, their values as SQLAlchemy gives them."""
        if isinstance(direct, PoolReads):
            return await direct.all(self.statement, key)
        found = await direct.run(self.account.sql, self.account.parameters(key), all=True)
        return [[convert(value) if convert and value is not None else value
                 for convert, value in zip(self.converters, row)] for row in found]


_ROWS: dict[str, _Rows] = {}


async def read_account(session: AsyncSession, direct: Direct | PoolReads, key: dict[str, str]) -> Account | None:
    """The account (with its roles) read outside the session, and put in `session` as if the session had loaded
    it: handlers change it and commit as usual, and an update whose handler reads nothing else never takes a
    connection from the handlers' pool (SQLAlchemy's per-statement work was most of an update's cost in the
    database, and on PostgreSQL a session's connection costs three round trips more: a ping, BEGIN, ROLLBACK;
    bench/RESULTS.md). `direct`: a SQLite file straight through sqlite3, or the conversations' pool on PostgreSQL
    (bot/infra/storage.py quick_reads: one statement, no transaction)."""
    dialect = session.bind.dialect
    rows = _ROWS.get(dialect.name) or _ROWS.setdefault(dialect.name, _Rows(dialect))
    found = await rows.read(direct, key)
    if not found:
        return None
    width = len(rows.account_keys)
    account = record_of(Account, dict(zip(rows.account_keys, found[0])))
    roles = [record_of(AccountRole, dict(zip(rows.role_keys, row[width:]))) for row in found if row[width] is not None]
    as_loaded(session, account, roles=roles)  # as if read by the session: nothing to write back
    return account


async def mark_unreachable(session: AsyncSession, account_id: int) -> None:
    """The person blocked the bot (Telegram answered 403): broadcasts count them as not reached and their
    names go to the organizers, until they write again (get_or_create_account). Committed by the caller,
    together with the outcome of the send that found it out."""
    await session.execute(update(Account).where(Account.id == account_id).values(reachable=False))


def roles_of(account: Account, admin_ids: frozenset[int]) -> set[str]:
    """Organizers from ADMIN_IDS (Telegram ids) and those appointed; organizers can do what staff can."""
    roles = {r.role for r in account.roles}
    if from_configuration(account, admin_ids):
        roles.add(ORGANIZER)
    if ORGANIZER in roles:
        roles.add(STAFF)
    return roles | {DELEGATE}


async def set_language(session: AsyncSession, account: Account, language: str) -> None:
    account.language = language
    await session.commit()


async def with_roles(session: AsyncSession, admin_ids: frozenset[int]) -> list[Account]:
    """Accounts that hold a role, appointed (on any channel: Zalo staff too) or from ADMIN_IDS (Telegram ids),
    oldest first."""
    admins = [str(admin) for admin in admin_ids]
    return list((await session.scalars(select(Account).where(
        or_(Account.roles.any(), and_(Account.channel == "telegram", Account.user_id.in_(admins))))
        .order_by(Account.id))).unique())


def from_configuration(account: Account, admin_ids: frozenset[int]) -> bool:
    """An organizer by ADMIN_IDS: only the configuration can take that away."""
    return account.channel == "telegram" and account.user_id.isdigit() and int(account.user_id) in admin_ids


async def remove_role(session: AsyncSession, account: Account, role: str) -> bool:
    """Take an appointed role away (organizers lose reception rights with it, unless appointed to both). False if
    it was not held: the delete is conditional, so two presses at once (a double tap, two organizers) remove it
    once and the other is told it had been removed."""
    removed = await session.execute(delete(AccountRole).where(AccountRole.account_id == account.id,
                                                              AccountRole.role == role))
    await session.commit()
    await session.refresh(account, ["roles"])
    return bool(removed.rowcount)


class Holder(NamedTuple):
    chat_id: int
    roles: set[str]
    language: str | None
    channel: str  # "telegram" or "zalo": whose bot reaches the chat, and whether it has a command menu


async def role_holders(session: AsyncSession, admin_ids: frozenset[int]) -> list[Holder]:
    """Everyone with a role, on every channel; ADMIN_IDS included even before first contact."""
    holders, seen = [], set()
    for account in await with_roles(session, admin_ids):
        roles = roles_of(account, admin_ids)
        if roles - {DELEGATE}:
            holders.append(Holder(int(account.chat_id), roles, account.language, account.channel))
            if account.channel == "telegram":
                seen.add(int(account.user_id))
    holders += [Holder(admin, {ORGANIZER, STAFF, DELEGATE}, None, "telegram") for admin in sorted(admin_ids - seen)]
    return holders
