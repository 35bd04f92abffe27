"""The Bot API description (api.min.json) the fake validates against."""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

SPEC_ENV = "TELEGRAM_API_SPEC"
# The repository is checked out with the shared spec directory beside it.
DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.min.json"
)
BASIC_TYPES = {"Integer", "Float", "String", "Boolean", "True", "InputFile"}
_DISCRIMINATOR = re.compile(r"(?:must be|always) [\"“]?([\w-]+)")
_MAX_DEPTH = 8


class Spec:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self.methods: dict[str, dict] = data["methods"]
        self.types: dict[str, dict] = data["types"]
        # Telegram matches method names case-insensitively.
        self._by_lower = {name.lower(): name for name in self.methods}
        self._tags = {name: _find_tag(entry) for name, entry in self.types.items()}

    def method_name(self, name: str) -> str | None:
        return self._by_lower.get(name.lower())

    def fields(self, method_or_type: str) -> dict[str, dict]:
        entry = self.methods.get(method_or_type) or self.types.get(method_or_type) or {}
        return {field["name"]: field for field in entry.get("fields", ())}

    def discriminator(self, type_name: str) -> tuple[str, str] | None:
        """(field, value) that identifies a union member, e.g. ("type", "chat")."""
        return self._tags.get(type_name)

    def minimal(self, type_expr: str, _depth: int = 0) -> Any:
        """Smallest value of a type that a client will accept (required fields only)."""
        if type_expr.startswith("Array of "):
            return []
        basic = {"Integer": 0, "Float": 0.0, "String": "", "Boolean": False, "True": True}
        if type_expr in basic:
            return basic[type_expr]
        entry = self.types.get(type_expr, {})
        if _depth > _MAX_DEPTH:
            return {}
        if "subtypes" in entry:
            members = [name for name in entry["subtypes"] if "fields" in self.types.get(name, {})]
            return self.minimal(members[0], _depth + 1) if members else {}
        value = {
            field["name"]: self.minimal(field["types"][0], _depth + 1)
            for field in entry.get("fields", ())
            if field["required"]
        }
        if tag := self.discriminator(type_expr):
            value[tag[0]] = tag[1]
        return value


def _find_tag(entry: dict) -> tuple[str, str] | None:
    for field in entry.get("fields", ()):
        if field["required"] and field["types"] == ["String"]:
            match = _DISCRIMINATOR.search(field["description"])
            if match:
                return field["name"], match.group(1)
    return None


def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC_PATH)


@functools.cache
def load_spec() -> Spec:
    path = spec_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"Bot API spec not found at {path}; check out the shared directory beside the "
            f"repository or point {SPEC_ENV} at api.min.json"
        )
    return Spec(json.loads(path.read_text(encoding="utf-8")))
