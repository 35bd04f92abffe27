"""A Telegram user in a private chat with the bot, driven by tests."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .files import photo_sizes
from .html import utf16_len
from .models import CallbackAnswer, FakeMessage
from .sync import Signal

if TYPE_CHECKING:
    from .server import FakeTelegram

OWN_CONTACT = object()  # send_contact default: the user's own number
ButtonMatcher = str | Callable[[dict[str, Any]], bool] | None


class FakeUser:
    def __init__(
        self, fake: FakeTelegram, user_id: int, first_name: str, last_name: str | None,
        username: str | None, language_code: str | None, started: bool,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        # Telegram only knows the chat once the user has written to the bot.
        self.started = started
        self.blocked = False
        self.inbox: list[FakeMessage] = []
        self.callback_answers: list[CallbackAnswer] = []
        self._index: dict[int, int] = {}  # bot message id -> position in inbox
        self.history: dict[int, dict[str, Any]] = {}  # every message in the chat, by id
        self._message_ids = itertools.count(1)
        self._feed: list[FakeMessage] = []  # sends and edits, in order, for next_message
        self._consumed = 0
        self._signal = Signal()

    def __repr__(self) -> str:
        return f"<FakeUser {self.id} {self.first_name!r}>"

    @property
    def as_user(self) -> dict[str, Any]:
        """The Bot API User object."""
        user = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name, "username": self.username,
            "language_code": self.language_code,
        }
        return user | {key: value for key, value in optional.items() if value is not None}

    @property
    def chat(self) -> dict[str, Any]:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        return chat | {key: value for key, value in optional.items() if value is not None}

    @property
    def last(self) -> FakeMessage | None:
        return self.inbox[-1] if self.inbox else None

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """The custom keyboard the user currently sees, if any."""
        for message in reversed(self.inbox):
            markup = message.reply_markup or {}
            if "keyboard" in markup:
                return markup
            if "remove_keyboard" in markup:
                return None
        return None

    # -- what the user does ------------------------------------------------

    async def send(self, text: str, *, reply_to: FakeMessage | None = None) -> dict[str, Any]:
        """A text message (optionally a reply to a bot message); a leading /command gets its bot_command entity."""
        content: dict[str, Any] = {"text": text}
        if reply_to is not None:
            content["reply_to_message"] = reply_to.raw
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._message(content)

    async def send_contact(
        self, phone_number: str, *, user_id: int | object | None = OWN_CONTACT,
        first_name: str | None = None, last_name: str | None = None,
    ) -> dict[str, Any]:
        """The user's own contact by default; pass user_id (or None) for someone else's."""
        contact: dict[str, Any] = {
            "phone_number": phone_number, "first_name": first_name or self.first_name,
        }
        if last_name or (user_id is OWN_CONTACT and self.last_name):
            contact["last_name"] = last_name or self.last_name
        owner = self.id if user_id is OWN_CONTACT else user_id
        if owner is not None:
            contact["user_id"] = owner
        return self._message({"contact": contact})

    async def send_photo(self, data: bytes, caption: str | None = None) -> dict[str, Any]:
        stored = self.fake.files.store(data, "photos", "photo.png", "image/png")
        return self._message(self._with_caption({"photo": photo_sizes(stored)}, caption))

    async def send_document(
        self, data: bytes, file_name: str, caption: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> dict[str, Any]:
        stored = self.fake.files.store(data, "documents", file_name, mime_type)
        document = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_name": file_name, "mime_type": mime_type, "file_size": len(data),
        }
        return self._message(self._with_caption({"document": document}, caption))

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = self.fake.files.store(b"", "stickers", "sticker.webp", "image/webp")
        sticker = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "type": "regular", "width": 512, "height": 512, "is_animated": False,
            "is_video": False, "emoji": emoji,
        }
        return self._message({"sticker": sticker})

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._message({"location": {"latitude": latitude, "longitude": longitude}})

    async def press(
        self, button: ButtonMatcher = None, *, callback_data: str | None = None,
        message: FakeMessage | None = None,
    ) -> dict[str, Any]:
        """Press an inline button: by exact text, by predicate on the button dict, or by
        callback_data; on the newest message that has it, or on `message`.

        Pressing by callback_data on a given message works even if its keyboard
        no longer has that button: that is a double tap racing an edit.
        """
        if button is None and callback_data is None:
            raise ValueError("press() needs a button text, a predicate or callback_data")
        target, data = self._find_button(button, callback_data, message)
        query_id = self.fake.register_callback_query(self, data)
        query = {
            "id": query_id, "from": self.as_user, "message": target.raw,
            "chat_instance": f"{self.id}0", "data": data,
        }
        return self._push("callback_query", query)

    async def press_together(
        self, button: ButtonMatcher = None, *, times: int = 2, callback_data: str | None = None,
        message: FakeMessage | None = None,
    ) -> list[dict[str, Any]]:
        """A double (or triple) tap: the same button pressed `times` times before the bot has answered any,
        so the bot may take the presses in one getUpdates batch (or one webhook burst)."""
        target, data = self._find_button(button, callback_data, message)
        return [await self.press(callback_data=data, message=target) for _ in range(times)]

    async def tap(self, text: str) -> dict[str, Any]:
        """Press a button of the reply keyboard the user currently sees."""
        rows = (self.reply_keyboard or {}).get("keyboard", [])
        button = next((b for row in rows for b in row if b["text"] == text), None)
        if button is None:
            shown = [b["text"] for row in rows for b in row]
            raise LookupError(f"{self}: no reply keyboard button {text!r}; keyboard: {shown}")
        if any(key.startswith("request_") for key in button):
            raise LookupError(f"{self}: {text!r} makes the client share data; send it directly")
        return await self.send(text)

    def block(self) -> None:
        """Block the bot: sends fail with 403, the bot gets a my_chat_member update."""
        self.blocked = True
        self._member_update("member", "kicked")

    def unblock(self) -> None:
        self.blocked = False
        self._member_update("kicked", "member")

    # -- what the user sees ------------------------------------------------

    async def next_message(self, timeout: float = 5.0) -> FakeMessage:
        """The next bot message or edit to this chat not yet returned by this method."""
        if not await self._signal.wait_for(lambda: self._consumed < len(self._feed), timeout):
            raise TimeoutError(
                f"{self}: no new bot message within {timeout}s; last message: {self.last!r}"
            )
        self._consumed += 1
        return self._feed[self._consumed - 1]

    async def messages_until(
        self, predicate: Callable[[FakeMessage], bool], timeout: float = 5.0
    ) -> list[FakeMessage]:
        """Consume messages up to and including the first that satisfies predicate."""
        deadline = time.monotonic() + timeout
        seen: list[FakeMessage] = []
        while True:
            try:
                message = await self.next_message(max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise TimeoutError(
                    f"{self}: no matching message within {timeout}s; got {seen}"
                ) from None
            seen.append(message)
            if predicate(message):
                return seen

    async def expect_silence(self, timeout: float = 0.5) -> None:
        """Assert the bot sends or edits nothing in this chat for `timeout` seconds."""
        if await self._signal.wait_for(lambda: self._consumed < len(self._feed), timeout):
            raise AssertionError(f"{self}: unexpected bot message {self._feed[self._consumed]!r}")

    async def answer_for(self, update: dict[str, Any], timeout: float = 5.0) -> CallbackAnswer:
        """The bot's answerCallbackQuery for the update returned by press()."""
        query_id = update["callback_query"]["id"]

        def answer() -> CallbackAnswer | None:
            return next((a for a in self.callback_answers if a.query_id == query_id), None)

        if (found := await self._signal.wait_for(answer, timeout)) is None:
            raise TimeoutError(f"{self}: callback query {query_id} not answered within {timeout}s")
        return found

    def bot_message(self, message_id: int) -> FakeMessage | None:
        position = self._index.get(message_id)
        return None if position is None else self.inbox[position]

    # -- used by the fake's Bot API methods --------------------------------

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def add_bot_message(self, message: FakeMessage) -> None:
        self._index[message.message_id] = len(self.inbox)
        self.inbox.append(message)
        self.history[message.message_id] = message.raw
        self._feed.append(message)
        self._signal.notify()

    def update_bot_message(self, message: FakeMessage, *, announce: bool) -> None:
        """Replace a message's state; announce=True makes it a next_message() event."""
        self.inbox[self._index[message.message_id]] = message
        self.history[message.message_id] = message.raw
        if announce:
            self._feed.append(message)
        self._signal.notify()

    def add_callback_answer(self, answer: CallbackAnswer) -> None:
        self.callback_answers.append(answer)
        self._signal.notify()

    # -- internals ---------------------------------------------------------

    def _with_caption(self, content: dict[str, Any], caption: str | None) -> dict[str, Any]:
        return content | ({"caption": caption} if caption else {})

    def _message(self, content: dict[str, Any]) -> dict[str, Any]:
        if self.blocked:
            raise RuntimeError(f"{self} has blocked the bot; call unblock() first")
        message = {
            "message_id": self.next_message_id(), "from": self.as_user, "chat": self.chat,
            "date": int(time.time()), **content,
        }
        self.history[message["message_id"]] = message
        self.started = True
        return self._push("message", message)

    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.fake.updates.push(kind, payload, self.id)

    def _member_update(self, old: str, new: str) -> None:
        if not self.started:
            return  # Telegram has no chat to report on
        bot = self.fake.bot_user
        self._push(
            "my_chat_member",
            {
                "chat": self.chat, "from": self.as_user, "date": int(time.time()),
                "old_chat_member": {"status": old, "user": bot},
                "new_chat_member": {"status": new, "user": bot}
                | ({"until_date": 0} if new == "kicked" else {}),
            },
        )

    def _find_button(
        self, button: ButtonMatcher, callback_data: str | None, message: FakeMessage | None
    ) -> tuple[FakeMessage, str]:
        if message is not None:
            current = self.bot_message(message.message_id)
            if current is None or current.deleted:
                raise LookupError(f"{self}: message #{message.message_id} is gone")
            candidates = [current]
        else:
            candidates = [m for m in reversed(self.inbox) if not m.deleted]
        for candidate in candidates:
            for found in candidate.inline_buttons:
                if _matches(found, button, callback_data):
                    if "callback_data" not in found:
                        raise LookupError(f"{self}: button {found} sends no callback query")
                    return candidate, found["callback_data"]
        if message is not None and callback_data is not None:
            return candidates[0], callback_data
        shown = [(m.message_id, m.buttons) for m in candidates if m.buttons]
        raise LookupError(f"{self}: no inline button {button or callback_data!r}; visible: {shown}")


def _matches(found: dict[str, Any], button: ButtonMatcher, callback_data: str | None) -> bool:
    if callback_data is not None and found.get("callback_data") != callback_data:
        return False
    if callable(button):
        return bool(button(found))
    return button is None or found["text"] == button
