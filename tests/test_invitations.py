"""Staff invitations: one-time, expiring, revocable."""
from datetime import timedelta

from bot.services import invitations
from bot.services.accounts import get_or_create_account, roles_of


async def test_invitation_rules(db):
    async with db.session() as session:
        organizer = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001")
        first = await get_or_create_account(session, channel="telegram", user_id="1", chat_id="1")
        second = await get_or_create_account(session, channel="telegram", user_id="2", chat_id="2")
        invitation = await invitations.create(session, "staff", organizer)
        assert invitations.payload(invitation).startswith("i") and len(invitations.payload(invitation)) <= 64
        assert await invitations.accept(session, first, invitation.code) == invitation
        assert roles_of(first, frozenset()) == {"staff", "delegate"}
        assert await invitations.accept(session, second, invitation.code) == "used"
        assert roles_of(second, frozenset()) == {"delegate"}
        assert await invitations.accept(session, second, "nope") == "unknown"

        expired = await invitations.create(session, "staff", organizer, lifetime=timedelta(seconds=-1))
        assert await invitations.accept(session, second, expired.code) == "expired"
        revoked = await invitations.create(session, "staff", organizer)
        assert [i.id for i in await invitations.open_invitations(session)] == [revoked.id]
        assert (await invitations.revoke(session, revoked.id)).revoked_at is not None
        assert await invitations.accept(session, second, revoked.code) == "revoked"
        assert await invitations.revoke(session, invitation.id) is None  # a used one cannot be revoked
        assert await invitations.open_invitations(session) == []
