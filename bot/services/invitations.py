"""One-time, expiring, revocable invitation links that make someone reception staff (or organizer)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
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


async def accept(session: AsyncSession, account: Account, code: str) -> Invitation | str:
    """Use an invitation; returns it, or why not: "unknown", "used", "expired", "revoked"."""
    invitation = await session.scalar(select(Invitation).where(Invitation.code == code).with_for_update())
    if invitation is None:
        return "unknown"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= utcnow():
        return "expired"
    invitation.used_at, invitation.used_by_id = utcnow(), account.id
    await grant(session, account, invitation.role, invitation.created_by_id)
    await session.commit()
    return invitation


async def open_invitations(session: AsyncSession) -> list[Invitation]:
    rows = await session.scalars(select(Invitation).where(
        Invitation.used_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow(),
    ).order_by(Invitation.created_at))
    return list(rows)


async def revoke(session: AsyncSession, invitation_id: int) -> Invitation | None:
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.used_at is not None:
        return None
    invitation.revoked_at = utcnow()
    await session.commit()
    return invitation
