"""Registration rules without any chat framework, on the configured database."""
from datetime import date, time

from bot.services import registration as reg
from bot.services.accounts import get_or_create_account, roles_of
from models import Delegate
from models.db import PLAN_CHANGED
from testkit.records import draft


async def account(session, user_id="1001"):
    return await get_or_create_account(session, channel="telegram", user_id=user_id, chat_id=user_id,
                                       display_name="Lan")


async def test_register_self_and_others(db, conference):
    async with db.session() as session:
        me = await account(session)
        own = await reg.register(session, conference, draft(), registrant=me, for_self=True)
        other = await reg.register(session, conference, draft(full_name="Trần Thị B", phone="+84912345678"),
                                   registrant=me, for_self=False)
    async with db.session() as session:
        me = await account(session)
        listed = await reg.delegates_of(session, conference, me)
        assert [d.full_name for d in listed] == ["Lê <Văn> & Co", "Trần Thị B"]
        stored = listed[0]
        assert stored.id == own.id and stored.account_id == me.id and stored.claim_code is None
        assert stored.part_codes == ["conference", "reception"]
        assert stored.arrival_date == date(2023, 7, 26) and stored.arrival_time == time(10, 30)
        assert stored.needs_lodging and stored.note == "ăn chay" and stored.ticket_version == 1
        assert listed[1].account_id is None and listed[1].claim_code and listed[1].id == other.id
        assert (await reg.own_delegate(session, conference, me)).id == own.id


async def test_update_bumps_ticket_only_for_badge_fields(db, conference):
    async with db.session() as session:
        me = await account(session)
        delegate = await reg.register(session, conference, draft(), registrant=me, for_self=True)
        assert await reg.update(session, conference, delegate, draft(position="Phó Chánh Văn phòng")) == {"position"}
        assert delegate.ticket_version == 1
        changed = await reg.update(session, conference, delegate, draft(position="Phó Chánh Văn phòng",
                                                                        full_name="Lê Văn C"))
        assert changed == {"full_name"} and delegate.ticket_version == 2
        assert await reg.update(session, conference, delegate, draft(position="Phó Chánh Văn phòng",
                                                                     full_name="Lê Văn C", parts=["exchange"])) == {"sessions"}
        assert delegate.part_codes == ["exchange"]


async def test_invalid_drafts_refused(db, conference):
    async with db.session() as session:
        me = await account(session)
        assert "category" in reg.check_draft(conference, draft(category="party_standing"))  # host guests: Lâm Đồng only
        assert reg.check_draft(conference, draft(province="lam_dong", category="party_standing")) == []
        assert "press" not in [c.code for c in conference.categories_for("gia_lai")]
        assert reg.check_draft(conference, draft(province="central", category="press")) == []
        assert "sessions" in reg.check_draft(conference, draft(parts=[]))
        try:
            await reg.register(session, conference, draft(phone=None), registrant=me, for_self=True)
        except ValueError as exc:
            assert "phone" in str(exc)
        else:
            raise AssertionError("an incomplete draft was stored")


async def test_claim_is_single_use_and_signed(db, conference):
    async with db.session() as session:
        registrant = await account(session, "1001")
        leader = await account(session, "2002")
        stranger = await account(session, "3003")
        delegate = await reg.register(session, conference, draft(), registrant=registrant, for_self=False)
        payload = reg.claim_payload("s3cret", delegate)
        assert len(payload) <= 64
        assert await reg.claim(session, conference, "other-secret", leader, payload) == "invalid"
        forged = payload[:-1] + ("1" if payload[-1] == "0" else "0")
        assert await reg.claim(session, conference, "s3cret", leader, forged) == "invalid"
        assert await reg.claim(session, conference, "s3cret", leader, "cxyz") == "invalid"
        claimed = await reg.claim(session, conference, "s3cret", leader, payload)
        assert claimed.account_id == leader.id and claimed.claim_code is None
        assert await reg.claim(session, conference, "s3cret", stranger, payload) == "invalid"  # used
        # both the person and the registrant may see and change the record; nobody else
        assert await reg.find_for(session, conference, leader, delegate.id) is not None
        assert await reg.find_for(session, conference, registrant, delegate.id) is not None
        assert await reg.find_for(session, conference, stranger, delegate.id) is None


async def test_cancel(db, conference):
    async with db.session() as session:
        me = await account(session)
        delegate = await reg.register(session, conference, draft(), registrant=me, for_self=True)
        await reg.cancel(session, delegate)
        assert not delegate.active and delegate.cancelled_at is not None
        assert await reg.own_delegate(session, conference, me) is None


async def test_roles_from_admin_ids(db):
    async with db.session() as session:
        organizer = await account(session, "9001")
        delegate = await account(session, "1001")
        assert roles_of(organizer, frozenset({9001})) == {"organizer", "staff", "delegate"}
        assert roles_of(delegate, frozenset({9001})) == {"delegate"}


