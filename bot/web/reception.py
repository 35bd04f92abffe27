"""The reception desk page, the organizers' dashboard and the report upload page: their routes, files and headers."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web import auth, dashboard, desk, papers, report_upload, sheet_entry
from bot.web.html import STATIC, security_headers

FILES = Path(__file__).resolve().parent / "static"


def setup(web_app: web.Application) -> None:
    web_app.middlewares.append(security_headers)
    auth.add_routes(web_app)
    desk.add_routes(web_app)
    dashboard.add_routes(web_app)
    report_upload.add_routes(web_app)  # a province's secretariat sends its report (from Zalo)
    papers.add_routes(web_app)
    sheet_entry.add_routes(web_app)
    web_app.router.add_static(STATIC, FILES)
