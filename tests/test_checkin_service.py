"""The check-in decision without any chat framework: reasons, exactly-once, undo, search, stats."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.services import checkin, tickets
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from bot.services.pace import Pace
from models import CheckInLog
from models.base import utcnow
from testkit.records import draft

SECRET = "s3cret"


async def setup(db, conference, **changes):
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="500", chat_id="500",
                                            display_name="Desk 1")
        other = await get_or_create_account(session, channel="telegram", user_id="501", chat_id="501",
                                            display_name="Desk 2")
        delegate = await reg.register(session, conference, draft(**changes), registrant=staff, for_self=False)
        return staff.id, other.id, delegate.id


def token_for(conference, delegate_id, version=1, secret=SECRET, event=None):
    return tickets.issue(secret, event or conference.id, delegate_id, version)


async def test_reasons(db, conference):
    staff_id, _, delegate_id = await setup(db, conference)
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        link = f"https://t.me/x?start={token_for(conference, delegate_id)}"
        ok = await checkin.scan(session, conference, SECRET, link, "conference", staff, "link")
        assert (ok.outcome, ok.delegate.id, ok.by.id) == (checkin.CHECKED_IN, delegate_id, staff_id)
        again = await checkin.scan(session, conference, SECRET, link, "conference", staff, "token")
        assert again.outcome == checkin.ALREADY and again.checkin.at == ok.checkin.at
        other_list = await checkin.scan(session, conference, SECRET, link, "reception", staff, "token")
        assert other_list.outcome == checkin.CHECKED_IN  # once per list
        for text, reason in [
            (token_for(conference, delegate_id, secret="wrong"), "forged"),
            ("hello", "not_a_code"),
            (token_for(conference, delegate_id, event="hue-2024"), "forged"),  # see the test below
            (token_for(conference, 999999), "unknown"),
            (token_for(conference, delegate_id, version=2), "replaced"),
        ]:
            decision = await checkin.scan(session, conference, SECRET, text, "exchange", staff, "token")
            assert (decision.outcome, decision.reason) == (checkin.REFUSED, reason), text
        delegate = await session.get(checkin.Delegate, delegate_id)
        await reg.update(session, conference, delegate, draft(full_name="Tên Mới"))  # bumps the version
        replaced = await checkin.scan(session, conference, SECRET, link, "exchange", staff, "token")
        assert replaced.reason == "replaced"
        fresh = token_for(conference, delegate_id, version=2)
        assert (await checkin.scan(session, conference, SECRET, fresh, "exchange", staff, "token")).outcome == \
            checkin.CHECKED_IN
        await reg.cancel(session, delegate)
        cancelled = await checkin.scan(session, conference, SECRET, fresh, "exchange", staff, "token")
        assert (cancelled.outcome, cancelled.reason) == (checkin.REFUSED, "cancelled")


async def test_the_signature_is_checked_before_the_event(db, conference):
    """Two bytes of event tag are anyone's to write: a code that does not verify is "forged", whatever event
    it claims; and something that is no check-in code at all (another QR, a word) says so."""
    import base64
    import os

    staff_id, _, delegate_id = await setup(db, conference)
    made_up = "t" + base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
    tag = tickets._event_tag(conference.id)
    ours_tag = tickets.issue("guess", "x", delegate_id, 1)  # a guessed signature over this event's tag
    raw = bytearray(base64.urlsafe_b64decode(ours_tag[1:] + "="))
    raw[:2] = tag
    ours_tag = "t" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    good = token_for(conference, delegate_id)
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        for text, reason in [
            (made_up, "forged"),
            (f"https://t.me/x?start={made_up}", "forged"),
            (token_for(conference, delegate_id, secret="wrong", event="hue-2024"), "forged"),
            (token_for(conference, delegate_id, event="hue-2024"), "forged"),  # cannot be verified here
            (ours_tag, "forged"),
            (good[:-3], "forged"),  # a damaged code
            (f"https://t.me/x?start={good[:20]}", "forged"),
            ("https://zalo.me/g/abcdef", "not_a_code"),
            ("WIFI:S:Hoi truong;T:WPA;P:12345678;;", "not_a_code"),
            ("", "not_a_code"),
        ]:
            decision = await checkin.scan(session, conference, SECRET, text, "conference", staff, "token")
            assert (decision.outcome, decision.reason) == (checkin.REFUSED, reason), text
        assert (await checkin.scan(session, conference, SECRET, good, "conference", staff, "token")).outcome == \
            checkin.CHECKED_IN


def test_what_is_a_foreign_code_and_what_is_typed_at_the_desk():
    for foreign in ("https://zalo.me/g/abcdef", "zalo.me/g/abcdef", "www.example.vn", "WIFI:S:x;;",
                    "BEGIN:VCARD", "tel:0905123456"):
        assert tickets.is_foreign_code(foreign), foreign
    for typed in ("nguyen van an", "Lê Thị Lan", "0905123456", "0905.123.456", "427-3", "#427-3",
                  tickets.issue(SECRET, "e", 1, 1), f"https://t.me/x?start={tickets.issue(SECRET, 'e', 1, 1)}"):
        assert not tickets.is_foreign_code(typed), typed


async def test_two_desks_at_the_same_moment_record_one_check_in(db, conference):
    staff_id, other_id, delegate_id = await setup(db, conference)
    token = token_for(conference, delegate_id)

    async def desk(account_id):
        async with db.session() as session:
            account = await session.get(checkin.Account, account_id)
            return await checkin.scan(session, conference, SECRET, token, "conference", account, "link")

    for _round in range(5):
        results = await asyncio.gather(desk(staff_id), desk(other_id))
        assert sorted(r.outcome for r in results) == [checkin.ALREADY, checkin.CHECKED_IN]
        winner = next(r for r in results if r.outcome == checkin.CHECKED_IN)
        loser = next(r for r in results if r.outcome == checkin.ALREADY)
        assert loser.checkin.id == winner.checkin.id and loser.by.id == winner.by.id
        async with db.session() as session:
            account = await session.get(checkin.Account, staff_id)
            assert await checkin.checked_in_count(session, "conference") == 1
            assert await checkin.undo(session, winner.checkin.id, account) is not None


async def test_undo_is_logged(db, conference):
    staff_id, other_id, delegate_id = await setup(db, conference)
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        other = await session.get(checkin.Account, other_id)
        delegate = await session.get(checkin.Delegate, delegate_id)
        first = await checkin.check_in(session, delegate, "reception", staff, "search")
        assert await checkin.undo(session, first.checkin.id, other) is not None
        assert await checkin.undo(session, first.checkin.id, other) is None  # nothing left to undo
        assert (await checkin.check_in(session, delegate, "reception", staff, "search")).outcome == checkin.CHECKED_IN
        log = (await session.scalars(checkin.select(CheckInLog).order_by(CheckInLog.id))).all()
        assert [(e.action, e.by_id) for e in log] == [("checkin", staff_id), ("undo", other_id),
                                                      ("checkin", staff_id)]


async def test_search_by_name_without_diacritics_or_phone(db, conference):
    staff_id, _, _ = await setup(db, conference, full_name="Nguyễn Thị Hồng Hạnh", phone="+84905111222")
    await setup(db, conference, full_name="Nguyễn Văn An", phone="+84912333444")
    async with db.session() as session:
        staff, pace = await session.get(checkin.Account, staff_id), Pace(30, 60.0)

        async def names(query):
            return [d.full_name for d in (await checkin.search(session, conference, query, staff, pace)).delegates]
        assert await names("hong hanh") == ["Nguyễn Thị Hồng Hạnh"]
        assert await names("NGUYEN") == ["Nguyễn Thị Hồng Hạnh", "Nguyễn Văn An"]
        assert await names("0912 333 444") == ["Nguyễn Văn An"]
        assert await names("an") == ["Nguyễn Văn An"]  # whole words' starts
        assert await names("tran") == []


@pytest.mark.parametrize("typed", ["0905 111 222", "0905.111.222", "0905-111-222", "0905111222", "+84 905 111 222",
                                   "+84905111222", "84905111222", "84 905 111 222", "0084 905 111 222", "905111222",
                                   "(+84) 905-111-222", "０９０５ １１１ ２２２"])
async def test_a_phone_number_typed_whole_in_any_usual_form_finds_its_delegate(db, conference, typed):
    staff_id, _, _ = await setup(db, conference, full_name="Nguyễn Thị Hồng Hạnh", phone="+84905111222")
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        found = await checkin.search(session, conference, typed, staff, Pace(30, 60.0))
        assert [d.full_name for d in found.delegates] == ["Nguyễn Thị Hồng Hạnh"] and found.refused is None


async def test_a_phone_number_cannot_be_rebuilt_digit_by_digit(db, conference):
    """Reception sees the last three digits of a result; if a part of a number found its delegate, adding one
    digit at a time and keeping the digits that still found her would rebuild the whole number."""
    staff_id, _, _ = await setup(db, conference, full_name="Nguyễn Thị Hồng Hạnh", phone="+84905111222")
    async with db.session() as session:
        staff, pace = await session.get(checkin.Account, staff_id), Pace(30, 60.0)
        number = "0905111222"
        parts = {number[i:j] for i in range(len(number)) for j in range(i + 4, len(number) + 1)} - {number}
        parts |= {"+84" + number[1:j] for j in range(5, len(number))} | {"0905 111", "905 111 22", "84 905"}
        for part in sorted(parts):
            pace = Pace(30, 60.0)  # the pace is not what stops this
            found = await checkin.search(session, conference, part, staff, pace)
            if found.delegates:
                assert part.lstrip("0") == number.lstrip("0"), part  # "905111222" is the whole number, too
            else:
                assert found.refused == "whole_phone", part


async def test_searches_are_paced_per_staff_member(db, conference):
    staff_id, other_id, _ = await setup(db, conference, full_name="Nguyễn Văn An")
    now = [1000.0]
    pace = Pace(most=3, window=60, clock=lambda: now[0])
    async with db.session() as session:
        staff, other = await session.get(checkin.Account, staff_id), await session.get(checkin.Account, other_id)
        for _ in range(3):
            assert (await checkin.search(session, conference, "an", staff, pace)).delegates
            now[0] += 10
        refused = await checkin.search(session, conference, "an", staff, pace)
        assert (refused.refused, refused.retry_after, refused.delegates) == ("too_fast", 30, [])
        assert (await checkin.search(session, conference, "an", other, pace)).delegates  # the other desk searches
        now[0] += 30  # the first search has left the window
        assert (await checkin.search(session, conference, "an", staff, pace)).delegates
        assert (await checkin.search(session, conference, "an", staff, pace)).refused == "too_fast"


@pytest.mark.parametrize("moment,expected", [
    ("2023-07-20T10:00:00+07:00", "reception"), ("2023-07-26T23:30:00+07:00", "reception"),
    ("2023-07-26T17:30:00+00:00", "exchange"),  # 00:30 on 27/7 in Đà Lạt
    ("2023-07-28T07:00:00+07:00", "conference"), ("2024-01-01T00:00:00+07:00", "conference"),
])
def test_default_list_follows_the_event_local_date(conference, moment, expected):
    assert checkin.default_part(conference, datetime.fromisoformat(moment).astimezone(timezone.utc)) == expected


async def test_stats(db, conference):
    staff_id, _, first = await setup(db, conference, province="gia_lai", parts=["reception", "conference"])
    await setup(db, conference, province="kon_tum", parts=["conference"])
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        await checkin.check_in(session, await session.get(checkin.Delegate, first), "conference", staff, "search")
        by_list = {s.part_code: s for s in await checkin.stats(session, conference)}
        assert (by_list["conference"].registered, by_list["conference"].checked_in) == (2, 1)
        assert by_list["conference"].by_province == {"gia_lai": (1, 1), "kon_tum": (1, 0)}
        assert (by_list["reception"].registered, by_list["reception"].checked_in) == (1, 0)
        assert by_list["exchange"].registered == 0


async def test_a_scan_sent_again_with_its_nonce_gets_its_first_answer(db, conference):
    staff_id, other_id, delegate_id = await setup(db, conference)
    token = token_for(conference, delegate_id)
    async with db.session() as session:
        staff, other = await session.get(checkin.Account, staff_id), await session.get(checkin.Account, other_id)

        async def decide(account, nonce, **where):
            return await checkin.decide(session, conference, SECRET, "conference", account, "desk", nonce=nonce,
                                        **({"text": token} | where))

        first = await decide(staff, "n1")
        assert (first.outcome, first.replayed) == (checkin.CHECKED_IN, False)
        assert await checkin.undo(session, first.checkin.id, staff) is not None
        again = await decide(staff, "n1")  # its answer was lost: the same answer, nothing recorded anew
        assert (again.outcome, again.replayed, again.delegate.id, again.by.id) == (
            checkin.CHECKED_IN, True, delegate_id, staff_id)
        assert (again.checkin.id, again.checkin.at) == (first.checkin.id, first.checkin.at)
        assert await checkin.checked_in_count(session, "conference", conference) == 0
        # the nonce is the account's own: another desk's "n1" is another scan
        assert (await decide(other, "n1")).outcome == checkin.CHECKED_IN
        mine = await decide(staff, "n2")
        assert (mine.outcome, mine.by.id, mine.replayed) == (checkin.ALREADY, other_id, False)
        refused = await decide(staff, "n3", text=None, delegate_id=999999)
        assert (await decide(staff, "n3")).reason == refused.reason == "unknown"  # a refusal is replayed too
        without = [await decide(staff, None) for _ in range(2)]
        assert [d.replayed for d in without] == [False, False]


@pytest.mark.parametrize("waited,recorded", [
    (None, timedelta(0)), (timedelta(seconds=5), timedelta(0)),  # decided at once: now
    (timedelta(minutes=10), timedelta(minutes=10)),  # waited offline: when it was scanned
    (timedelta(days=3), timedelta(hours=24)),  # never further back than a day
])
async def test_a_scan_that_waited_offline_is_recorded_when_it_was_made(db, conference, waited, recorded):
    staff_id, _, delegate_id = await setup(db, conference)
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        before = utcnow()
        made = None if waited is None else before - waited
        decision = await checkin.decide(session, conference, SECRET, "conference", staff, "desk",
                                        text=token_for(conference, delegate_id), at=made)
        after = utcnow()
        assert before - recorded - timedelta(seconds=1) <= decision.checkin.at <= after - recorded
        log = await session.scalar(select(CheckInLog).where(CheckInLog.delegate_id == delegate_id))
        assert log.at == decision.checkin.at


async def test_stats_count_an_arrival_on_a_part_not_registered_for_in_its_province_too(db, conference):
    staff_id, _, delegate_id = await setup(db, conference, province="gia_lai", parts=["reception"])
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        await checkin.check_in(session, await session.get(checkin.Delegate, delegate_id), "conference", staff, "search")
        by_list = {s.part_code: s for s in await checkin.stats(session, conference)}
        conference_list = by_list["conference"]
        assert (conference_list.registered, conference_list.checked_in) == (0, 1)
        assert sum(arrived for _, arrived in conference_list.by_province.values()) == conference_list.checked_in
        assert conference_list.by_province == {"gia_lai": (0, 1)}