async def test_same_phone(db, conference):
    async with db.session() as session:
        me = await account(session)
        first = await reg.register(session, conference, draft(), registrant=me, for_self=True)
        assert [d.id for d in await reg.same_phone(session, conference, "+84905123456")] == [first.id]
        assert await reg.same_phone(session, conference, "+84905123456", exclude_id=first.id) == []
        await reg.cancel(session, first)
        assert await reg.same_phone(session, conference, "+84905123456") == []


def test_a_draft_stored_before_parts_were_named_keeps_its_parts():
    """A registration under way when the bot was updated: its draft, in the conversation state, says
    `sessions`; the choices are kept."""
    stored = dict(draft().dump())
    stored["sessions"] = stored.pop("parts")
    assert reg.Draft.load(stored) == draft()
    assert reg.Draft.load(draft().dump()) == draft()


def test_a_draft_is_kept_as_asdict_would_keep_it_and_read_back_the_same():
    from dataclasses import asdict, fields

    every = reg.Draft(**{f.name: ["d27", "d28"] if f.type.startswith("list") else f"{f.name} <b>&</b> Đ"
                         for f in fields(reg.Draft)})
    kept = every.dump()
    assert kept == asdict(every)
    assert all(kept[f.name] is not getattr(every, f.name) for f in fields(reg.Draft) if f.type.startswith("list"))
    assert reg.Draft.load(kept) == every


def _row(delegate) -> dict:
    """A record's columns, without those that differ between two stores of one draft."""
    return {c.key: getattr(delegate, c.key) for c in Delegate.__table__.c
            if c.key not in ("id", "claim_code", "created_at", "updated_at")}


async def test_a_record_is_stored_as_the_sessions_flush_stores_it(db, conference):
    """store() writes by plain INSERTs: the same row and parts as the ORM's flush of the same record, the
    record in the session as if read (nothing left to write), and the reminders' plan marked changed."""
    drafts = [draft(), draft(full_name="Trần Thị B", phone="+84912345678", needs_lodging=False, note=None,
                             parts=["exchange"], arrival_date=None, arrival_time=None)]
    for n, one in enumerate(drafts):
        async with db.session() as session:
            me = await account(session, user_id=f"30{n}")
            flushed = reg.new_record(conference, one, registrant=me, for_self=False)
            session.add(flushed)
            await session.commit()
            session.sync_session.info.pop(PLAN_CHANGED, None)  # the flush's mark, where it is listened for
            stored = await reg.register(session, conference, one, registrant=me, for_self=False)
            assert session.sync_session.info.pop(PLAN_CHANGED) is True
            assert stored in session and not session.new and not session.dirty
            assert stored.created_at is not None and stored.updated_at is not None
            kept = _row(stored)
        async with db.session() as session:
            read_flushed = await session.get(Delegate, flushed.id)
            read_stored = await session.get(Delegate, stored.id)
            assert _row(read_stored) == _row(read_flushed) == kept
            assert read_stored.part_codes == read_flushed.part_codes == sorted(set(one.parts))
            assert read_stored.claim_code and read_stored.claim_code != read_flushed.claim_code


async def test_a_stored_record_changes_and_cancels_as_one_the_session_read(db, conference):
    async with db.session() as session:
        me = await account(session)
        delegate = await reg.register(session, conference, draft(), registrant=me, for_self=True)
        assert await reg.update(session, conference, delegate, draft(parts=["exchange"])) == {"sessions"}
        await reg.cancel(session, delegate)
    async with db.session() as session:
        again = await session.get(Delegate, delegate.id)
        assert again.part_codes == ["exchange"] and not again.active


async def test_stored_already_finds_the_same_draft_and_the_own_record_in_one_read(db, conference):
    async with db.session() as session:
        me, other = await account(session), await account(session, user_id="1002")
        colleague = draft(full_name="Trần Thị B", phone="+84912345678")
        assert await reg.stored_already(session, conference, colleague, registrant=me) == (None, None)
        own = await reg.register(session, conference, draft(), registrant=me, for_self=True)
        theirs = await reg.register(session, conference, colleague, registrant=other, for_self=False)
        found = await reg.stored_already(session, conference, colleague, registrant=me)
        assert found.same is None and found.own.id == own.id  # another registrant's record is not "the same"
        mine = await reg.register(session, conference, colleague, registrant=me, for_self=False)
        found = await reg.stored_already(session, conference, colleague, registrant=me)
        assert found.same.id == mine.id != theirs.id and found.own.id == own.id
        changed = draft(full_name="Trần Thị B", phone="+84912345678", note="khác")
        assert (await reg.stored_already(session, conference, changed, registrant=me)).same is None
        assert (await reg.stored_already(session, conference, draft(), registrant=me)).same.id == own.id
        await reg.cancel(session, own)
        assert await reg.stored_already(session, conference, draft(), registrant=me) == (None, None)
