"""`python -m bot check`: is this machine ready to run the bot? Every setting, the event file and its FAQ,
the database (which holds the conversations too), Redis if set, and the Bot APIs are tried, and what is wrong is said in plain words (never a token)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from sqlalchemy import text

from bot.config import Settings
from bot.event import EventFileError, load_event
from bot.ops.placeholders import to_fill
from bot.services.faq import faq_path, load_faq
from models import Database
from models.db import CONNECTIONS_PER_PROCESS, alembic_config

OK, WARN, FAIL = "ok", "warning", "problem"
TIMEOUT = 10
ONE_PROCESS_ONLY = (
    "Webhook mode on SQLite: SQLite serves ONE bot process. To run several behind the proxy, use PostgreSQL "
    "(DATABASE_URL=postgresql+asyncpg://…): the conversations, and each chat's turn, are then shared through it.")
PRODUCTION = (
    "Production needs PostgreSQL and nothing else: conversations, registrations, the outbox and the lease all "
    "live in it. Redis (REDIS_URL) is optional.")


@dataclass
class Finding:
    level: str
    what: str

    def __str__(self) -> str:
        return {OK: "✓", WARN: "!", FAIL: "✗"}[self.level] + " " + self.what


async def check(settings: Settings) -> list[Finding]:
    found = [*_settings(settings), *_event(settings)]
    found.append(await _database(settings))
    if settings.redis_url:
        found.append(await _redis(settings.redis_url))
    if settings.telegram_bot_token:
        found.append(await _api("Telegram", f"{settings.telegram_api_url}/bot{settings.telegram_bot_token}/getMe",
                                "username"))
    if getattr(settings, "zalo_bot_token", ""):
        found.append(await _api("Zalo", f"{settings.zalo_api_url}/bot{settings.zalo_bot_token}/getMe",
                                "account_name"))
    return found


def zalo_oa(settings: Settings) -> list[Finding]:
    """The host's Zalo OA (ZALO_OA_APP_ID set): what is missing for its webhook, its tokens and ZNS."""
    if not settings.zalo_oa_app_id:
        return []
    missing = [name for name, value in (
        ("ZALO_OA_APP_SECRET (the app's secret key: it refreshes the access token)", settings.zalo_oa_app_secret),
        ("ZALO_OA_SECRET_KEY (the OA secret key: it signs the webhook's posts)", settings.zalo_oa_secret_key),
        ("ZALO_OA_REFRESH_TOKEN (from authorizing the app on the OA)", settings.zalo_oa_refresh_token),
        ("PUBLIC_BASE_URL (the OA's webhook is PUBLIC_BASE_URL/zalo-oa/webhook)", settings.public_base_url),
    ) if not value]
    found = [Finding(FAIL, f"Zalo OA: {name} is not set.") for name in missing]
    if not settings.zalo_oa_zns_template_id:
        found.append(Finding(WARN, "Zalo OA: no ZALO_OA_ZNS_TEMPLATE_ID: people who have not written to the OA "
                                   f"within {settings.zalo_oa_window_hours} h are reported \"not reached\" "
                                   "instead of getting a ZNS notice."))
    elif not settings.zalo_oa_zns_params:
        found.append(Finding(WARN, "Zalo OA: ZALO_OA_ZNS_PARAMS is empty: the template gets one parameter, "
                                   "\"content\"; list the template's own parameters there."))
    if not missing:
        found.append(Finding(OK, f"Zalo OA app {settings.zalo_oa_app_id}: webhook at "
                                 f"{settings.public_base_url}/zalo-oa/webhook."))
    return found


