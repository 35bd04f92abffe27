"""Where the repository and its conference file are, for tests, benchmarks and the bot processes they start."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENT_FILE = ROOT / "events" / "dalat-2023.yaml"
