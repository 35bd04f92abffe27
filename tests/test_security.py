"""Who may do what, proved on the real dispatcher: every staff and organizer command and button refused for
a plain delegate (and organizer ones for staff), forged record buttons, the webhook's secret, check-in codes
that cannot be forged or carried to another event, single-use invitations, and phone numbers and lists kept
from those who should not see them."""
from __future__ import annotations

import base64
import inspect
import os
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import pytest_asyncio
from aiogram.filters.callback_data import CallbackData
from aiohttp import ClientSession, web
from hypothesis import given, settings as hypothesis_settings, strategies as st
from sqlalchemy import select

from bot.app import WEBHOOK_PATH, create_web_app
from bot.commands import COMMANDS
from bot.config import Settings
from bot.event import load_event
from bot.screens import callbacks
from bot.services import checkin, invitations, outbox, questions, registration as reg, tickets
from bot.services.accounts import get_or_create_account, roles_of
from bot.services.pace import Pace
from models import (Account, AccountRole, AgendaChange, Broadcast, CheckIn, CheckInLog, Delegate, Invitation, Nominee,
                    OutboxMessage, Question, WebLogin)
from models.account import ORGANIZER, STAFF
from models.question import UNKNOWN
from testkit.database import reset_database
from testkit.fakebot import FakeMessage, FakeTelegram, FakeUser
from testkit.feeding import DirectBot
from testkit.paths import EVENT_FILE
from testkit.records import draft

SECRET, EVENT = "test-secret", "dalat-2023"
ORGANIZERS_ONLY = "dành cho Ban Tổ chức"  # "Lệnh này chỉ dành cho…", "Chức năng này dành cho…"
EXPIRED = "Menu này đã hết hạn."
PROTECTED = (AgendaChange, Broadcast, OutboxMessage, Invitation, CheckIn, CheckInLog, Nominee, AccountRole, WebLogin)
VICTIM_PHONE, ORPHAN_PHONE = "+84905111222", "+84916333444"


@dataclass
class Scene:
    """A victim who registered herself, a colleague's record not yet claimed (the orphan), Mallory (a
    registered delegate, the attacker), the organizer (ADMIN_IDS), a staff member appointed by invitation,
    a running broadcast, an open invitation, a check-in and a question of the victim's."""

    direct: DirectBot
    victim: FakeUser
    mallory: FakeUser
    organizer: FakeUser
    staff: FakeUser
    ids: dict[str, int] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        for name, value in self.ids.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    async def protected(self) -> dict:
        """Rows only staff and organizers may create or change, and the records of everyone but Mallory."""
        def row(obj) -> dict:
            return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}

        async with self.direct.db.session() as session:
            shot = {model.__name__: sorted((row(r) for r in await session.scalars(select(model))), key=repr)
                    for model in PROTECTED}
            shot["delegates"] = [row(d) | {"sessions": d.part_codes} for d in await session.scalars(
                select(Delegate).where(Delegate.id != self.ids["mallory_delegate"]).order_by(Delegate.id))]
            shot["accounts"] = [row(a) for a in (await session.scalars(select(Account).where(
                Account.user_id != str(self.mallory.id)).order_by(Account.id))).unique()]
            shot["questions"] = [row(q) for q in await session.scalars(select(Question).order_by(Question.id))]
        return shot


