"""A Zalo user who follows the host's OA, driven by tests: the events Zalo would post to the bot's webhook."""
from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from testkit.fakebot.sync import Signal

if TYPE_CHECKING:
    from .server import FakeOa, OaMessage


class FakeOaUser:
    def __init__(self, fake: FakeOa, user_id: str, phone: str) -> None:
        self.fake, self.id, self.phone = fake, user_id, phone
        self.following = True
        self.last_interaction = 0.0  # when they last wrote (the window, rules.py [WINDOW])
        self.inbox: list[OaMessage] = []
        self._consumed = 0
        self._signal = Signal()

    def event(self, name: str, **fields: Any) -> dict[str, Any]:
        """An event as Zalo posts it (rules.py [WEBHOOK]): app_id, sender, recipient, timestamp in ms (a string)."""
        return {"app_id": self.fake.app_id, "event_name": name, "sender": {"id": self.id},
                "recipient": {"id": "579745863508352884"}, "user_id_by_app": "app" + self.id,
                "timestamp": str(int(time.time() * 1000)), **fields}

    async def send(self, text: str) -> dict[str, Any]:
        self.last_interaction = time.time()
        event = self.event("user_send_text", message={"text": text, "msg_id": secrets.token_hex(16)})
        await self.fake.post(event)
        return event

    async def press(self, title: str) -> dict[str, Any]:
        """A button of the last message with buttons: Zalo sends its payload as the person's text [CS]."""
        for message in reversed(self.inbox[:self._consumed]):
            for button in message.buttons:
                if button["title"] == title:
                    return await self.send(button["payload"])
        raise AssertionError(f"no button {title!r} in {[m.buttons for m in self.inbox]}")

    async def share_phone(self) -> dict[str, Any]:
        """The answer to the request_user_info card [CS]."""
        self.last_interaction = time.time()
        event = self.event("user_submit_info", info={"name": "Zalo", "phone": self.phone, "address": ""})
        await self.fake.post(event)
        return event

    async def send_file(self) -> dict[str, Any]:
        self.last_interaction = time.time()
        event = self.event("user_send_file", message={"msg_id": secrets.token_hex(16), "attachments": [
            {"type": "file", "payload": {"url": "https://f.zalo.me/x.pdf", "name": "x.pdf", "size": "10"}}]})
        await self.fake.post(event)
        return event

    def receive(self, message: OaMessage) -> None:
        self.inbox.append(message)
        self._signal.notify()

    async def next_message(self, timeout: float = 5.0) -> OaMessage:
        if not await self._signal.wait_for(lambda: self._consumed < len(self.inbox), timeout):
            raise TimeoutError(f"no new OA message within {timeout}s; last: {self.inbox[-1:]!r}")
        self._consumed += 1
        return self.inbox[self._consumed - 1]

    async def until(self, part: str, timeout: float = 5.0) -> OaMessage:
        """The next message whose text or one of whose buttons holds `part`."""
        seen = []
        while True:
            try:
                message = await self.next_message(timeout)
            except TimeoutError:
                raise TimeoutError(f"no message with {part!r}; got {seen}") from None
            seen.append(message)
            if part in message.text or any(part in b["title"] for b in message.buttons):
                return message

    async def expect_silence(self, timeout: float = 0.5) -> None:
        if await self._signal.wait_for(lambda: self._consumed < len(self.inbox), timeout):
            raise AssertionError(f"unexpected OA message {self.inbox[self._consumed]!r}")
