"""gettext catalogues (locales/<lang>/LC_MESSAGES/messages.po) and the user's language.

Message ids are English; `vi` translates them, `en` keeps them. The set-up compiles the
catalogues; `compile_catalogues` also runs at start so a forgotten step cannot break the bot.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.event import LANGUAGES

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
log = logging.getLogger(__name__)


def compile_catalogues(path: Path = LOCALES) -> None:
    for po in path.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as src:
            catalog = read_po(src, locale=po.parent.parent.name)
        with mo.open("wb") as dst:
            write_mo(dst, catalog)
        log.info("compiled %s", mo)


def build_i18n(default: str = "vi") -> I18n:
    compile_catalogues()
    return I18n(path=LOCALES, default_locale=default, domain=DOMAIN)


def language_from_telegram(code: str | None, default: str = "vi") -> str:
    """Telegram's language_code ("vi", "en-US", …) → one of ours; Vietnamese unless it is English."""
    if code:
        base = code.split("-")[0].lower()
        return base if base in LANGUAGES else "en"  # a foreign Telegram reads English sooner than Vietnamese
    return default


def known_language(code: str | None) -> str | None:
    """Telegram's language_code when it is one of ours ("vi", "en-US" → "en"); None otherwise."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else None


class AccountLanguage(I18nMiddleware):
    """The account's chosen language, else the one Telegram reports, else the default."""

    async def get_locale(self, event: Any, data: dict[str, Any]) -> str:
        account = data.get("account")
        if account is not None and account.language:
            return account.language
        user = data.get("event_from_user")
        return language_from_telegram(getattr(user, "language_code", None), self.i18n.default_locale)
