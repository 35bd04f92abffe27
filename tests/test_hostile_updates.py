"""Bad input, property-based: thousands of random and hostile updates (huge and strange texts, forged
buttons, other chats, bots, replays, media, member updates) fed to the real dispatcher. Whatever comes
in: no handler raises, nothing is logged at ERROR, every Bot API call is one Telegram accepts, nobody
else's data or conversation changes, and the next real delegate is still answered."""
from __future__ import annotations

import logging
import os
import string
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import select

from bot.commands import COMMANDS
from bot.services import tickets
from models import (Account, AccountRole, AgendaChange, Broadcast, CheckIn, CheckInLog, Delegate, Invitation, Nominee,
                    OutboxMessage, Question, WebLogin)
from testkit.fakebot.files import photo_sizes
from testkit.feeding import DirectBot
from testkit.flows import (at_full_name, button_starting, choose_vietnamese, register_by_buttons, until_button,
                           until_text)

# Each property runs its examples on one bot (built once per test), each example a few updates. Derandomized,
# so CI tries the same ones every run; HOSTILE_EXAMPLES=5000 HOSTILE_RANDOM=1 explores further on a desk.
HOSTILE = settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "800")), deadline=None,
                   derandomize=not os.environ.get("HOSTILE_RANDOM"), database=None, print_blob=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large])

VICTIM, ORGANIZER, STAFF, NEWCOMER = 2001, 9001, 2101, 2201
ATTACKERS = (7001, 7002, 7003, 7004)  # plain delegates: new, registering, registered, asking
BOT_USERNAME = "dalat_delegate_bot"
GROUP = {"id": -100_777_000_1, "type": "supergroup", "title": "Đoàn Gia Lai"}
SMALL_GROUP = {"id": -4242, "type": "group", "title": "Nhóm"}
CHANNEL = {"id": -100_888_000_2, "type": "channel", "title": "Kênh tin"}
OTHER_BOT = {"id": 5_550_001, "is_bot": True, "first_name": "Spam", "username": "spam_bot"}
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
PROTECTED = (AgendaChange, Broadcast, OutboxMessage, Invitation, CheckIn, CheckInLog, Nominee, AccountRole, WebLogin)

# -- strategies --------------------------------------------------------------------------------------

chars = st.characters(codec="utf-8")  # every code point Telegram can carry, control characters included
ODD = ["\u202e", "\u202d", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x00", "\x07", "\x1b[31m",
       "\r\n", "\t", "\u0301", "👨‍👩‍👧‍👦", "🇻🇳", "🏳️‍🌈", "😀", "ﷺ", "עברית", "مرحبا", "𝕳𝖆", "Ạ", "ở", "<b>", "</i>",
       "&amp;", "&", "<a href='tg://x'>", "{name}", "{0}", "%s", "%(x)s", "\\", "'", '"', "`",
       "'; DROP TABLE delegates;--",
       "../../etc/passwd", "https://t.me/x?start=", "DK ", "#", "@", "/", "1", "0905123456", "+84905123456"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(chars, max_size=6)), max_size=40).map("".join)
huge_text = st.builds(lambda piece, n: (piece * n)[:n], st.sampled_from(["a", "Ạ", "😀", " ", "\u200b", "9", "ab c ",
                                                                          "đ\u202e"]),
                      st.integers(3900, 9000))
number_text = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats().map(repr),
                        st.sampled_from(["", " ", "0", "-0", "00", "1e309", "NaN", "inf", "null", "None", "true", "[]",
                                         "{}", "0x1F", "١٢٣", "１２３", "1/0", "27/7 25:61", "31/2 08:30"]))
urlsafe = string.ascii_letters + string.digits + "_-"
payload = st.one_of(
    st.text(urlsafe, max_size=64),
    st.builds(lambda p, rest: p + rest, st.sampled_from(["t", "i", "c", "n", "c1_", "c{victim}_", "c-1_", "c0x1_",
                                                          "c99999999999999999999_", "c 1_", "i" * 30]),
              st.text(urlsafe, max_size=62)),
    st.text(chars, max_size=70),
)
command_names = [c.name for c in COMMANDS] + ["desk", "admin", "start", "Start", "START", "debug", ""]
command_text = st.builds(
    lambda name, mention, args: f"/{name}{mention}{args}",
    st.sampled_from(command_names),
    st.sampled_from(["", "", f"@{BOT_USERNAME}", "@OtherBot", "@" + BOT_USERNAME.upper(), "@"]),
    st.one_of(st.just(""), st.builds(lambda a: " " + a, st.one_of(odd_text, number_text, payload))),
)
deep_link = st.builds(lambda p: f"/start {p}", payload)
claim_text = st.one_of(st.from_regex(r"[dđDĐ][kK] ?[:#.\-]? ?[0-9 .]{0,14}", fullmatch=True),
                       st.builds(lambda code: f"DK {code}", st.text(urlsafe, min_size=14, max_size=18)))
