"""Broadcasts through the outbox: who gets one, and the state of every recipient's message.

The recipients are written with the broadcast, in one transaction, so what the organizer confirmed
is what goes out, whatever restarts happen. Each row goes pending → sending → sent (or blocked,
failed, dropped when cancelled). A row is committed as `sending` before its message leaves, so a
crash leaves it `sending`; at the next start such rows are sent again. Telegram has no way to ask
whether a message arrived, so the choice is between "maybe twice" and "maybe never" for the few
rows in flight at the instant of a crash; for a conference, a repeated notice beats a missed one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services.checkin import default_part
from bot.services.phone import display_phone
from bot.text import clean_html
from models import Account, Broadcast, CheckIn, Delegate, DelegatePart, OutboxMessage
from models.account import AccountRole
from models.base import utcnow
from models.delegate import CONFIRMED
from models.outbox import (BLOCKED, CANCELLED, DONE, DROPPED, FAILED, MESSAGE, NOT_REACHED, PENDING, RUNNING,
                           SENDING, SENT)

# audiences: "all", "province:<code>", "category:<code>", "part:<code>", "absent_today", "staff"
ALL, ABSENT_TODAY, STAFF = "all", "absent_today", "staff"
MAX_ATTEMPTS = 5  # a network fault or a 5xx: tried again after a pause, then reported as failed


@dataclass(frozen=True)
class Recipient:
    account_id: int
    names: str  # the delegates this chat stands for, with their phones, for the report
    reachable: bool
    delegates: int = 0


async def recipients(session: AsyncSession, conference: Event, audience: str,
                     admin_ids: frozenset[int] = frozenset()) -> list[Recipient]:
    """One recipient per chat: the delegate's own account, or the colleague who registered them."""
    if audience == STAFF:
        return await _staff(session, admin_ids)
    query = select(Delegate).where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED)
    kind, _, code = audience.partition(":")
    if kind == "province":
        query = query.where(Delegate.province == code)
    elif kind == "category":
        query = query.where(Delegate.category == code)
    elif kind == "part" and conference.part(code) is not None:  # a part the organizers added: everyone
        query = query.where(Delegate.id.in_(select(DelegatePart.delegate_id)
                                            .where(DelegatePart.part_code == code)))
    elif audience == ABSENT_TODAY:
        query = query.where(Delegate.id.not_in(select(CheckIn.delegate_id)
                                               .where(CheckIn.part_code == default_part(conference))))
    elif audience != ALL and kind != "part":
        raise ValueError(f"unknown audience {audience!r}")
    names: dict[int, list[str]] = defaultdict(list)
    for delegate in await session.scalars(query.order_by(Delegate.id)):
        account_id = delegate.account_id or delegate.registered_by_id
        if account_id is not None:
            names[account_id].append(f"{delegate.full_name} ({display_phone(delegate.phone)})")
    reachable = dict((await session.execute(select(Account.id, Account.reachable)
                                            .where(Account.id.in_(names)))).all()) if names else {}
    return [Recipient(a, ", ".join(n), reachable.get(a, False), len(n)) for a, n in names.items()]


async def _staff(session: AsyncSession, admin_ids: frozenset[int]) -> list[Recipient]:
    admins = [str(a) for a in admin_ids]
    rows = await session.scalars(select(Account).where(or_(
        Account.id.in_(select(AccountRole.account_id)),
        (Account.channel == "telegram") & Account.user_id.in_(admins))).order_by(Account.id))
    return [Recipient(a.id, a.display_name, a.reachable) for a in rows.unique()]


async def create(session: AsyncSession, conference: Event, people: list[Recipient], *, audience: str,
                 text_vi: str, text_en: str = "", media_kind: str | None = None, media_file_id: str | None = None,
                 kind: str = MESSAGE, by: Account | None = None, progress_language: str = "vi") -> Broadcast:
    """The broadcast and all its rows, in one transaction. Chats known to have blocked the bot are
    recorded as not reached at once (they are named in the report) and not tried again."""
    broadcast = Broadcast(event_id=conference.id, kind=kind, audience=audience, text_vi=clean_html(text_vi),
                          text_en=clean_html(text_en),
                          media_kind=media_kind, media_file_id=media_file_id, created_by_id=by.id if by else None,
                          progress_chat_id=by.chat_id if by else None, progress_language=progress_language)
    session.add(broadcast)
    await session.flush()
    if people:
        await session.execute(insert(OutboxMessage), [
            {"broadcast_id": broadcast.id, "account_id": p.account_id, "names": p.names,
             "status": PENDING if p.reachable else BLOCKED, "attempts": 0, "error": "", }
            for p in people])
    await session.commit()
    return broadcast


async def resume(session: AsyncSession) -> int:
    """After a crash: rows left `sending` are in doubt and go out again (see the module's docstring)."""
    result = await session.execute(update(OutboxMessage).where(OutboxMessage.status == SENDING)
                                   .values(status=PENDING))
    await session.commit()
    return result.rowcount or 0


async def running(session: AsyncSession, conference: Event) -> list[Broadcast]:
    return list(await session.scalars(select(Broadcast).where(Broadcast.event_id == conference.id,
                                                              Broadcast.status == RUNNING).order_by(Broadcast.id)))


async def claim(session: AsyncSession, broadcast_id: int, limit: int) -> list[OutboxMessage]:
    """Take the next pending rows for sending (committed before anything is sent)."""
    now = utcnow()
    rows = list(await session.scalars(
        select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == PENDING,
                                    or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now))
        .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)))
    for row in rows:
        row.status, row.attempts = SENDING, row.attempts + 1
    await session.commit()
    return rows


async def settle(session: AsyncSession, row_id: int, status: str, error: str = "") -> None:
    values = {"status": status, "error": error[:256]}
    if status == SENT:
        values["sent_at"] = utcnow()
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
    await session.commit()


async def try_later(session: AsyncSession, row: OutboxMessage, error: str) -> str:
    """A fault that was not the recipient's doing: pending again after a pause, or failed after MAX_ATTEMPTS."""
    if row.attempts >= MAX_ATTEMPTS:
        await settle(session, row.id, FAILED, error)
        return FAILED
    pause = timedelta(seconds=5 * 3 ** (row.attempts - 1))
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
        status=PENDING, not_before=utcnow() + pause, error=error[:256]))
    await session.commit()
    return PENDING


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    rows = await session.execute(select(OutboxMessage.status, func.count()).where(
        OutboxMessage.broadcast_id == broadcast_id).group_by(OutboxMessage.status))
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in (PENDING, SENDING, SENT, BLOCKED, FAILED, DROPPED)}


async def next_retry_at(session: AsyncSession, broadcast_id: int) -> datetime | None:
    return await session.scalar(select(func.min(OutboxMessage.not_before)).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == PENDING))


async def not_reached(session: AsyncSession, broadcast_id: int) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status.in_(NOT_REACHED)).order_by(OutboxMessage.id)))


async def finish(session: AsyncSession, broadcast: Broadcast) -> None:
    """Done, unless an organizer stopped it in the meantime (then it stays stopped)."""
    await session.execute(update(Broadcast).where(Broadcast.id == broadcast.id, Broadcast.status == RUNNING)
                          .values(status=DONE, finished_at=utcnow()))
    await session.commit()
    await session.refresh(broadcast)


async def cancel(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    """Stop a running broadcast: what has not gone out yet is dropped (messages in flight finish)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != RUNNING:
        return None
    broadcast.status, broadcast.finished_at = CANCELLED, utcnow()
    await session.execute(update(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id,
                                                      OutboxMessage.status == PENDING).values(status=DROPPED))
    await session.commit()
    return broadcast
