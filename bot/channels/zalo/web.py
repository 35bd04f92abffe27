"""The Zalo channel's routes in the bot's web app: the webhook, and the check-in QR pictures (qr.py)."""
from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.channels.zalo.channel import WEBHOOK_PATH
from bot.screens.tickets import badge_lines, code_link
from bot.services import badge, tickets
from models import Delegate

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Bot-Api-Secret-Token"


def add_routes(web_app: web.Application) -> None:
    """Mounted by the composition root (bot/app.py) when the Zalo channel is on."""
    web_app.router.add_post(WEBHOOK_PATH, webhook)
    web_app.router.add_get("/zalo/qr/{name}", qr_picture)


async def webhook(request: web.Request) -> web.Response:
    channel = request.app["app"].zalo
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), channel.webhook_secret.encode()):
        return web.json_response({"ok": False, "description": "Forbidden"}, status=403)
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"ok": False, "description": "not JSON"}, status=400)
    channel.accept(body)  # answered at once; Zalo need not wait for the handlers
    return web.json_response({"ok": True})


async def qr_picture(request: web.Request) -> web.Response:
    """The badge of a signed, unexpired URL, drawn from the delegate's record as it is now."""
    app = request.app["app"]  # the App the composition root (bot/app.py) put there
    signed = app.zalo.qr.check(request.match_info["name"])
    if signed is None:
        raise web.HTTPNotFound()
    token, lang = signed
    ticket = tickets.read(app.settings.secret_key, app.conference.id, token)
    if not isinstance(ticket, tickets.Ticket):
        raise web.HTTPNotFound()
    async with app.db.session() as session:
        delegate = await session.get(Delegate, ticket.delegate_id)
    if delegate is None or delegate.event_id != app.conference.id:
        raise web.HTTPNotFound()
    if not delegate.active or delegate.ticket_version != ticket.version:  # the desk would refuse it too
        raise web.HTTPGone(text="This check-in code is no longer valid.")
    link = await code_link(app.zalo.bot, app.settings, delegate)  # the same link as the one sent
    png = await badge.render_elsewhere(link, badge_lines(delegate, app.conference, lang))
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
