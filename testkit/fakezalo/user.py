"""A Zalo user in a private chat with the bot, driven by tests."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from testkit.fakebot.sync import Signal

from .models import ZaloMessage

if TYPE_CHECKING:
    from .server import FakeZalo


class FakeZaloUser:
    def __init__(self, fake: FakeZalo, user_id: str, display_name: str) -> None:
        self.fake, self.id, self.display_name = fake, user_id, display_name
        self.started = False  # Zalo lets a bot write only to someone who has written to it
        self.blocked = False
        self.inbox: list[ZaloMessage] = []
        self._consumed = 0
        self._signal = Signal()

    def __repr__(self) -> str:
        return f"<FakeZaloUser {self.id} {self.display_name!r}>"

    # -- what the user does -------------------------------------------------------------------

    async def send(self, text: str) -> dict[str, Any]:
        return self._event("message.text.received", {"text": text})

    async def send_image(self, data: bytes = b"\x89PNG\r\n\x1a\n" + b"0" * 64, *, key: str = "photo_url",
                         caption: str | None = None) -> dict[str, Any]:
        """An image (served by the fake at a URL, as Zalo's CDN would); `key` "photo" or "photo_url"."""
        content: dict[str, Any] = {key: self.fake.host_image(data)}
        if caption:
            content["caption"] = caption
        return self._event("message.image.received", content)

    async def send_sticker(self) -> dict[str, Any]:
        return self._event("message.sticker.received", {"sticker": "zalo-sticker-1",
                                                        "url": f"{self.fake.base_url}/sticker.webp"})

    async def send_unsupported(self) -> dict[str, Any]:
        """A message whose content Zalo hides from bots (a protected user, a file, a voice note…)."""
        return self._event("message.unsupported.received", {})

    def block(self) -> None:
        self.blocked = True

    # -- what the user sees -------------------------------------------------------------------

    async def next_message(self, timeout: float = 5.0) -> ZaloMessage:
        if not await self._signal.wait_for(lambda: self._consumed < len(self.inbox), timeout):
            last = self.inbox[-1] if self.inbox else None
            raise TimeoutError(f"{self}: no new bot message within {timeout}s; last: {last!r}")
        self._consumed += 1
        return self.inbox[self._consumed - 1]

    async def messages_until(self, predicate: Callable[[ZaloMessage], bool], timeout: float = 5.0) -> list[ZaloMessage]:
        deadline = time.monotonic() + timeout
        seen: list[ZaloMessage] = []
        while True:
            try:
                message = await self.next_message(max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise TimeoutError(f"{self}: no matching message within {timeout}s; got {seen}") from None
            seen.append(message)
            if predicate(message):
                return seen

    async def until_text(self, part: str, timeout: float = 5.0) -> ZaloMessage:
        return (await self.messages_until(lambda m: part in m.text, timeout))[-1]

    async def expect_silence(self, timeout: float = 0.5) -> None:
        if await self._signal.wait_for(lambda: self._consumed < len(self.inbox), timeout):
            raise AssertionError(f"{self}: unexpected bot message {self.inbox[self._consumed]!r}")

    # -- used by the fake ---------------------------------------------------------------------

    def receive(self, message: ZaloMessage) -> None:
        self.inbox.append(message)
        self._signal.notify()

    def _event(self, name: str, content: dict[str, Any]) -> dict[str, Any]:
        if self.blocked:
            raise RuntimeError(f"{self} has blocked the bot")
        self.started = True
        event = {"event_name": name, "message": {
            "from": {"id": self.id, "display_name": self.display_name, "is_bot": False},
            "chat": {"id": self.id, "chat_type": "PRIVATE"},
            "message_id": secrets.token_hex(10), "date": int(time.time() * 1000), **content}}
        self.fake.deliver(event)
        return event