async def _registered(session, conference, fake, user_id: int, name: str, phone: str, *, lang="vi") -> tuple:
    user = fake.user(user_id, first_name=name.split()[-1], language_code=lang, started=True)
    account = await get_or_create_account(session, channel="telegram", user_id=str(user_id), chat_id=str(user_id),
                                          display_name=name)
    account.language = lang
    delegate = await reg.register(session, conference, draft(full_name=name, phone=phone), registrant=account,
                                  for_self=True)
    return user, account, delegate


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_scene(tmp_path_factory, redis_url) -> Scene:
    """One scene for the module (every test compares before and after itself): building it per test would
    cost most of the module's time."""
    database_url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('security') / 'test.sqlite3'}")
    await reset_database(database_url)
    if redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        await client.flushdb()
        await client.aclose()
    settings = Settings(_env_file=None, telegram_bot_token="123456:TEST-token", database_url=database_url,
                        event_file=EVENT_FILE, secret_key=SECRET, admin_ids=frozenset({9001}),
                        send_rate_per_second=0)
    conference = load_event(EVENT_FILE)
    fake = FakeTelegram()
    await fake.start()
    direct = await DirectBot.start(fake, settings, redis_url)
    await direct.app.postman.stop()  # the broadcast below stays running, for the forged "stop" button
    db = direct.db
    try:
        async with db.session() as session:
            victim, victim_account, victim_delegate = await _registered(
                session, conference, fake, 2001, "Nguyễn Thị Nạn", VICTIM_PHONE)
            orphan = await reg.register(session, conference, draft(full_name="Phạm Văn Côi", phone=ORPHAN_PHONE),
                                        registrant=victim_account, for_self=False)
            mallory, _account, mallory_delegate = await _registered(
                session, conference, fake, 3001, "Mai Lô Ri", "+84987654321")
            organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)
            org_account = await get_or_create_account(session, channel="telegram", user_id="9001", chat_id="9001",
                                                      display_name="Tổ chức")
            org_account.language = "vi"
            staff = fake.user(2101, first_name="Tân", language_code="vi", started=True)
            staff_account = await get_or_create_account(session, channel="telegram", user_id="2101",
                                                        chat_id="2101", display_name="Lễ tân")
            staff_account.language = "vi"
            await session.commit()
            people = await outbox.recipients(session, conference, outbox.ALL)
            broadcast = await outbox.create(session, conference, people, audience=outbox.ALL, text_vi="Xe lúc 7:15",
                                            by=org_account)
            question = await questions.record(session, conference, victim_account, "phòng của tôi ở đâu", UNKNOWN)
            ids = dict(victim=victim_delegate.id, orphan=orphan.id, mallory_delegate=mallory_delegate.id,
                       victim_account=victim_account.id, org_account=org_account.id, staff_account=staff_account.id,
                       broadcast=broadcast.id, question=question.id)
        scene = Scene(direct, victim, mallory, organizer, staff, ids)
        # the staff member is appointed the way the organizers do it: an invitation link
        link = _link(await direct.say(organizer, "/invite_staff"))
        assert "đón tiếp" in (await direct.say(staff, f"/start {link}"))[0].text
        await direct.say(organizer, "/invite_staff")  # one more, left open
        # the victim is checked in by the staff member
        token = tickets.issue(SECRET, EVENT, victim_delegate.id, 1)
        assert (await direct.say(staff, token))[0].text.startswith("✅")
        async with db.session() as session:
            scene.ids["invitation"] = await session.scalar(select(Invitation.id).where(Invitation.used_at.is_(None)))
            scene.ids["checkin"] = await session.scalar(select(CheckIn.id))
        for user in (mallory, staff, victim):
            await direct.say(user, "/start")  # each has a menu to press buttons on
        yield scene
    finally:
        await direct.close()
        await fake.stop()
    assert fake.rejected == [], fake.rejected


@pytest.fixture
def scene(shared_scene):
    """Every request the bot made in a test must be one Telegram accepts."""
    yield shared_scene
    assert shared_scene.direct.fake.rejected == [], shared_scene.direct.fake.rejected


on_the_scene = pytest.mark.asyncio(loop_scope="module")


def _link(messages: list[FakeMessage]) -> str:
    text = next(m.text for m in messages if "?start=" in m.text)
    return text.split("?start=")[1].split()[0]


def _nothing_privileged(scene: Scene, seen: list[FakeMessage]) -> None:
    """No file, no QR picture, nobody else's name, phone or link among what the presser was shown."""
    for message in seen:
        assert message.kind not in ("document", "photo"), message
        for secret in ("Nguyễn Thị Nạn", "Phạm Văn Côi", "0905111222", "905 111 222", "0916333444", "?start="):
            assert secret not in message.text and not any(secret in b for b in message.buttons), message


# -- commands ------------------------------------------------------------------------------------------

PRIVILEGED_COMMANDS = [c for c in COMMANDS if c.role in (STAFF, ORGANIZER)]


@on_the_scene
@pytest.mark.parametrize("mention", ["", "@dalat_delegate_bot"], ids=["plain", "mention"])
@pytest.mark.parametrize("command", PRIVILEGED_COMMANDS, ids=lambda c: c.name)
async def test_staff_and_organizer_commands_are_refused_for_a_delegate(scene, command, mention):
    before, conversation = await scene.protected(), await scene.direct.fsm(scene.mallory.id)
    seen = await scene.direct.say(scene.mallory, f"/{command.name}{mention} nguyen 0905")
    assert len(seen) == 1, seen
    refusal = seen[0].text
    assert "dành cho" in refusal and "Ban Tổ chức" in refusal, f"not a Vietnamese refusal: {refusal!r}"
    if command.role == ORGANIZER:
        assert ORGANIZERS_ONLY in refusal
    else:
        assert "đón tiếp" in refusal
    _nothing_privileged(scene, seen)
    assert await scene.direct.fsm(scene.mallory.id) == conversation  # no organizer conversation was begun
    assert await scene.protected() == before