forged_token = st.builds(
    lambda secret, event, delegate, version, flip: _flip(tickets.issue(secret, event, delegate, version), flip),
    st.sampled_from(["test-secret", "not-the-secret", ""]), st.sampled_from(["dalat-2023", "hue-2024", ""]),
    st.integers(0, 2**32 - 1), st.integers(0, 2**16 - 1), st.integers(0, 300))
message_text = st.one_of(odd_text, huge_text, number_text, command_text, deep_link, claim_text,
                         forged_token, forged_token.map(lambda t: f"https://t.me/{BOT_USERNAME}?start={t}"),
                         st.text(chars, max_size=4200))


def _flip(token: str, n: int) -> str:
    """The token with its n-th character (after the "t") replaced by another one; n = 0: the token itself."""
    if n == 0:
        return token
    position = 1 + n % (len(token) - 1)
    replacement = urlsafe[(urlsafe.index(token[position]) + 1 + n // 33) % len(urlsafe)]
    return token[:position] + replacement + token[position + 1:]


FIELDS = ["", "show", "change", "field", "cancel", "cancel_yes", "link", "qr", "list", "new", "remove", "revoke",
          "undo", "pick", "part", "time", "place", "restore", "add", "organizer", "staff", "delegate", "lang", "faq",
          "export", "import", "valid", "no", "yes", "send", "again", "skip", "bc_en", "bc_to", "bc_go", "ag_go", "all",
          "province.lam_dong", "province:x", "part.conference", "absent_today", "h.1", "h.x", "h.", "h.-1",
          "h.99999999999999999999", "h.{question}", "{victim}", "{org_account}", "{victim_account}", "{checkin}",
          "{invitation}", "{broadcast}", "reception", "conference", "vi", "en", "xx", "me", "register",
          "register_other", "schedule", "help", "delegates_xlsx", "delegates_csv", "checkins", "rooms", "done",
          "phone", "full_name", "confirm", "reminders", "on", "off", "-1", "0", "2147483647", "2147483648",
          "99999999", "99999999999999999999", "1.5", "1e3", "True", "None", "%3A", "\x00", "ạ", "😀"]
PREFIXES = ["p", "d", "go", "ck", "inv", "ob", "ag", "rl", "P", "x", ""]
callback_field = st.one_of(st.sampled_from(FIELDS), st.integers(-2**70, 2**70).map(str),
                           st.text(chars, max_size=12))
callback_data = st.one_of(
    st.builds(lambda prefix, fields: ":".join([prefix, *fields]), st.sampled_from(PREFIXES),
              st.lists(callback_field, max_size=4)),
    st.builds(lambda rest: "ag:cancel:" + rest, st.text(urlsafe, min_size=60, max_size=60)),
    st.builds(lambda rest: "p:reg:" + rest, st.text(chars, max_size=58)),
    # packed as the bot packs them (Card and Desk carry three fields), and a few not quite
    st.sampled_from(["ob:cancel:-1", "d:show:99999999:", "d:show:99999999", "d:show:{victim}:",
                     "d:cancel_yes:{victim}:", "d:change:{victim}:", "d:field:{victim}:phone", "d:qr:{victim}:",
                     "d:link:{victim}:", "d:show:-{victim}:", "d:show:{victim}.0:", "d:show: {victim}:",
                     "d:show:0x1:", "d:show:99999999999999999999:", "d:show:2147483648:",
                     "ck:undo:{checkin}:", "ck:pick:{victim}:", "ck:list:0:conference", "inv:revoke:{invitation}",
                     "ob:cancel:{broadcast}", "rl:remove:{org_account}:organizer", "rl:remove:{staff_account}:staff",
                     "ag:cancel:conference", "ag:add", "p:export:delegates_xlsx", "p:bc_go:send", "p:ag_go:yes",
                     "p:import:valid", "p:faq:h.x", "p:faq:h.{question}", "p:faq:h.99999999999999999999",
                     "go:register", "p:lang:xx", "d:show:1:x:y:z", "d:show", ":", "::::", "d::"]),
    st.text(chars, max_size=64),
    st.none(),
    # real buttons of a delegate's menus, pressed where they do not belong (another chat, an old message)
    st.sampled_from(["go:me", "go:register", "go:register_other", "go:schedule", "go:help", "go:lang", "p:lang:vi",
                     "p:lang:en", "d:list:0:", "d:show:{own}:", "d:change:{own}:", "d:qr:{own}:", "d:cancel:{own}:",
                     "d:field:{own}:phone", "d:field:{own}:xx", "d:link:{own}:", "d:new:0:", "p:faq:no",
                     "p:faq:h.{question}", "p:reminders:on",
                     "p:reminders:off", "p:province:lam_dong", "p:category:x", "p:sessions:done",
                     "p:sessions:conference", "p:confirm:confirm", "p:confirm:cancel", "p:change:phone",
                     "p:arrival_date:unknown", "p:lodging:yes", "p:note:none", "p:organization:default"]),
)


@st.composite
def update(draw, senders: tuple[int, ...] = ATTACKERS) -> dict[str, Any]:
    """One hostile update as a plan; `materialize` turns it into the raw JSON Telegram would post."""
    kind = draw(st.sampled_from(["text", "text", "text", "callback", "callback", "callback", "media", "contact",
                                 "location", "edited", "group", "channel", "member", "bot", "replay"]))
    plan = {"kind": kind, "who": draw(st.sampled_from(senders))}
    if kind in ("text", "edited", "group"):
        plan["text"] = draw(message_text)
    if kind == "group":
        plan["chat"] = draw(st.sampled_from([GROUP, SMALL_GROUP]))
        plan["reply"] = draw(st.booleans())
        plan["anonymous"] = draw(st.booleans())
    if kind == "callback":
        plan["data"] = draw(callback_data)
        plan["where"] = draw(st.sampled_from(["menu", "menu", "menu", "inaccessible", "group", "inline"]))
    if kind == "media":
        plan["media"] = draw(st.sampled_from(["photo", "sticker", "document", "voice", "video_note", "dice", "venue"]))
        plan["caption"] = draw(st.one_of(st.none(), odd_text, huge_text))
        plan["file_name"] = draw(st.sampled_from(["list.xlsx", "list.csv", "x.exe", "", "../../a.xlsx",
                                                  "danh sách.XLSX"]))
        plan["file_bytes"] = draw(st.one_of(st.binary(max_size=200), st.sampled_from(
            [b"PK\x03\x04 not a zip", "Họ và tên,Chức vụ\n\"unclosed,x\n".encode(), b"\xff\xfe\x00garbage",
             "a;b;c\n1;2;3\n".encode("utf-16")])))
        plan["file_size"] = draw(st.sampled_from([None, 0, 10, 5 * 1024 * 1024 + 1, 10**9]))
    if kind == "contact":
        plan["owner"] = draw(st.sampled_from(["self", "victim", "organizer", "none", "bot"]))
        plan["phone"] = draw(st.one_of(st.sampled_from(["0905123456", "+84905123456", "84 905 123 456", "+1 202 555",
                                                        "", "0"]), number_text))
    if kind == "location":
        plan["lat"] = draw(st.floats(-90, 90))
        plan["lon"] = draw(st.floats(-180, 180))
    if kind == "member":
        plan["change"] = draw(st.sampled_from([("member", "kicked"), ("kicked", "member"), ("left", "member"),
                                               ("member", "left")]))
        plan["group"] = draw(st.booleans())
    if kind == "bot":
        plan["text"] = draw(st.one_of(command_text, odd_text))
        plan["private"] = draw(st.booleans())
    if kind == "replay":
        plan["back"] = draw(st.integers(1, 6))
    return plan


def _entry(item: str | dict) -> dict:
    return item if isinstance(item, dict) else {"kind": "text", "text": item}


def conversation(senders: tuple[int, ...], entries: list[str | dict]):
    """A way into some state (a command, a button), then hostile updates from the same senders."""
    first = st.builds(lambda who, item: _entry(item) | {"who": who}, st.sampled_from(senders),
                      st.sampled_from(entries))
    return st.builds(lambda head, rest: [head, *rest], first, st.lists(update(senders), max_size=5))


def _press(data: str) -> dict:
    return {"kind": "callback", "data": data, "where": "menu"}


DELEGATE_ENTRIES = ["/start", "/me", "/myqr", "/schedule", "/calendar", "/reminders", "/venue", "/lang", "/help",
                    "/cancel", "/checkin", "/find an", "/stats", "/export", "/import", "/broadcast", "/agenda",
                    "/invite_staff", "/roles", "/questions", "khách sạn ở đâu", "DK 12345678", _press("go:register"),
                    _press("go:register_other"), _press("d:change:{own}:"), _press("p:faq:h.{question}")]
PRIVILEGED_ENTRIES = ["/import", "/broadcast", "/agenda", "/export", "/checkin", "/find nguyen", "/find 0905",
                      "/stats", "/roles", "/invites", "/questions", "/invite_staff", "/start", "/me", "/cancel",
                      _press("ag:time:conference"), _press("ag:place:reception"), _press("ag:add"),
                      _press("ag:cancel:exchange"), _press("p:export:delegates_csv"), _press("p:bc_en:skip"),
                      _press("ck:list:0:conference"), _press("ck:pick:{victim}:"), _press("ck:undo:{checkin}:")]


# -- the world ---------------------------------------------------------------------------------------

class World:
    """The bot, a victim delegate, an organizer in the middle of a broadcast, a staff member, attackers."""

    def __init__(self, direct: DirectBot) -> None:
        self.direct, self.fake = direct, direct.fake
        self.ids: dict[str, int] = {}
        self.fed: list[dict] = []  # the last raw updates fed, for replays
        self.message_ids = iter(range(500_000, 10**9))

    def fill(self, text: str) -> str:
        for name, value in self.ids.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    async def setup(self) -> None:
        fake, direct = self.fake, self.direct
        async with direct.pumping():
            victim = fake.user(VICTIM, first_name="Nạn Nhân", language_code="vi")
            await choose_vietnamese(victim)
            await register_by_buttons(victim, name="Nguyễn Thị Nạn", phone="0905123456")
            organizer = fake.user(ORGANIZER, first_name="Ban tổ chức", language_code="en")
            await organizer.send("/start")  # Telegram says English: the language is not asked
            await until_button(organizer, "❓ Help")
            await organizer.send("/invite_staff")
            link = (await until_text(organizer, "https://t.me/")).text.split("?start=")[1].split()[0]
            await organizer.send("/invite_staff")  # an open invitation, for forged revokes
            await until_text(organizer, "https://t.me/")
            staff = fake.user(STAFF, first_name="Lễ tân", language_code="vi")
            await choose_vietnamese(staff)
            await staff.send(f"/start {link}")
            await until_text(staff, "đón tiếp")
            token = tickets.issue("test-secret", "dalat-2023", (await self.victim_row()).id, 1)
            await staff.send(token)
            await until_text(staff, "Nguyễn Thị Nạn")  # the victim is checked in
            await organizer.send("/broadcast")
            await until_text(organizer, "Vietnamese")
            await organizer.send("Xe đưa đón lúc 07:15")
            await until_button(organizer, "Skip: Vietnamese for everyone")
            # the attackers: one new (no language yet), one registering, one registered, one who asked
            for user_id in ATTACKERS:
                fake.user(user_id, first_name=f"Kẻ {user_id}", started=True)  # asked the language
            await fake.users[7001].send("/start")
            await until_button(fake.users[7001], "🇻🇳 Tiếng Việt")
            await choose_vietnamese(fake.users[7002])
            await fake.users[7002].press(button_starting("📝"))
            await until_button(fake.users[7002], "Lâm Đồng")
            await choose_vietnamese(fake.users[7003])
            await register_by_buttons(fake.users[7003], name="Trần Văn Ba", phone="0912345678")
            await choose_vietnamese(fake.users[7004])
            await fake.users[7004].send("khách sạn ở đâu vậy, có xe đưa đón không")
            await fake.users[7004].messages_until(lambda m: bool(m.buttons))
            fake.user(NEWCOMER, first_name="Người mới", started=True)  # asked the language
        async with direct.db.session() as session:
            accounts = {a.user_id: a.id for a in (await session.scalars(select(Account))).unique()}
            self.ids.update(
                victim=(await self.victim_row()).id, victim_account=accounts[str(VICTIM)],
                org_account=accounts[str(ORGANIZER)], staff_account=accounts[str(STAFF)],
                checkin=await session.scalar(select(CheckIn.id)),
                own=await session.scalar(select(Delegate.id).where(Delegate.full_name == "Trần Văn Ba")),
                question=await session.scalar(select(Question.id).where(Question.account_id == accounts["7004"])),
                invitation=await session.scalar(select(Invitation.id).where(Invitation.used_at.is_(None))),
                broadcast=0,
            )

    async def victim_row(self) -> Delegate:
        async with self.direct.db.session() as session:
            return await session.scalar(select(Delegate).where(Delegate.full_name == "Nguyễn Thị Nạn"))

    async def snapshot(self) -> dict:
        """Everything an attacker must not be able to change."""
        def row(obj) -> dict:
            return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}

        attackers = {str(a) for a in (*ATTACKERS, NEWCOMER)}
        async with self.direct.db.session() as session:
            accounts = {a.id: a for a in (await session.scalars(select(Account))).unique()}
            delegates = [d for d in await session.scalars(select(Delegate).order_by(Delegate.id))
                         if not {accounts.get(d.account_id), accounts.get(d.registered_by_id)} & {
                             a for a in accounts.values() if a.user_id in attackers}]
            shot = {
                "delegates": [row(d) | {"sessions": d.part_codes} for d in delegates],
                "accounts": [row(a) for a in accounts.values() if a.user_id not in attackers],
            }
            for model in PROTECTED:
                shot[model.__name__] = [row(r) for r in await session.scalars(select(model))]
        for user_id in (VICTIM, ORGANIZER, STAFF):
            shot[f"fsm {user_id}"] = await self.direct.fsm(user_id)
            # nothing is sent to them, but a question an attacker passes on to the organizers
            shot[f"chat {user_id}"] = [m.message_id for m in self.fake.users[user_id].inbox
                                       if not m.text.startswith("❓")]
        return shot

    # -- turning a plan into Telegram's JSON --------------------------------------------------------

    def user(self, user_id: int) -> dict:
        return self.fake.users[user_id].as_user

    def message(self, chat: dict, sender: dict | None, **content) -> dict:
        base = {"message_id": next(self.message_ids), "date": int(time.time()), "chat": chat}
        return base | ({"from": sender} if sender else {}) | content

    @staticmethod
    def with_text(text: str) -> dict:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/") and len(text) > 1:
            command = text.split(maxsplit=1)[0] if text.split() else text
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.encode("utf-16-le")) // 2}]
        return content

    def menu_message(self, user_id: int) -> dict:
        """The newest bot message in the attacker's chat that has buttons (else any), as Telegram sends it."""
        inbox = [m for m in self.fake.users[user_id].inbox if not m.deleted]
        with_buttons = [m for m in inbox if m.inline_buttons]
        chosen = (with_buttons or inbox)[-1]
        return self.fake.users[user_id].history[chosen.message_id]

    def materialize(self, plan: dict) -> dict | None:
        who = plan["who"]
        attacker = self.fake.users[who]
        private = attacker.chat
        kind = plan["kind"]
        if kind == "text":
            return {"message": self.message(private, attacker.as_user, **self.with_text(self.fill(plan["text"])))}
        if kind == "edited":
            message = self.message(private, attacker.as_user, **self.with_text(self.fill(plan["text"])))
            return {"edited_message": message | {"edit_date": int(time.time())}}
        if kind == "group":
            sender = ANONYMOUS_ADMIN if plan["anonymous"] else attacker.as_user
            content = self.with_text(plan["text"])
            if plan["anonymous"]:
                content["sender_chat"] = plan["chat"]
            if plan["reply"]:
                content["reply_to_message"] = self.message(plan["chat"], self.fake.bot_user, text="❓ Câu hỏi #1")
            return {"message": self.message(plan["chat"], sender, **content)}
        if kind == "channel":
            return {"channel_post": self.message(CHANNEL, None, sender_chat=CHANNEL, text="/start")}
        if kind == "bot":
            chat = {"id": OTHER_BOT["id"], "type": "private", "first_name": "Spam"} if plan["private"] else GROUP
            return {"message": self.message(chat, OTHER_BOT, **self.with_text(plan["text"]))}
        if kind == "callback":
            data = self.fill(plan["data"]) if plan["data"] is not None else None
            query: dict[str, Any] = {"id": self.fake.register_callback_query(attacker, data or ""),
                                     "from": attacker.as_user, "chat_instance": f"{who}0"}
            if data is not None:
                query["data"] = data
            where = plan["where"]
            if where == "menu":
                query["message"] = self.menu_message(who)
            elif where == "inaccessible":  # a message older than 48 hours
                query["message"] = {"chat": private, "message_id": self.menu_message(who)["message_id"], "date": 0}
            elif where == "group":  # a menu forwarded to a group and pressed there
                query["message"] = self.message(plan.get("chat", GROUP), self.fake.bot_user, text="📋",
                                                reply_markup={"inline_keyboard": [[{"text": "x",
                                                                                    "callback_data": data or "x"}]]})
            else:
                query["inline_message_id"] = "AAAAAGhvc3RpbGU"
            return {"callback_query": query}
        if kind == "media":
            return {"message": self.message(private, attacker.as_user, **self.media(plan))}
        if kind == "contact":
            owner = {"self": who, "victim": VICTIM, "organizer": ORGANIZER, "none": None,
                     "bot": OTHER_BOT["id"]}[plan["owner"]]
            contact = {"phone_number": plan["phone"], "first_name": "Ai đó"} | ({"user_id": owner} if owner else {})
            return {"message": self.message(private, attacker.as_user, contact=contact)}
        if kind == "location":
            return {"message": self.message(private, attacker.as_user,
                                            location={"latitude": plan["lat"], "longitude": plan["lon"]})}
        if kind == "member":
            old, new = plan["change"]
            chat = GROUP if plan["group"] else private
            return {"my_chat_member": {
                "chat": chat, "from": attacker.as_user, "date": int(time.time()),
                "old_chat_member": {"status": old, "user": self.fake.bot_user} | (
                    {"until_date": 0} if old == "kicked" else {}),
                "new_chat_member": {"status": new, "user": self.fake.bot_user} | (
                    {"until_date": 0} if new == "kicked" else {})}}
        if kind == "replay":
            return self.fed[-plan["back"]] if len(self.fed) >= plan["back"] else None
        raise AssertionError(kind)

    def media(self, plan: dict) -> dict:
        kind, caption = plan["media"], plan["caption"]
        extra = {"caption": caption} if caption else {}
        if kind == "photo":
            stored = self.fake.files.store(b"\x89PNG\r\n\x1a\n not really", "photos", "p.png", "image/png")
            return {"photo": photo_sizes(stored)} | extra
        if kind in ("sticker", "voice", "video_note", "document"):
            stored = self.fake.files.store(plan["file_bytes"], "files", plan["file_name"] or None)
            ids = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
            if kind == "sticker":
                return {"sticker": ids | {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                                          "is_video": False, "emoji": "👍"}}
            if kind == "voice":
                return {"voice": ids | {"duration": 3}} | extra
            if kind == "video_note":
                return {"video_note": ids | {"length": 240, "duration": 2}}
            size = {"file_size": plan["file_size"]} if plan["file_size"] is not None else {}
            return {"document": ids | {"file_name": plan["file_name"]} | size} | extra
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 6}}
        return {"venue": {"location": {"latitude": 11.94, "longitude": 108.44}, "title": "Nơi khác",
                          "address": "?"}}

    async def feed(self, plan: dict) -> None:
        raw = self.materialize(plan)
        if raw is None:
            return
        if "update_id" not in raw:
            raw = {"update_id": self.direct.next_id(), **raw}
        self.fed = (self.fed + [raw])[-8:]
        await self.direct.feed(raw)

    async def newcomer_still_answered(self) -> None:
        newcomer = self.fake.users[NEWCOMER]
        seen = await self.direct.say(newcomer, "/start")
        assert any(m.text.startswith("Chọn ngôn ngữ") for m in seen), seen


