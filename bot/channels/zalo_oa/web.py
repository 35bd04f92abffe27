"""The OA's webhook route. Zalo (developers.zalo.me, "Official Account API › Webhook"):
- signs each post: header X-ZEvent-Signature = "mac=" + sha256(app_id + body + timestamp + OA secret key),
  the timestamp being the body's own; a post without the right mac is refused (403);
- wants HTTP 200 within 2 seconds, else it posts the event again (and, failing long enough, turns the webhook
  off): the whole event is stored with its key, "received", in one insert (journal.py) and 200 answered at
  once, the handlers run after (and a process killed meanwhile leaves it for the next start); an event whose
  key is already stored (a retry) is acknowledged and not handled again. A database that cannot store it
  gets Zalo a 500, so Zalo posts it again.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiohttp import web

from bot.channels.zalo_oa.channel import WEBHOOK_PATH
from bot.channels.zalo_oa.updates import event_key

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-ZEvent-Signature"


def add_routes(web_app: web.Application) -> None:
    web_app.router.add_post(WEBHOOK_PATH, webhook)


def signature(app_id: str, body: str, timestamp: str, oa_secret_key: str) -> str:
    return "mac=" + hashlib.sha256(f"{app_id}{body}{timestamp}{oa_secret_key}".encode()).hexdigest()


async def webhook(request: web.Request) -> web.Response:
    app = request.app["app"]
    raw = await request.text()
    try:
        event = json.loads(raw)
    except ValueError:
        return web.json_response({"error": -1, "message": "not JSON"}, status=400)
    if not isinstance(event, dict):
        return web.json_response({"error": -1, "message": "not an event"}, status=400)
    settings = app.settings
    expected = signature(settings.zalo_oa_app_id, raw, str(event.get("timestamp") or ""),
                         settings.zalo_oa_secret_key)
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not settings.zalo_oa_secret_key or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("Zalo OA webhook: a post with a wrong signature refused")
        return web.json_response({"error": -1, "message": "bad signature"}, status=403)
    event_id = await app.zalo_oa.journal.take(event_key(event), event)
    if event_id is not None:
        app.zalo_oa.accept(event, event_id)
    return web.json_response({"error": 0, "message": "Success"})
