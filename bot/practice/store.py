"""What the practice chat keeps: the people, each chat's messages as the page shows them, the files."""
from __future__ import annotations

import html
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from bot.practice.sync import Signal

_TAG = re.compile(r"<[^>]+>")


def plain(source: str) -> str:
    """Visible text of the bot's HTML (what Telegram puts in Message.text)."""
    return html.unescape(_TAG.sub("", source))


@dataclass
class Person:
    id: int
    first_name: str
    role: str  # "delegate" | "staff" | "organizer": what the picker says
    phone: str
    language_code: str = "vi"
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # message id -> as the page shows it
    version: int = 0  # bumped at every change the page must see
    notices: list[str] = field(default_factory=list)  # callback answers' texts, newest last
    keyboard: list[list[dict[str, Any]]] | None = None  # the reply keyboard the person sees

    @property
    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name,
                "language_code": self.language_code}

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class StoredFile:
    data: bytes | None
    name: str
    mime: str
    url: str | None = None  # a photo sent by its address


class Store:
    def __init__(self) -> None:
        self.people: dict[int, Person] = {}
        self.files: dict[str, StoredFile] = {}
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.changed = Signal()

    def add(self, person: Person) -> Person:
        self.people[person.id] = person
        return person

    def keep_file(self, stored: StoredFile) -> str:
        file_id = f"practice-{next(self._file_ids)}"
        self.files[file_id] = stored
        return file_id

    def record(self, person: Person, entry: dict[str, Any]) -> dict[str, Any]:
        """A new message in a chat (the bot's or the person's); its id is given here."""
        entry = {"message_id": next(self._message_ids), "date": int(time.time()), **entry}
        person.messages[entry["message_id"]] = entry
        self.touch(person)
        return entry

    def touch(self, person: Person) -> None:
        person.version += 1
        self.changed.notify()