def errors_in(caplog) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
async def world(fake, settings, db, clean_redis):
    direct = await DirectBot.start(fake, settings, clean_redis)
    try:
        w = World(direct)
        await w.setup()
        yield w
    finally:
        await direct.close()


def _said(who: int, text: str) -> dict:
    return {"kind": "text", "who": who, "text": text}


def _pressed(who: int, data: str | None, where: str = "menu") -> dict:
    return {"kind": "callback", "who": who, "data": data, "where": where}


@HOSTILE
@given(plans=conversation(ATTACKERS, DELEGATE_ENTRIES))
# the defects these properties found first, tried on every run
@example(plans=[{"kind": "bot", "who": 7001, "text": "/start", "private": True}])  # a bot writing in private
@example(plans=[{"kind": "group", "who": 7002, "text": "ok", "chat": GROUP, "reply": True, "anonymous": True}])
@example(plans=[_pressed(7003, "go:me", "group"), _pressed(7003, "p:lang:vi", "inline"),
                _pressed(7003, "d:show:{own}:", "inaccessible")])  # buttons pressed outside their chat
@example(plans=[_pressed(7003, "go:help"), {"kind": "replay", "who": 7003, "back": 1}])  # a press delivered twice
@example(plans=[_said(7001, "/start c9223372036854775808_"), _pressed(7003, "d:show:99999999999999999999:"),
                _pressed(7004, "p:faq:h.x"), _pressed(7004, "p:faq:h.99999999999999999999")])  # ids out of range
