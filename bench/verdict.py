"""How every benchmark that talks to the fake Bot API ends: the lost replies and the rejected calls (requests
Telegram would have refused: a text too long, a bad parameter), and an exit status that fails on either."""
from __future__ import annotations

import sys


def conclude(results: list[dict]) -> None:
    lost = sum(r.get("lost_replies", 0) for r in results)
    rejected = sum(r.get("rejected", 0) for r in results)
    print(f"lost replies: {lost}; rejected calls: {rejected}", flush=True)
    if lost or rejected:
        sys.exit(1)
