"""Routing: each update reaches the same handler through the feature routers (bot/infra/routing.py, which try
only the handlers an update can reach) as through aiogram's own routers trying every handler in order; and
every handler is reached by some update.

Both dispatchers hold the very same handlers and filters (`plain` copies the lists); a recording middleware
notes which handler took the update instead of running it. The updates are every command the handlers know
(with and without arguments, deep links, a mention, upper case), typed words, a photo, a document, a contact,
a reply, in each conversation state the filters tell apart, for each kind of role, in a private chat and a group,
from Telegram and Zalo; and every button the callback data classes can make, with stale and forged data."""
from __future__ import annotations

import inspect
import itertools
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, Chat, Contact, Document, Message, PhotoSize, User

import handlers
from bot.infra.filters import run_on_the_loop
from bot.infra.routing import KINDS, Feature, Features, need_of
from bot.services import tickets
from handlers import start

SENDERS = [(set(), "telegram"), ({"organizer"}, "telegram"), ({"organizer"}, "zalo"), ({"staff"}, "telegram"),
           ({"sec:HN"}, "telegram"), ({"sec:HN"}, "zalo"), ({"organizer", "staff"}, "telegram")]  # (roles, channel)
ME = User(id=42, is_bot=True, first_name="Hội nghị", username="hoinghi_bot")
PERSON = User(id=7, is_bot=False, first_name="An")


def plain(feature: Feature) -> Router:
    """An aiogram Router with the feature's handlers and root filters, trying them all as aiogram does."""
    router = Router(name=feature.name)
    for kind in KINDS:
        router.observers[kind].handlers = feature.observers[kind].handlers
        router.observers[kind]._handler = feature.observers[kind]._handler
    return router


async def taken(handler, event, data):
    """Inner middleware: which handler the update reached (it is not run)."""
    return data["handler"]


def dispatchers() -> tuple[Dispatcher, Dispatcher]:
    features = handlers.routers()
    gated, reference = Dispatcher(), Dispatcher()
    grouped = Features(name="features")  # as bot/app.py builds it: features passed over when they cannot take it
    for feature in features:
        copy = plain(feature)
        for router in (feature, copy):
            for kind in KINDS:
                router.observers[kind].middleware(taken)
        grouped.include_router(feature)
        reference.include_router(copy)
    gated.include_router(grouped)
    run_on_the_loop(gated)
    return gated, reference


def states(features) -> list[str | None]:
    """Every state a state filter names (and none, and one no filter names), one of each set of states the
    filters do not tell apart (most registration steps)."""
    named: dict[str | None, set[int]] = {None: set(), "Elsewhere:step": set()}
    for feature in features:
        for kind in KINDS:
            for handler in feature.observers[kind].handlers:
                for each in handler.filters:
                    for state in need_of(inspect.unwrap(each.callback)).states or ():
                        named.setdefault(state, set()).add(id(each))
    alike: dict[frozenset[int], str | None] = {}
    for state in sorted(named, key=str):
        alike.setdefault(frozenset(named[state]), state)
    return list(alike.values())


def commands(features) -> list[str]:
    found = set()
    for feature in features:
        for handler in feature.message.handlers:
            for each in handler.filters:
                found |= need_of(inspect.unwrap(each.callback)).commands or set()
    return sorted(found)


def message(text=None, *, chat="private", sender=PERSON, **extra) -> Message:
    return Message(message_id=10, date=datetime.now(timezone.utc), chat=Chat(id=7 if chat == "private" else -100,
                   type=chat), from_user=sender, text=text, **extra)


def texts(names: list[str]) -> list[str]:
    token = tickets.issue("secret", "event", 1, 1)
    found = ["hello", "1", "Nguyen Van An", "dk 1234 5678", token, "/", "/unknown", "  ", "/start@other_bot",
             "/START", f"/start {token}", f"/start {start.INVITATION}abc", f"/start {start.CLAIM}abc",
             f"/start {start.NOMINEE}abc", "/start other", "/transport move 1 2", "/report HN", "/room 3 A1"]
    for name in names:
        found += [f"/{name}", f"/{name} x", f"/{name}@hoinghi_bot"]
    return found


