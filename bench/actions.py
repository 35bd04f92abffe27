"""How many actions a person needs, and how many messages the bot sends, to register.

    .venv/bin/python -m bench.actions [--json bench/out/actions.json]

A simulated person talks to the real bot (aiogram polling loop, SQLite, memory storage) through the fake
Telegram (testkit/fakebot). They read each bot message and answer the question they recognise the way the
scenario says (tapping buttons, or typing), always taking the shortest way the message offers. Counted:
actions (messages sent + buttons pressed, the first /start included) and the bot's messages and edits, from
/start to the last message of the confirmation (the check-in code included). Scenarios:

  buttons   a Vietnamese delegate registers themself by tapping (free text typed: name, position, time); all
            three parts attended, lodging wanted, no note
  typed     the same delegate typing every answer (numbers and words without diacritics)
  delegation of 5  a province's secretariat registers 5 colleagues (Gia Lai, Ban Thi đua - Khen thưởng), all
            attending everything and travelling together: by a pasted list when the bot offers one
  5, one by one    the same without pasting: one colleague after the other, taking what the bot carries over

The person recognises questions by their words, not by the code, so the same person runs against an older
version of the bot (a git worktree of another commit): that is how the "before" column of bench/RESULTS.md was
measured. The stored records are checked at the end (every field the host needs, for every person).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bot.config import Settings
from bot.text import fold
from models import Database, Delegate
from testkit.fakebot import FakeMessage, FakeTelegram, FakeUser
from testkit.harness import RunningBot
from testkit.paths import EVENT_FILE

COLLEAGUES = [("Nguyễn Văn Một", "Trưởng ban", "0905 000 001"), ("Trần Thị Hai", "Phó Trưởng ban", "0905 000 002"),
              ("Lê Văn Ba", "Chuyên viên", "0905 000 003"), ("Phạm Thị Bốn", "Chuyên viên", "0905 000 004"),
              ("Hoàng Văn Năm", "Chuyên viên", "0905 000 005")]


@dataclass
class Person:
    u: FakeUser
    typing: bool = False
    actions: int = 0
    log: list[str] = field(default_factory=list)

    async def send(self, text: str) -> None:
        self.actions += 1
        self.log.append(f"> {text}")
        await self.u.send(text)

    async def press(self, label: str) -> None:
        self.actions += 1
        self.log.append(f"[{label}]")
        await self.u.press(label)

    async def contact(self, phone: str) -> None:
        self.actions += 1
        self.log.append("[📱 share contact]")
        await self.u.send_contact(phone)

    async def choose(self, message: FakeMessage, label: str, typed: str) -> None:
        """Tap the button, or type the words for it."""
        if self.typing:
            await self.send(typed)
        else:
            await self.press(next(b for b in message.buttons if b.startswith(label)))


def has(message: FakeMessage, *parts: str) -> bool:
    return any(part in message.text for part in parts)


def button(message: FakeMessage, prefix: str) -> str | None:
    return next((b for b in message.buttons if b.startswith(prefix)), None)


async def answer_registration(p: Person, m: FakeMessage, who: tuple[str, str, str], province: str,
                              category: str, for_self: bool) -> bool:
    """Answer the registration question in `m`, if it is one; True when it was answered."""
    name, position, phone = who
    if button(m, "🇻🇳 Tiếng Việt") and has(m, "Chọn ngôn ngữ"):
        await p.choose(m, "🇻🇳 Tiếng Việt", "tieng viet")
    elif has(m, "tỉnh/đơn vị nào", "Đại biểu thuộc tỉnh"):
        await p.choose(m, province, fold(province))
    elif has(m, "thành phần") and button(m, category):
        await p.choose(m, category, fold(category))
    elif has(m, "để in trên thẻ"):
        await p.send(name)
    elif has(m, "Số điện thoại di động") and not m.inline_buttons:
        await (p.contact(phone) if for_self and not p.typing else p.send(phone))
    elif has(m, "Chức vụ?"):
        await p.send(position)
    elif has(m, "Đơn vị công tác") and m.buttons:
        await p.choose(m, m.buttons[0], "1")  # the suggested organization
    elif button(m, "✅ Xong"):
        await _sessions(p, m)
    elif has(m, "mấy giờ"):
        await p.send("14:30")
    elif button(m, "Chưa xác định") and has(m, "Dự kiến đến"):
        if has(m, "nhập ngày và giờ"):
            await p.send("26/7 14:30")
        else:
            await p.choose(m, "Thứ Tư 26/7", "26/7")
    elif button(m, "Máy bay"):
        await p.choose(m, "Máy bay", "may bay")
    elif button(m, "Có, đề nghị bố trí"):
        await p.choose(m, "Có, đề nghị bố trí", "co")
    elif button(m, "Chưa xác định") and has(m, "rời"):  # the departure, day and time typed together
        await p.send("28/7 14:00")
    elif button(m, "Phòng đơn"):
        await p.choose(m, "Phòng đơn" if for_self else "Ở ghép cùng đoàn", "phong don" if for_self else "o ghep")
    elif button(m, "Không có gì thêm"):
        await p.choose(m, "Không có gì thêm", "khong co gi them")
    elif button(m, "✅ Xác nhận"):
        await p.choose(m, "✅ Xác nhận", "xac nhan")
    else:
        return False
    return True


async def _sessions(p: Person, m: FakeMessage) -> None:
    if button(m, "✅ Tất cả"):
        await p.choose(m, "✅ Tất cả", "tat ca")
    elif p.typing:
        await p.send("tat ca")
    elif unticked := button(m, "⬜"):
        await p.press(unticked)
    else:
        await p.press("✅ Xong")


async def converse(p: Person, until, act, timeout: float = 60) -> None:
    """Read every bot message; `act` answers those it recognises; stop once `until` holds."""
    while True:
        m = await p.u.next_message(timeout)
        if until(m):
            return
        await act(m)
        if until(m):
            return
        if p.actions > 120:
            raise RuntimeError("the person is going round in circles: " + " ".join(p.log[-20:]))


async def settle(u: FakeUser, quiet: float = 1.0, codes: int = 1) -> None:
    """Let the last messages arrive: the `codes` check-in codes (drawn beside the loop, they may come seconds
    after the confirmation: a pasted delegation's five were not counted before), then a link or two."""
    while sum(m.kind == "photo" for m in u.inbox) < codes:
        await u.next_message(30)
    while True:
        try:
            await u.next_message(quiet)
        except TimeoutError:
            return


def counts(p: Person) -> dict:
    messages = len(p.u.inbox)
    return {"actions": p.actions, "messages": messages, "edits": len(p.u._feed) - messages}


async def one_registration(fake: FakeTelegram, typing: bool) -> dict:
    p = Person(fake.user(5001 if typing else 5000, first_name="An", language_code="vi"), typing=typing)
    who = ("Nguyễn Văn An", "Phó Chủ tịch", "0905 123 456")
    await p.send("/start")

    async def act(m: FakeMessage) -> None:
        if button(m, "📝 Đăng ký cho bản thân"):
            await p.choose(m, "📝 Đăng ký cho bản thân", "1")
        else:
            await answer_registration(p, m, who, "Lâm Đồng", "Thường trực HĐND tỉnh", for_self=True)

    await converse(p, lambda m: has(m, "Đã đăng ký"), act)
    await settle(p.u)
    return counts(p) | {"transcript": p.log}


async def delegation(fake: FakeTelegram, user_id: int, paste: bool) -> dict:
    """5 colleagues: with paste, by a pasted list when the bot offers one; else one after another (with what
    the bot offers to carry over: the province, "same as", "add another")."""
    p = Person(fake.user(user_id, first_name="Văn phòng", language_code="vi"))
    await p.send("/start")
    todo = list(COLLEAGUES)
    current: list = [todo[0]]
    pasted = False
    finished: list[FakeMessage] = []

    async def act(m: FakeMessage) -> None:
        nonlocal pasted
        if paste and has(m, "để in trên thẻ") and has(m, "mỗi người một dòng") and not pasted:
            pasted = True
            await p.send("\n".join(", ".join(person) for person in todo))
            todo.clear()
        elif (label := button(m, "↩️ Như")) and not has(m, "Đã đăng ký"):
            await p.press(label)
        elif has(m, "Đã đăng ký") or has(m, "đã được đăng ký"):
            if pasted or len(todo) <= 1:
                todo.clear()
                finished.append(m)
                return
            todo.pop(0)
            current[0] = todo[0]
            if label := button(m, "➕ Thêm đồng nghiệp"):
                await p.press(label)
            else:
                await p.send("/start")
        elif (label := button(m, "👥")) or (label := button(m, "➕")):
            await p.press(label)
        else:
            await answer_registration(p, m, current[0], "Gia Lai", "Ban (Phòng) Thi đua - Khen thưởng",
                                      for_self=False)

    await converse(p, lambda m: bool(finished), act, timeout=60)
    await settle(p.u, 2.0, codes=len(COLLEAGUES))
    return counts(p) | {"transcript": p.log}


async def stored(db: Database) -> list[Delegate]:
    async with db.session() as session:
        return list(await session.scalars(select(Delegate).order_by(Delegate.id)))


def check(records: list[Delegate]) -> None:
    names = [r.full_name for r in records]
    expected = ["Nguyễn Văn An", "Nguyễn Văn An"] + [c[0] for c in COLLEAGUES] * 2
    assert names == expected, names
    for r in records:
        assert r.province and r.category and r.position and r.organization and r.phone, r.full_name
        assert len(r.part_codes) == 3 and r.arrival_date and r.arrival_time and r.travel_mode == "air", r.full_name
        assert r.needs_lodging and r.room_share, r.full_name
        assert r.departure_date is None or r.departure_time, r.full_name  # the lodging questions, where asked


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", default="bench/out/actions.json")
    parser.add_argument("--transcripts", action="store_true", help="print what the person did")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'actions.sqlite3'}"
        db = Database(url)
        await db.migrate()
        async with FakeTelegram() as fake:
            settings = Settings(_env_file=None, telegram_api_url=fake.base_url, telegram_bot_token=fake.token,
                                database_url=url, event_file=EVENT_FILE, secret_key="bench",
                                admin_ids=frozenset({9001}), send_rate_per_second=0)
            bot = RunningBot(settings)
            await bot.start()
            try:
                results = {"buttons": await one_registration(fake, typing=False),
                           "typed": await one_registration(fake, typing=True),
                           "delegation of 5": await delegation(fake, 5002, paste=True),
                           "5, one by one": await delegation(fake, 5003, paste=False)}
            finally:
                await bot.stop()
            check(await stored(db))
            rejected = len(fake.rejected)
        await db.close()
    print(f"{'scenario':<16} {'actions':>8} {'messages':>9} {'edits':>6}")
    for name, r in results.items():
        print(f"{name:<16} {r['actions']:>8} {r['messages']:>9} {r['edits']:>6}")
        if args.transcripts:
            print("   " + " ".join(r["transcript"]))
    print(f"rejected requests: {rejected}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    sys.exit(1 if rejected else 0)


if __name__ == "__main__":
    asyncio.run(main())
