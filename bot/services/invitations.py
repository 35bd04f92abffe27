"""One-time, expiring, revocable invitation links that make someone reception staff (or organizer)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Account, AccountRole, Invitation
from models.base import utcnow

PREFIX = "i"
LIFETIME = timedelta(hours=48)


async def create(session: AsyncSession, role: str, by: Account, lifetime: timedelta = LIFETIME) -> Invitation:
    invitation = Invitation(code=secrets.token_urlsafe(18), role=role, created_by_id=by.id,
                            expires_at=utcnow() + lifetime)
    session.add(invitation)
    await session.commit()
    return invitation


def payload(invitation: Invitation) -> str:
    return PREFIX + invitation.code


async def grant(session: AsyncSession, account: Account, role: str, by_id: int | None) -> None:
    if role not in {r.role for r in account.roles}:
        account.roles.append(AccountRole(account_id=account.id, role=role, granted_by_id=by_id))


def _unusable(invitation: Invitation) -> str | None:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= utcnow():
        return "expired"
    return None


async def accept(session: AsyncSession, account: Account, code: str) -> Invitation | str:
    """Use an invitation; returns it, or why not: "unknown", "used", "expired", "revoked".

    Using it up is one conditional UPDATE that only one caller can win, on SQLite (no row locks) as on
    PostgreSQL: of people opening the same link at once, one gets the role; the others are told why not."""
    invitation = await session.scalar(select(Invitation).where(Invitation.code == code))
    if invitation is None:
        return "unknown"
    if why := _unusable(invitation):
        return why
    now = utcnow()
    taken = await session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    ).values(used_at=now, used_by_id=account.id).execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # used or revoked a moment ago: nothing was written, and a commit keeps `account` loaded
        await session.commit()
        await session.refresh(invitation)
        return _unusable(invitation) or "used"
    await grant(session, account, invitation.role, invitation.created_by_id)
    await session.commit()
    await session.refresh(invitation)
    return invitation


async def open_invitations(session: AsyncSession) -> list[Invitation]:
    rows = await session.scalars(select(Invitation).where(
        Invitation.used_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow(),
    ).order_by(Invitation.created_at))
    return list(rows)


async def revoke(session: AsyncSession, invitation_id: int) -> Invitation | None:
    """Stop an unused invitation's link; None if there is none or it was used (even a moment ago)."""
    revoked = await session.execute(update(Invitation).where(
        Invitation.id == invitation_id, Invitation.used_at.is_(None),
    ).values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    await session.commit()
    if revoked.rowcount != 1:
        return None
    return await session.get(Invitation, invitation_id, populate_existing=True)
