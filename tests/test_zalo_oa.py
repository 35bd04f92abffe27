"""The Zalo OA channel's parts on their own: the webhook's signature, OA events as Bot Platform events, retries
recognised, ZNS parameters, the token renewed before it expires (against the fake OA's OAuth), `bot check`."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.channels.zalo_oa.journal import Journal
from bot.channels.zalo_oa.session import _buttons, zns_data
from bot.channels.zalo_oa.tokens import OaTokens
from bot.channels.zalo_oa.updates import event_key, platform_event
from bot.channels.zalo_oa.web import signature
from bot.ops.check import FAIL, WARN, zalo_oa
from models import ZaloOaEvent, ZaloOaToken
from testkit.zalo_oa_flows import connect_oa, leave_unhandled


def test_the_signature_is_the_documented_mac():
    body = '{"event_name":"user_send_text","timestamp":"1712345678901"}'
    expected = hashlib.sha256(("123" + body + "1712345678901" + "oa-key").encode()).hexdigest()
    assert signature("123", body, "1712345678901", "oa-key") == f"mac={expected}"
    assert signature("123", body + " ", "1712345678901", "oa-key") != f"mac={expected}"  # any change to the body


def test_oa_events_become_the_bot_platforms():
    text = {"event_name": "user_send_text", "sender": {"id": "77"}, "timestamp": "1700000000000",
            "message": {"text": "1", "msg_id": "m1"}}
    assert platform_event(text)["message"]["text"] == "1"
    assert platform_event(text)["message"]["from"]["id"] == "oa:77"  # apart from the Bot Platform's ids
    image = {"event_name": "user_send_image", "sender": {"id": "77"}, "message": {
        "msg_id": "m2", "attachments": [{"type": "image", "payload": {"url": "https://p.zdn.vn/a.jpg"}}]}}
    assert platform_event(image)["message"]["photo_url"] == "https://p.zdn.vn/a.jpg"
    for unreadable in ("user_send_file", "user_send_location"):
        assert platform_event({"event_name": unreadable, "sender": {"id": "77"}, "message": {"msg_id": "m"}})[
            "event_name"] == "message.unsupported.received"
    assert platform_event({"event_name": "follow", "follower": {"id": "77"}})["message"]["text"] == "start"
    assert platform_event({"event_name": "unfollow", "follower": {"id": "77"}}) is None
    shared = {"event_name": "user_submit_info", "sender": {"id": "77"}, "info": {"phone": "84905123456"}}
    assert platform_event(shared)["message"]["text"] == "84905123456"


def test_a_retry_has_the_same_key_and_another_event_another():
    one = {"event_name": "user_send_text", "sender": {"id": "77"}, "message": {"msg_id": "m1"}, "timestamp": "1"}
    assert event_key(one) == event_key(dict(one, timestamp="2"))  # posted again later: the same message
    assert event_key(one) != event_key(dict(one, message={"msg_id": "m2"}))
    follow = {"event_name": "follow", "follower": {"id": "77"}, "timestamp": "5"}
    assert event_key(follow) == event_key(dict(follow)) != event_key(dict(follow, timestamp="6"))


def test_zns_parameters_are_filled_and_cut_to_the_templates_length():
    data = zns_data('{"name": "{name}", "content": "{event}: {text}"}', name="Lê Văn A", text="Xe\n\nlúc 7:15",
                    event="Hội nghị", limit=400)
    assert data == {"name": "Lê Văn A", "content": "Hội nghị: Xe lúc 7:15"}
    cut = zns_data("", name="", text="x " * 300, event="", limit=50)
    assert len(cut["content"]) == 50 and cut["content"].endswith("…")


def test_menus_beyond_five_options_stay_numbered_lists():
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    def markup(n: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=f"Lựa chọn {i}", callback_data=str(i))]
                                                     for i in range(n)])
    assert [payload for _title, payload in _buttons(markup(5))] == [f"Lựa chọn {i}" for i in range(5)]
    assert _buttons(markup(6)) is None
    twice = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Có", callback_data="a"),
                                                   InlineKeyboardButton(text="Có", callback_data="b")]])
    assert [payload for _title, payload in _buttons(twice)] == ["1", "2"]  # same labels: the numbers


async def test_the_token_is_renewed_before_it_expires_and_shared(fake, fakeoa, settings, db):
    connect_oa(settings, fake, fakeoa)
    first = fakeoa.access_token
    tokens = OaTokens(settings, db)
    assert await tokens.access_token() == first  # seeded from the settings
    async with db.session() as session:
        (await session.get(ZaloOaToken, 1)).expires_at = datetime.now(timezone.utc) + timedelta(minutes=5)
        await session.commit()
    renewed = await OaTokens(settings, db).access_token()  # another process, 5 minutes before expiry
    assert renewed == fakeoa.access_token != first and fakeoa.refreshes == 1
    # the first process's refresh token was used by the other: it reads the stored pair, no second refresh
    tokens._row = (first, settings.zalo_oa_refresh_token, datetime.now(timezone.utc))
    assert await tokens.access_token() == renewed and fakeoa.refreshes == 1


def test_check_reports_what_the_oa_lacks(settings):
    settings.zalo_oa_app_id = "4291763606161179100"
    found = zalo_oa(settings)
    problems = " ".join(f.what for f in found if f.level == FAIL)
    for name in ("ZALO_OA_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_OA_REFRESH_TOKEN", "PUBLIC_BASE_URL"):
        assert name in problems
    assert any(f.level == WARN and "ZALO_OA_ZNS_TEMPLATE_ID" in f.what for f in found)
    settings.zalo_oa_app_id = ""
    assert zalo_oa(settings) == []


def _text(msg_id: str, user: str = "77") -> dict:
    return {"event_name": "user_send_text", "sender": {"id": user}, "timestamp": "1700000000000",
            "message": {"text": "Xin chào", "msg_id": msg_id}}


async def test_the_journal_stores_an_event_whole_once_and_a_retry_is_known(db):
    journal = Journal(db)
    event = _text("m1")
    first = await journal.take(event_key(event), event)
    assert first is not None
    assert await journal.take(event_key(event), dict(event, timestamp="1700000009999")) is None  # a retry
    async with db.session() as session:
        row = await session.get(ZaloOaEvent, first)
    assert row.state == "received" and json.loads(row.payload) == event and row.handled_at is None
    await journal.handled(first)
    async with db.session() as session:
        row = await session.get(ZaloOaEvent, first)
    assert row.state == "handled" and row.handled_at is not None
    assert await journal.take(event_key(event), event) is None  # a retry after it was handled


async def test_the_journal_hands_back_what_was_left_in_order_once(db):
    journal = Journal(db)
    ids = [await leave_unhandled(db, _text(f"m{n}", user=str(70 + n % 2))) for n in range(4)]
    fresh = await journal.take("msg:fresh", _text("fresh"))  # within the grace time: its handler may be running
    await journal.handled(ids[2])
    left = await journal.left(busy={ids[3]})  # ids[3] is being handled in this process
    assert [event_id for event_id, _ in left] == [ids[0], ids[1]]
    assert [event["message"]["msg_id"] for _, event in left] == ["m0", "m1"]
    # claimed: another process (or the next look) does not take them again; the fresh one is not taken yet
    assert fresh is not None and await journal.left(busy={ids[3]}) == []
    assert [event_id for event_id, _ in await journal.left()] == [ids[3]]  # its handler died after all


async def test_handled_events_are_pruned_after_some_days_and_unhandled_kept(db):
    journal = Journal(db)
    old_handled = await leave_unhandled(db, _text("old-handled"), seconds_ago=4 * 86400)
    old_left = await leave_unhandled(db, _text("old-left"), seconds_ago=4 * 86400)
    recent = await leave_unhandled(db, _text("recent"), seconds_ago=86400)
    await journal.handled(old_handled)
    await journal.handled(recent)
    await journal.prune()
    async with db.session() as session:
        kept = set((await session.scalars(select(ZaloOaEvent.id))).all())
    assert kept == {old_left, recent}
