"""Menus that work with buttons and with typing.

Every menu the bot sends is remembered in the conversation state; a typed number or label that
names one of its buttons is turned into that button's press (`TypedMenuAnswer`). So handlers
are written for callbacks once, and Telegram users who type, and the Zalo channel that has no
buttons at all, reach the same code.

A press that did what its button is for leaves a receipt (`done`): the same button pressed again (a double
tap: Telegram sends every tap, and the chat's updates are handled one after the other, see bot/infra/storage.py)
gets a short "already done" and nothing else (`AlreadyDone`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.services.choices import Choice, is_number, match_choice
from bot.services.confirmations import new_key
from bot.text import fold

log = logging.getLogger(__name__)

MENU_KEY = "_menu"
UNDER_KEY = "_under"  # the menu an aside (a venue question's choices) was shown over: typing still reaches it
TYPED_KEY = "_typed"  # the last typed press: [folded text, its menu's message id, when the bot began to answer it]
DONE_KEY = "_done"  # receipts: [message id, callback data, answer] of the last presses that did their work
RECEIPTS = 5
CONFIRMATION_KEY = "confirmation"  # the key of the review being shown (bot/services/confirmations.py)
TYPED_PREFIX = "typed:"  # callback ids of presses made by typing; never sent to Telegram


@dataclass(frozen=True)
class Button:
    label: str
    data: str
    aliases: tuple[str, ...] = ()  # other words a user may type for it (e.g. "26/7" for "Thứ Tư 26/7")


Menu = list[list[Button]]


def keyboard(menu: Menu) -> InlineKeyboardMarkup:
    """The menu as Telegram's keyboard; a menu shown before gives the same (unchanged) object, whose form text
    the session then has made already (bot/infra/telegram_session.py): the province list, for one, is shown
    to every delegate and costs 0.1–0.2 ms each time it is built and written out."""
    return _keyboard(tuple(tuple((b.label, b.data) for b in row) for row in menu))


@lru_cache(maxsize=512)
def _keyboard(rows: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row] for row in rows
    ])


def column(buttons: list[Button], width: int = 1) -> Menu:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


async def show(
    target: Message | CallbackQuery, state: FSMContext, text: str, menu: Menu | None = None, *,
    edit: bool = False, strict: bool = False, aside: bool = False,
    reply_keyboard: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> Message:
    """Send (or, for a button press, edit into place) a message with an optional menu, and remember it.

    `strict` menus sit beside a free-text question: only a number or a whole label counts as a press.
    `aside` menus (a venue question's choices) keep the menu they were shown over answerable by typing:
    "đăng ký" after a venue answer still means the main menu's button.
    """
    message = target.message if isinstance(target, CallbackQuery) else target
    markup = keyboard(menu) if menu else reply_keyboard
    sent: Message | bool | None = None
    if edit and is_button_press(target) and isinstance(message, Message) and reply_keyboard is None:
        try:
            sent = await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                sent = message
    if not isinstance(sent, Message):
        sent = await message.answer(text, reply_markup=markup)
    data = await state.get_data()
    receipts = data.get(DONE_KEY, [])
    kept = [r for r in receipts if r[0] != sent.message_id]  # new contents in that message: its buttons are new
    if not _remember(data, sent.message_id, menu, strict=strict, aside=aside) and kept == receipts:
        return sent  # nothing to remember or forget
    if kept != receipts:
        data[DONE_KEY] = kept
    await state.set_data(data)
    return sent


def _remember(data: dict[str, Any], mid: int, menu: Menu | None, *, strict: bool, aside: bool) -> bool:
    """The menu (and, for an aside, the one under it) in the conversation data; False if nothing changed."""
    current, under = data.get(MENU_KEY), data.get(UNDER_KEY)
    if aside:
        under = under if current and current.get("aside") else current
    else:
        under = None
    if menu:
        buttons = [[b.label, b.data, list(b.aliases)] for row in menu for b in row]
        current = {"mid": mid, "strict": strict, "buttons": buttons, **({"aside": True} if aside else {})}
    else:
        current, under = under, None  # an aside without a menu gives the typing back to the menu under it
    changed = (current, under) != (data.get(MENU_KEY), data.get(UNDER_KEY))
    for key, value in ((MENU_KEY, current), (UNDER_KEY, under)):
        if value:
            data[key] = value
        else:
            data.pop(key, None)
    return changed


def is_button_press(target: Message | CallbackQuery) -> bool:
    """A real tap on a button; a typed answer gets a new message, not an edit of the menu above it."""
    return isinstance(target, CallbackQuery) and not target.id.startswith(TYPED_PREFIX)


def typed_press(text: str, menu: dict[str, Any], *, numbers: bool = True) -> str | None:
    """The callback data of the button the typed text names, if any; by its words only when not `numbers`
    (a menu under an aside: its numbers are not the ones on the screen)."""
    if not numbers and is_number(text):
        return None
    choices = [Choice(key=data, label=label, aliases=tuple(aliases)) for label, data, aliases in menu["buttons"]]
    choice = match_choice(text, choices, loose=not menu.get("strict"))
    return choice.key if choice else None


async def confirmation_key(state: FSMContext) -> str:
    """The key of the review shown in this conversation, made the first time it is shown."""
    key = (await state.get_data()).get(CONFIRMATION_KEY)
    if not key:
        key = new_key()
        await state.update_data({CONFIRMATION_KEY: key})
    return key


async def done(callback: CallbackQuery, state: FSMContext, answer: str) -> None:
    """This press did its work: the same button pressed again is answered `answer` (AlreadyDone). Called last,
    after the handler's own state changes (state.clear() forgets the receipts)."""
    if callback.message is None:
        return
    data = await state.get_data()
    here = [callback.message.message_id, callback.data]
    receipts = [r for r in data.get(DONE_KEY, []) if r[:2] != here][-(RECEIPTS - 1):]
    await state.update_data({DONE_KEY: receipts + [here + [answer]]})


async def tell(target: CallbackQuery, text: str) -> None:
    """A short notice on a press: beside the button tapped, or (typed) as a message."""
    if is_button_press(target):
        await target.answer(text)
    else:
        await target.message.answer(text)


class AlreadyDone(BaseMiddleware):
    """A press of a button whose work is done (see `done`) gets its short answer; no handler runs."""

    async def __call__(self, handler: Callable[[CallbackQuery, dict[str, Any]], Awaitable[Any]],
                       event: CallbackQuery, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None and event.message is not None:
            here = [event.message.message_id, event.data]
            for receipt in (await state.get_data()).get(DONE_KEY, []):
                if receipt[:2] == here:
                    await tell(event, receipt[2])
                    return None
        return await handler(event, data)


class TypedMenuAnswer(BaseMiddleware):
    """A typed answer to the last menu (or to the menu under an aside) becomes that button's press, fed
    through the same routers.

    A double send (Zalo sends a typed "1" twice when the network hesitates) must not answer the next menu:
    the same text as the last typed press, sent before that press was answered, while its menu is gone,
    is dropped (`double_send`)."""

    async def __call__(self, handler: Callable[[Message, dict[str, Any]], Awaitable[Any]],
                       event: Message, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is None or not event.text or event.text.startswith("/"):
            return await handler(event, data)
        stored = await state.get_data()
        if double_send(event, stored):
            log.info("a typed answer sent twice was dropped")
            return None
        menu, pressed = None, None
        for menu, numbers in ((stored.get(MENU_KEY), True), (stored.get(UNDER_KEY), False)):
            pressed = typed_press(event.text, menu, numbers=numbers) if menu else None
            if pressed is not None:
                break
        if pressed is None:
            return await handler(event, data)
        began = time.time()
        result = await _press(event, data, menu, pressed)
        await state.update_data({TYPED_KEY: [fold(event.text), menu["mid"], began]})
        return result


async def _press(event: Message, data: dict[str, Any], menu: dict[str, Any], pressed: str) -> Any:
    """The button `pressed` of `menu`, pressed by the typed message `event`."""
    menu_message = Message(
        message_id=menu["mid"], date=datetime.now(timezone.utc), chat=event.chat,
        from_user=None, text=None,
    ).as_(data["bot"])
    callback = CallbackQuery(
        id=f"{TYPED_PREFIX}{event.chat.id}:{event.message_id}", from_user=event.from_user,
        chat_instance="typed", message=menu_message, data=pressed,
    ).as_(data["bot"])
    router = data["dispatcher"]
    extra = {k: v for k, v in data.items() if k not in ("handler", "event_update")}
    return await router.propagate_event(update_type="callback_query", event=callback,
                                        event_update=data.get("event_update"), **extra)


def double_send(event: Message, stored: dict[str, Any]) -> bool:
    """The same text as the last typed press, sent before the bot began to answer that press, its menu gone.

    "Sent before": the message's time (Zalo's to the millisecond; Telegram's whole seconds count as the
    end of their second) is earlier than the moment the first press's handling began: the person cannot
    have seen what came of the first, so this one answers the same menu again, not the next one."""
    last = stored.get(TYPED_KEY)
    if not last or fold(event.text or "") != last[0]:
        return False
    menu = stored.get(MENU_KEY)
    if menu and menu.get("mid") == last[1]:
        return False  # the menu it answered is still there: typed again on purpose
    sent = event.date.timestamp()
    if not event.date.microsecond:
        sent += 1
    return sent < last[2]