@example(plans=[_said(7001, "/cancel"), _said(7001, "khách sạn\x00 ở đâu")])  # NUL, which PostgreSQL refuses
async def test_hostile_updates_change_nothing_of_anyone_else(world, caplog, plans):
    """Plain delegates (new, registering, registered, asking) send anything at all."""
    if not hasattr(world, "before"):
        world.before = await world.snapshot()
    caplog.clear()
    for plan in plans:
        await world.feed(plan)
    assert errors_in(caplog) == []
    assert world.fake.rejected == []
    assert await world.snapshot() == world.before
    await world.newcomer_still_answered()


@settings(HOSTILE, max_examples=max(1, HOSTILE.max_examples * 3 // 8))
@given(plans=conversation((STAFF, ORGANIZER), PRIVILEGED_ENTRIES))
@example(plans=[_said(STAFF, "/checkin"), {"kind": "media", "who": STAFF, "media": "photo", "caption": None,
                                           "file_name": "", "file_bytes": b"", "file_size": None}])  # not a picture
@example(plans=[_said(ORGANIZER, "/broadcast"), _said(ORGANIZER, "Xe\x00 lúc 7h"), _pressed(ORGANIZER, "p:bc_en:skip"),
                _pressed(ORGANIZER, "p:bc_to:staff"), _pressed(ORGANIZER, "p:bc_go:send")])  # NUL in a broadcast
@example(plans=[_pressed(ORGANIZER, "ag:place:reception"), _said(ORGANIZER, "| Hall A"), _pressed(ORGANIZER, "ag:add:"),
                _said(ORGANIZER, " | ")])  # a place or title without its Vietnamese
async def test_staff_and_organizers_sending_garbage_break_nothing(world, caplog, plans):
    """Staff and organizers may change things with their buttons; garbage from them must still be handled."""
    caplog.clear()
    for plan in plans:
        await world.feed(plan)
    assert errors_in(caplog) == []
    assert world.fake.rejected == []
    await world.newcomer_still_answered()


@pytest.fixture
async def direct(fake, settings, db, clean_redis):
    bot = await DirectBot.start(fake, settings, clean_redis)
    yield bot
    await bot.close()


@pytest.mark.parametrize("answer", ["A", "0", " ", "\u200b", "x" * 300])
async def test_a_too_short_or_too_long_answer_is_refused_politely(direct, answer):
    """Found by the property above: a one-character answer to a text step ("too_short") raised KeyError."""
    u = direct.fake.user(7101, first_name="Lan", language_code="vi")
    async with direct.pumping():
        await choose_vietnamese(u)
        await at_full_name(u)
    refusal, asked_again = await direct.say(u, answer)
    assert refusal.text in ("Nội dung quá ngắn.", "Vui lòng nhập câu trả lời.", "Vui lòng nhập bằng chữ.") or (
        "quá dài" in refusal.text), refusal
    assert "Họ và tên" in asked_again.text
