"""The bot's web pages and files, served by the same aiohttp app as the webhooks (bot/app.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.zalo import web as zalo
from bot.web import reception

if TYPE_CHECKING:
    from bot.app import App


def add_routes(web_app: web.Application, app: App) -> None:
    """Each part of the web app registers its own routes here, one line each."""
    reception.setup(web_app)  # the reception desk page and the organizers' dashboard
    zalo.add_routes(web_app, app)  # the Zalo webhook and check-in QR pictures for Zalo