def _settings(settings: Settings) -> list[Finding]:
    found = zalo_oa(settings)
    if not settings.telegram_bot_token and not getattr(settings, "zalo_bot_token", "") \
            and not settings.zalo_oa_app_id:
        found.append(Finding(FAIL, "No bot token: set TELEGRAM_BOT_TOKEN (from @BotFather) and/or ZALO_BOT_TOKEN "
                                   "(without one, the bot starts in practice mode: README, \"Practice mode\")."))
    if not settings.admin_ids:
        found.append(Finding(WARN, "ADMIN_IDS is empty: nobody is an organizer until it lists your Telegram user id."))
    else:
        found.append(Finding(OK, f"{len(settings.admin_ids)} organizer(s) in ADMIN_IDS."))
    if not settings.secret_key:
        found.append(Finding(WARN, "SECRET_KEY is not set: a key is made and kept in data/secret.key. With several "
                                   "bot processes or machines, set the same SECRET_KEY for all, or QR codes made by "
                                   "one are refused by another."))
    if settings.webhook_mode:
        if not settings.public_base_url.startswith("https://"):
            found.append(Finding(FAIL, "PUBLIC_BASE_URL must be an https:// address for Telegram's webhook."))
        if not settings.webhook_secret:
            found.append(Finding(WARN, "WEBHOOK_SECRET is empty: one derived from SECRET_KEY is used; set "
                                       "WEBHOOK_SECRET to choose it yourself."))
        found.append(Finding(OK, f"Webhook mode at {settings.public_base_url}; the web server listens on "
                                 f"{settings.web_host}:{settings.web_port}."))
        if settings.database_url.startswith("sqlite"):
            found.append(Finding(WARN, ONE_PROCESS_ONLY))
    else:
        found.append(Finding(OK, "Polling mode (no PUBLIC_BASE_URL): run one bot process only."))
    if settings.database_url.startswith("sqlite") and settings.redis_url:
        found.append(Finding(WARN, "SQLite with Redis: SQLite serves one process; use PostgreSQL for several."))
    if settings.database_url.startswith("postgresql"):
        found.append(Finding(OK, PRODUCTION))
    return found


def _event(settings: Settings) -> list[Finding]:
    try:
        event = load_event(settings.event_file)
    except EventFileError as exc:
        return [Finding(FAIL, str(exc))]
    found = [Finding(OK, f"Event file {settings.event_file.name}: {event.short_name.vi}, {len(event.parts)} "
                         f"parts, {len(event.provinces)} provinces.")]
    try:
        faq = load_faq(faq_path(settings.event_file))
    except EventFileError as exc:
        return found + [Finding(FAIL, str(exc))]
    if len(faq):
        found.append(Finding(OK, f"FAQ: {len(faq)} entries."))
    else:
        found.append(Finding(WARN, f"No FAQ file ({faq_path(settings.event_file).name}): venue questions go "
                                   "straight to the organizers."))
    # what the host still has to fill in: placeholders and provisional facts (bot/ops/placeholders.py)
    return found + [Finding(WARN, text) for _file, text in to_fill(settings.event_file, faq_path(settings.event_file))]


async def _database(settings: Settings) -> Finding:
    from alembic.script import ScriptDirectory

    db = Database(settings.database_url)
    where = settings.database_url.split("@")[-1] if "@" in settings.database_url else settings.database_url
    try:
        async with db.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), TIMEOUT)
            room = await _connections(connection) if db.dialect == "postgresql" else ""
            try:
                current = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            except Exception:
                current = None
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        state = ("schema up to date" if current == head else
                 f"schema at {current or 'nothing yet'}; the bot brings it to {head} when it starts")
        return Finding(OK, f"Database {db.dialect} reached ({where}): {state}.{room}")
    except Exception as exc:
        return Finding(FAIL, f"Database not reachable ({where}): {type(exc).__name__}: {exc}".split("\n")[0])
    finally:
        await db.close()


async def _connections(connection) -> str:
    """What a bot process takes of PostgreSQL's connections, and how many processes fit."""
    limit = int((await connection.execute(text("SHOW max_connections"))).scalar())
    return (f" Each bot process opens up to {CONNECTIONS_PER_PROCESS} connections (max_connections {limit}: "
            f"room for {max(0, (limit - 10) // CONNECTIONS_PER_PROCESS)} processes beside 10 for the rest).")


async def _redis(url: str) -> Finding:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=TIMEOUT)
    where = url.split("@")[-1]
    try:
        await asyncio.wait_for(client.ping(), TIMEOUT)
        return Finding(OK, f"Redis reached ({where}).")
    except Exception as exc:
        return Finding(FAIL, f"Redis not reachable ({where}): {exc}. Start Redis, or remove REDIS_URL: it is "
                             "optional (conversations live in the database either way).")
    finally:
        await client.aclose()


async def _api(name: str, url: str, field: str) -> Finding:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
            async with http.get(url) as response:
                body = await response.json(content_type=None)
    except Exception as exc:  # the URL holds the token: say the kind of fault only
        return Finding(FAIL, f"{name} Bot API not reachable: {type(exc).__name__}.")
    if not isinstance(body, dict) or not body.get("ok"):
        description = body.get("description", "") if isinstance(body, dict) else ""
        return Finding(FAIL, f"{name} refused the token: {description or 'no answer'}. Check the token.")
    return Finding(OK, f"{name} bot: {body['result'].get(field, '?')}.")
