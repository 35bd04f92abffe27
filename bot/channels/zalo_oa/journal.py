"""The OA webhook's journal (models.zalo_oa.ZaloOaEvent): nothing Zalo was told it delivered is lost.

- The webhook stores each event whole (its JSON) under its key, state "received", in the one insert it makes
  before answering 200; a post whose key is already stored is a retry: acknowledged, not handled again.
- Once handled, the event is marked "handled".
- An event left "received" longer than GRACE (its process was killed between the acknowledgement and the end
  of its handling) is handed back, at the next start and by the channel's periodic look (OaChannel.run),
  in the order the events came, so each person's keep their order. It is claimed first (taken_at moved on,
  only if nobody moved it meanwhile), so two processes do not both take it. A message in flight at a crash may
  therefore come twice (its handler had perhaps answered before the process died), never be dropped.
- Handled events are pruned after KEPT (far longer than Zalo's retries, which end within 12 hours).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from models import Database, ZaloOaEvent

log = logging.getLogger(__name__)
RECEIVED, HANDLED = "received", "handled"
GRACE = timedelta(minutes=2)  # far beyond a handler's usual time; one still running is not taken from it
KEPT = timedelta(days=3)


class Journal:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(self, key: str, event: dict[str, Any]) -> int | None:
        """The stored event's id, or None for a retry (its key is already stored)."""
        now = datetime.now(timezone.utc)
        row = ZaloOaEvent(event_key=key, payload=json.dumps(event, ensure_ascii=False), state=RECEIVED,
                          received_at=now, taken_at=now)
        async with self.db.session() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                return None
            return row.id

    async def handled(self, event_id: int) -> None:
        async with self.db.session() as session:
            await session.execute(update(ZaloOaEvent).where(ZaloOaEvent.id == event_id).values(
                state=HANDLED, handled_at=datetime.now(timezone.utc)))
            await session.commit()

    async def left(self, grace: timedelta = GRACE, busy: Collection[int] = ()) -> list[tuple[int, dict[str, Any]]]:
        """Events left received for longer than `grace` (not among this process's `busy` ones), claimed for
        this process, in the order they came."""
        now = datetime.now(timezone.utc)
        stale = (ZaloOaEvent.state == RECEIVED) & (ZaloOaEvent.taken_at < now - grace)
        async with self.db.session() as session:
            rows = (await session.execute(select(ZaloOaEvent.id, ZaloOaEvent.payload).where(stale)
                                          .order_by(ZaloOaEvent.id))).all()
            claimed = []
            for event_id, payload in rows:
                if event_id in busy:
                    continue
                done = await session.execute(update(ZaloOaEvent).where(stale & (ZaloOaEvent.id == event_id))
                                             .values(taken_at=now))
                if done.rowcount == 1:
                    claimed.append((event_id, _event(payload)))
            await session.commit()
        return claimed

    async def prune(self, kept: timedelta = KEPT) -> None:
        """Handled events older than `kept` go; received ones stay until handled."""
        try:
            async with self.db.session() as session:
                await session.execute(delete(ZaloOaEvent).where(
                    (ZaloOaEvent.state == HANDLED) & (ZaloOaEvent.received_at < datetime.now(timezone.utc) - kept)))
                await session.commit()
        except Exception as exc:  # a database outage: tried again next time
            log.warning("Zalo OA: old events not removed (%s)", type(exc).__name__)


def _event(payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}