@on_the_scene
@pytest.mark.parametrize("command", [c for c in COMMANDS if c.role == ORGANIZER], ids=lambda c: c.name)
async def test_organizer_commands_are_refused_for_staff(scene, command):
    before = await scene.protected()
    seen = await scene.direct.say(scene.staff, f"/{command.name}")
    assert len(seen) == 1 and ORGANIZERS_ONLY in seen[0].text, seen
    assert all(m.kind != "document" for m in seen)
    assert (await scene.direct.fsm(scene.staff.id))[0] is None
    assert await scene.protected() == before


# -- buttons -------------------------------------------------------------------------------------------

ALERT, GONE = "alert", "expired"
# (callback data, who may press it, what anyone else gets); ids in braces are filled from the scene
PRIVILEGED_BUTTONS = [
    ("inv:revoke:{invitation}", ORGANIZER, ALERT),
    ("rl:remove:{staff_account}:staff", ORGANIZER, ALERT),
    ("rl:remove:{org_account}:organizer", ORGANIZER, ALERT),
    ("ob:cancel:{broadcast}", ORGANIZER, ALERT),
    ("ag:part:conference", ORGANIZER, ALERT),
    ("ag:time:conference", ORGANIZER, ALERT),
    ("ag:place:conference", ORGANIZER, ALERT),
    ("ag:cancel:conference", ORGANIZER, ALERT),
    ("ag:restore:conference", ORGANIZER, ALERT),
    ("ag:add:", ORGANIZER, ALERT),
    # a list button is only shown to organizers: pressed by anyone else it is a stale menu
    ("p:export:delegates_xlsx", ORGANIZER, ALERT),
    ("p:export:delegates_csv", ORGANIZER, ALERT),
    ("p:export:checkins", ORGANIZER, ALERT),
    ("p:export:rooms", ORGANIZER, ALERT),
    # buttons of an organizer's conversation (broadcast, agenda, import): nobody else is in one
    ("p:bc_en:skip", ORGANIZER, GONE),
    ("p:bc_to:all", ORGANIZER, GONE),
    ("p:bc_go:send", ORGANIZER, GONE),
    ("p:ag_go:yes", ORGANIZER, GONE),
    ("p:import:valid", ORGANIZER, ALERT),
    # reception's buttons
    ("ck:pick:{victim}:", STAFF, ALERT),
    ("ck:undo:{checkin}:", STAFF, ALERT),
    ("ck:list:0:conference", STAFF, ALERT),
]


def _prefix(data: str) -> str:
    return data.split(":", 1)[0]


def test_every_staff_and_organizer_button_kind_is_tried():
    """A new kind of button (a CallbackData class) needs a line in PRIVILEGED_BUTTONS or a reason not to."""
    # a role's home button (Run) feeds its command as if typed: the command's own role check answers it
    # (tests/test_e2e_home.py presses an organizer's as a delegate)
    delegates_own = {callbacks.Pick.__prefix__, callbacks.Card.__prefix__, callbacks.Go.__prefix__,
                     callbacks.Run.__prefix__}
    kinds = {cls.__prefix__ for _name, cls in inspect.getmembers(callbacks, inspect.isclass)
             if issubclass(cls, CallbackData) and cls is not CallbackData}
    assert kinds - delegates_own <= {_prefix(data) for data, _role, _answer in PRIVILEGED_BUTTONS}


def _pressers(role: str) -> list[str]:
    return ["delegate", "staff"] if role == ORGANIZER else ["delegate"]


@on_the_scene
@pytest.mark.parametrize("data,role,expected,who", [
    pytest.param(data, role, expected, who, id=f"{who}-{data}")
    for data, role, expected in PRIVILEGED_BUTTONS for who in _pressers(role)])
async def test_staff_and_organizer_buttons_are_refused(scene, data, role, expected, who):
    presser = scene.mallory if who == "delegate" else scene.staff
    before, state_before = await scene.protected(), (await scene.direct.fsm(presser.id))[0]
    answer, seen = await scene.direct.press(presser, scene.fill(data))
    assert answer is not None, "the press was left spinning"
    if expected == ALERT:
        assert answer.show_alert and "dành cho" in answer.text and "Ban Tổ chức" in answer.text, answer
        assert seen == []
    else:
        assert answer.text == EXPIRED, answer
    _nothing_privileged(scene, seen)
    assert (await scene.direct.fsm(presser.id))[0] == state_before
    assert await scene.protected() == before


