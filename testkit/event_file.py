"""The shipped event file changed by a test, and the error the bot gives for it."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.event import EventFileError, load_event
from testkit.paths import EVENT_FILE


def broken_event_file(tmp_path: Path, change: Callable[[dict], object]) -> str:
    """The shipped event file with `change` applied to its data: the message of the error it must raise."""
    data = yaml.safe_load(EVENT_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EventFileError) as info:
        load_event(path)
    return str(info.value)