def messages(names: list[str]) -> list[Message]:
    photo = [PhotoSize(file_id="f", file_unique_id="u", width=1, height=1)]
    found = [message(text) for text in texts(names)]
    found += [message(photo=photo), message(photo=photo, caption="/start"), message(photo=photo, caption="hi"),
              message(document=Document(file_id="f", file_unique_id="u")),
              message(contact=Contact(phone_number="0912345678", first_name="An")),
              message("hello", reply_to_message=message("question?", sender=ME)),
              message("hello", chat="group"), message("/start", chat="group"),
              message("answer", chat="supergroup", reply_to_message=message("question?", chat="supergroup"))]
    return found


def buttons(part: str) -> list[str]:
    words = ["lang", "province", "confirm", "change", "which", "faq", "reminders", "export", "import", "badges",
             "secretariat", "tr", "tr_go", "bc_en", "bc_to", "bc_go", "ag_go", "nope", ""]
    found = [f"p:{w}:{k}" for w in words for k in ("vi", "plan", "file")] + ["p:province:", "p::vi"]
    found += [f"d:{action}:{i}:" for action in ("show", "change", "field", "qr", "link", "cancel", "cancel_yes",
                                                 "list", "bogus", "") for i in ("2", "3")]
    found += ["d:field:2:phone", "d:field:2:nope", "d:show:x:", "d:show::", "d:show:2"]
    found += [f"go:{to}" for to in ("me", "register", "register_other", "schedule", "help", "lang", "nope")]
    found += [f"ck:{a}:{i}:{c}" for a in ("pick", "undo", "list", "bogus") for i in ("2", "") for c in ("", "x1", part)]
    found += [f"ag:{a}:{c}" for a in ("add", "part", "time", "place", "cancel", "restore", "bogus") for c in ("x1", "")]
    found += ["inv:revoke:3", "inv:bogus:3", "rl:remove:3:staff", "rl:remove:x:staff", "ob:cancel:3", "ob:bogus:3",
              "run:me", "run:ME", "run:", "p:lang", "p:lang:vi:extra", "unknown:1", "x"]
    return found


def press(data: str, *, chat="private") -> CallbackQuery:
    return CallbackQuery(id="1", from_user=PERSON, chat_instance="c", data=data,
                         message=message("menu", chat=chat, sender=ME))


@pytest.fixture
def stubs(monkeypatch):
    """The filters that read the database answer from the callback data instead."""
    from handlers import agenda_changes, me

    async def find_for(session, conference, account, delegate_id):
        return SimpleNamespace(active=delegate_id == 2) if delegate_id in (2, 3) else None

    async def current(session, conference, code):
        return SimpleNamespace(code=code) if code == "x1" else None

    monkeypatch.setattr(me.reg, "find_for", find_for)
    monkeypatch.setattr(agenda_changes, "current", current)


async def test_every_update_reaches_the_same_handler(stubs, conference):
    gated, reference = dispatchers()
    features = list(gated.sub_routers[0].sub_routers)
    bot = Bot("42:TEST")
    bot._me = ME
    storage = MemoryStorage()
    reached, updates = set(), 0
    cases = [("message", m) for m in messages(commands(features))]
    cases += [("callback_query", press(d)) for d in buttons(conference.parts[0].code)] + [("callback_query", press("go:me", chat="group"))]
    for (kind, event), raw_state, (roles, channel) in itertools.product(cases, states(features), SENDERS):
        if kind == "callback_query" and channel != "telegram":
            continue  # no button filter asks for the channel
        state = FSMContext(storage, StorageKey(bot_id=42, chat_id=7, user_id=7))
        await state.set_state(raw_state)
        data = {"bot": bot, "raw_state": raw_state, "state": state, "roles": roles, "channel": channel,
                "conference": conference, "session": None, "account": SimpleNamespace(id=1)}
        want = await reference.propagate_event(kind, event, **data)
        got = await gated.propagate_event(kind, event, **data)
        assert got is want, (kind, event.text if kind == "message" else event.data, raw_state, roles, channel)
        updates += 1
        if got is not UNHANDLED:
            reached.add(id(got))
    await bot.session.close()
    unreached = [f"{feature.name}.{handler.callback.__name__}" for feature in features for kind in KINDS
                 for handler in feature.observers[kind].handlers if id(handler) not in reached]
    assert unreached == [], unreached
    assert updates > 20_000