# -- another delegate's records ------------------------------------------------------------------------

@on_the_scene
@pytest.mark.parametrize("action", ["show", "change", "qr", "link", "cancel", "cancel_yes", "new"])
@pytest.mark.parametrize("target", ["victim", "orphan"])
async def test_a_forged_record_button_opens_nobody_elses_record(scene, action, target):
    before = await scene.protected()
    answer, seen = await scene.direct.press(scene.mallory, f"d:{action}:{scene.ids[target]}:")
    assert answer is not None and answer.text == EXPIRED, answer
    _nothing_privileged(scene, seen)
    answer, seen = await scene.direct.press(scene.mallory, f"d:field:{scene.ids[target]}:phone")
    assert answer.text == EXPIRED
    _nothing_privileged(scene, seen)
    assert (await scene.direct.fsm(scene.mallory.id))[0] is None  # no change conversation on their record
    assert await scene.protected() == before


@on_the_scene
async def test_me_and_myqr_show_only_ones_own_records(scene):
    for command in ("/me", "/myqr", "/calendar", "/schedule"):
        seen = await scene.direct.say(scene.mallory, command)
        assert seen, command
        for message in seen:
            for secret in ("Nguyễn Thị Nạn", "Phạm Văn Côi", "0905111222", "0916333444"):
                assert secret not in message.text, (command, message)
    me = (await scene.direct.say(scene.mallory, "/me"))[0]
    assert "Mai Lô Ri" in me.text
    assert all(str(scene.ids["mallory_delegate"]) in b["callback_data"] for b in me.inline_buttons
               if b["callback_data"].startswith("d:") and b["callback_data"].split(":")[1] != "list")


@on_the_scene
async def test_someone_elses_question_cannot_be_passed_on_and_restricted_answers_stay_restricted(scene):
    before = await scene.protected()
    answer, seen = await scene.direct.press(scene.mallory, f"p:faq:h.{scene.ids['question']}")
    assert answer is not None
    assert [m.text for m in seen] == [EXPIRED]
    answer, seen = await scene.direct.press(scene.mallory, "p:faq:registration_count")  # organizers only
    assert [m.text for m in seen] == [EXPIRED]
    assert await scene.protected() == before
    assert all(not m.text.startswith("❓") for m in scene.organizer.inbox)  # nothing relayed


@on_the_scene
async def test_opening_anothers_check_in_code_shows_nothing_personal(scene):
    token = tickets.issue(SECRET, EVENT, scene.ids["victim"], 1)
    before = await scene.protected()
    seen = await scene.direct.say(scene.mallory, f"/start {token}")
    assert len(seen) == 1 and "mã điểm danh của đại biểu" in seen[0].text
    _nothing_privileged(scene, seen)
    assert await scene.protected() == before  # and nobody was checked in


@on_the_scene
async def test_a_forged_take_over_link_takes_nothing_over(scene):
    before = await scene.protected()
    answers = set()
    for payload in (f"c{scene.ids['orphan']}_{'0' * 20}", f"c{scene.ids['victim']}_{'0' * 20}",
                    "c99999999999999999999_0", "c-1_0", "c_", "c987654_0123456789abcdef0123"):
        seen = await scene.direct.say(scene.mallory, f"/start {payload}")
        assert "không hợp lệ" in seen[0].text, (payload, seen)
        answers.add(seen[0].text)
        _nothing_privileged(scene, seen)
    # a record with an owner, one without, and none at all get the same answer: nothing is told
    assert len(answers) == 1, answers
    assert await scene.protected() == before


# -- what staff see ----------------------------------------------------------------------------------

@on_the_scene
async def test_reception_search_shows_staff_no_phone_numbers(scene):
    """Staff find a delegate by the whole phone number, but are shown only name and province (the
    check-in answer adds category and lodging): a phone number is for the organizers' lists."""
    for query in ("/find 0905 111 222", "/find 905111222", "/find +84 905.111.222", "/find nguyen thi", "/find Nạn"):
        seen = await scene.direct.say(scene.staff, query)
        results = next(m for m in seen if m.inline_buttons)
        assert "Nguyễn Thị Nạn — Gia Lai" in results.buttons, results
        for message in seen:
            assert "111" not in message.text + "".join(message.buttons), message
    _answer, seen = await scene.direct.press(scene.staff, f"ck:pick:{scene.ids['victim']}:", message=results)
    assert seen and all("111" not in m.text and "222" not in m.text for m in seen)


