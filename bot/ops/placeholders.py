"""What the host still has to fill in before the day, for `python -m bot check`: the FAQ's answers that
still say "(Ban Tổ chức sẽ cập nhật)", and the event file's facts marked provisional (`provisional: true`,
"(tạm)", "to be confirmed"). Each is a warning, so nobody goes live with them unnoticed."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MARKERS = ("ban tổ chức sẽ cập nhật", "ban tổ chức sẽ xác nhận", "to be announced by the host", "to be confirmed",
           "(tạm", "(provisional")
SHOWN = 8  # names listed in one warning; the rest counted


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) of a YAML document's leaves and mappings."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            label = value.get("id") or value.get("code") if isinstance(value, dict) else None
            yield from walk(value, f"{path}.{index}" + (f" ({label})" if label else ""))


def unfilled(path: str, value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("provisional") is True
    return isinstance(value, str) and any(marker in value.lower() for marker in MARKERS)


def places(document: Any) -> list[str]:
    """Where a document still holds a placeholder: the nearest named item (FAQ entry id, part code) or the
    field, once each, in the file's order."""
    found: list[str] = []
    for path, value in walk(document):
        if unfilled(path, value):
            place = path.removesuffix(".vi").removesuffix(".en")
            if path.startswith("entries."):
                place = path.split(".")[1].split(" ", 1)[-1].strip("()")
            if place and place not in found and not any(place.startswith(f"{f}.") for f in found):
                found.append(place)
    return found


def listed(names: list[str]) -> str:
    more = len(names) - SHOWN
    return ", ".join(names[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def to_fill(event_file: Path, faq_file: Path) -> list[tuple[str, str]]:
    """(file name, warning) for each file that still holds placeholders."""
    warnings = []
    for path, what in ((event_file, "marked provisional or to be confirmed"),
                       (faq_file, 'still saying "(Ban Tổ chức sẽ cập nhật)" / "to be announced"')):
        if not path.exists():
            continue
        names = places(yaml.safe_load(path.read_text(encoding="utf-8")))
        if names:
            kind = "answer(s)" if path == faq_file else "fact(s)"
            warnings.append((path.name, f"{path.name}: {len(names)} {kind} {what}: {listed(names)}. Fill them in "
                                        "(and remove the mark) before the day."))
    return warnings