@on_the_scene
async def test_a_part_of_a_phone_number_finds_nobody_and_searches_are_paced(scene):
    """Were a part of a number enough, staff could rebuild any delegate's number one digit at a time from the
    three last digits shown on the desk page; and nobody may read the register out search after search."""
    whole = "Để tìm đại biểu theo số điện thoại, vui lòng nhập đủ cả số, ví dụ: 0905 123 456."
    for query in ("/find 0905 111", "/find 1222", "/find +84 905 111 22", "/find 84905111"):
        assert [m.text for m in await scene.direct.say(scene.staff, query)] == [whole], query
    dispatcher = scene.direct.app.dispatcher
    kept, dispatcher["search_pace"] = dispatcher["search_pace"], Pace(2, 60)
    try:
        for _ in range(2):
            assert (await scene.direct.say(scene.staff, "/find nguyen thi"))[0].inline_buttons
        [slow] = await scene.direct.say(scene.staff, "/find nguyen thi")
        assert slow.text.startswith("Đã tìm kiếm quá nhiều lần") and "giây" in slow.text and not slow.inline_buttons
        assert (await scene.direct.say(scene.organizer, "/find nguyen thi"))[0].inline_buttons  # each their own
    finally:
        dispatcher["search_pace"] = kept


@on_the_scene
async def test_staff_appointed_by_invitation_get_no_lists(scene):
    seen = await scene.direct.say(scene.staff, "/export")
    assert ORGANIZERS_ONLY in seen[0].text
    answer, seen = await scene.direct.press(scene.staff, "p:export:delegates_csv")
    assert ORGANIZERS_ONLY in answer.text and answer.show_alert and all(m.kind != "document" for m in seen)
    async with scene.direct.db.session() as session:
        staff = await session.scalar(select(Account).where(Account.user_id == str(scene.staff.id)))
        assert roles_of(staff, frozenset({9001})) == {STAFF, "delegate"}


# -- invitations ---------------------------------------------------------------------------------------

@on_the_scene
async def test_invitation_links_are_single_use_expire_and_can_be_revoked(scene):
    direct = scene.direct
    link = _link(await direct.say(scene.organizer, "/invite_staff"))
    first, second = direct.fake.user(4001, started=True), direct.fake.user(4002, started=True)
    assert "đón tiếp" in (await direct.say(first, f"/start {link}"))[0].text
    assert "đã được sử dụng" in (await direct.say(second, f"/start {link}"))[0].text

    async with direct.db.session() as session:
        organizer = await session.scalar(select(Account).where(Account.user_id == "9001"))
        expired = await invitations.create(session, ORGANIZER, organizer, lifetime=timedelta(seconds=-1))
        expired_link = invitations.payload(expired)
    assert "hết hạn" in (await direct.say(second, f"/start {expired_link}"))[0].text

    revoked_link = _link(await direct.say(scene.organizer, "/invite_organizer"))
    menu = (await direct.say(scene.organizer, "/invites"))[-1]
    answer, _seen = await direct.press(scene.organizer, menu.inline_buttons[-1]["callback_data"], message=menu)
    assert answer.text == "Đã thu hồi lời mời."
    assert "thu hồi" in (await direct.say(second, f"/start {revoked_link}"))[0].text
    for guess in ("i", "i" + "A" * 24, "i" + link[1:-1] + ("A" if link[-1] != "A" else "B")):
        assert "không hợp lệ" in (await direct.say(second, f"/start {guess}"))[0].text

    async with direct.db.session() as session:
        holders = {a.user_id: roles_of(a, frozenset({9001})) for a in (await session.scalars(
            select(Account).where(Account.user_id.in_(["4001", "4002"])))).unique()}
    assert holders == {"4001": {STAFF, "delegate"}, "4002": {"delegate"}}


# -- check-in codes ------------------------------------------------------------------------------------

delegate_ids = st.integers(1, 2**32 - 1)
versions = st.integers(0, 2**16 - 1)


@hypothesis_settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(delegate_id=delegate_ids, version=versions, other_secret=st.text(min_size=1, max_size=40),
       other_event=st.text(min_size=1, max_size=40), bit=st.integers(0, 24 * 8 - 1))
def test_check_in_codes_cannot_be_forged_or_carried_to_another_event(delegate_id, version, other_secret,
                                                                     other_event, bit):
    token = tickets.issue(SECRET, EVENT, delegate_id, version)
    assert tickets.read(SECRET, EVENT, token) == tickets.Ticket(tickets._event_tag(EVENT), delegate_id, version)
    if other_secret != SECRET:
        assert tickets.read(other_secret, EVENT, token) == "forged"  # without SECRET_KEY, no valid code
        assert tickets.read(SECRET, EVENT, tickets.issue(other_secret, EVENT, delegate_id, version)) == "forged"
    if other_event != EVENT:
        # another event's code, even signed with this very key, is refused
        assert tickets.read(SECRET, EVENT, tickets.issue(SECRET, other_event, delegate_id, version)) == "forged"
    raw = bytearray(base64.urlsafe_b64decode(token[1:] + "=" * (-len(token[1:]) % 4)))
    raw[bit // 8] ^= 1 << (bit % 8)
    flipped = "t" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert tickets.read(SECRET, EVENT, flipped) == "forged", bit  # a flipped tag bit too: never "another event"
    for cut in (token[:-1], token + "A", token[:20]):
        assert not isinstance(tickets.read(SECRET, EVENT, cut), tickets.Ticket)


async def test_the_scan_decision_refuses_forged_and_foreign_codes(db, conference):
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="2101", chat_id="2101")
        registrant = await get_or_create_account(session, channel="telegram", user_id="2001", chat_id="2001")
        delegate = await reg.register(session, conference, draft(), registrant=registrant, for_self=True)
        good = tickets.issue(SECRET, EVENT, delegate.id, delegate.ticket_version)
        raw = bytearray(base64.urlsafe_b64decode(good[1:] + "=" * (-len(good[1:]) % 4)))
        raw[-1] ^= 0x01
        flipped = "t" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        refused = {
            # another event's code cannot be verified here: refused as not valid, like a forged one
            "forged": [tickets.issue("not-the-secret", EVENT, delegate.id, 1), flipped,
                       tickets.issue(SECRET, "hue-2024", delegate.id, 1),
                       tickets.issue("not-the-secret", "hue-2024", delegate.id, 1)],
            "not_a_code": ["hello"],
            "replaced": [tickets.issue(SECRET, EVENT, delegate.id, 2)],
            "unknown": [tickets.issue(SECRET, EVENT, delegate.id + 1000, 1)],
        }
        for reason, codes in refused.items():
            for code in codes:
                for text in (code, f"https://t.me/dalat_delegate_bot?start={code}"):
                    decision = await checkin.scan(session, conference, SECRET, text, "conference", staff, "token")
                    assert (decision.outcome, decision.reason) == (checkin.REFUSED, reason), (reason, code)
        assert (await session.scalars(select(CheckIn))).all() == []
        decision = await checkin.scan(session, conference, SECRET, good, "conference", staff, "token")
        assert decision.outcome == checkin.CHECKED_IN


# -- the webhook ---------------------------------------------------------------------------------------

async def test_a_webhook_request_without_the_secret_cannot_act_as_the_organizer(fake, settings, db, clean_redis):
    """Posing as an organizer (ADMIN_IDS) is only a JSON body away for whoever finds the webhook address:
    the secret header is what stops it."""
    settings.webhook_secret = "s3cret-token-with-some-length"
    direct = await DirectBot.start(fake, settings, clean_redis)
    runner = web.AppRunner(create_web_app(direct.app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}{WEBHOOK_PATH}"
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)
    forged = {"update_id": 77, "message": {"message_id": 1, "date": 0, "chat": organizer.chat,
                                           "from": organizer.as_user, "text": "/invite_organizer",
                                           "entities": [{"type": "bot_command", "offset": 0, "length": 17}]}}
    try:
        async with ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""},
                            {"X-Telegram-Bot-Api-Secret-Token": "S3CRET-TOKEN-WITH-SOME-LENGTH"},
                            {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token-with-some-lengt"},
                            {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token-with-some-length-"},
                            {"X-Telegram-Bot-Api-Secret-Token": "test-secret"}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 401, headers
            assert organizer.inbox == [] and await direct.count(Invitation) == 0
            async with http.post(url, json=forged,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret}) as response:
                assert response.status == 200
        assert "https://t.me/" in (await organizer.next_message()).text
    finally:
        await runner.cleanup()
        await direct.close()
