"""Settings from the environment and `.env` (documented one by one in `.env.example`)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = f"sqlite+aiosqlite:///{ROOT / 'data' / 'bot.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    telegram_bot_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_SQLITE
    redis_url: str = ""
    event_file: Path = ROOT / "events" / "dalat-2023.yaml"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    secret_key: str = ""
    default_language: str = Field(default="vi", pattern="^(vi|en)$")
    organizers_chat_id: int | None = None  # a Telegram group for delegates' questions; else each organizer
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR|debug|info|warning|error)$")
    log_format: str = Field(default="plain", pattern="^(plain|json)$")  # json: one JSON object a line
    # the event loop: uvloop (libuv; about 10 % less CPU per update, measured in bench/RESULTS.md) or Python's own
    event_loop: str = Field(default="uvloop", pattern="^(uvloop|asyncio)$")
    send_rate_per_second: float = 30.0  # Telegram's broadcast guidance; 0 turns pacing off
    # venue questions: the meaning model as a second witness beside the words (bot/services/faq_meaning.py);
    # false: words alone (BM25), faster and 90 MB less memory, less often right
    faq_meaning: bool = True

    # the web server (desk page, dashboard, webhooks); Telegram's webhook mode when PUBLIC_BASE_URL is
    # set, unless USE_WEBHOOK=false keeps polling (e.g. a public URL for the desk page only)
    web_host: str = "127.0.0.1"
    web_port: int = 8080  # 0: any free port
    public_base_url: str = ""
    webhook_secret: str = ""
    use_webhook: bool | None = None

    # Zalo (optional): the bot runs with whichever of the two tokens is set, or both in one process.
    # Zalo's webhook mode when PUBLIC_BASE_URL is set (and USE_WEBHOOK is not false), else long polling.
    zalo_bot_token: str = ""
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: str = Field(default="", pattern=r"^(|.{8,256})$")  # empty: derived from SECRET_KEY
    zalo_send_rate_per_second: float = 10.0  # Zalo publishes no limit; 0 turns pacing off

    # Zalo Official Account (optional, beside the two above): the host's OA, by its app on developers.zalo.me.
    # The webhook is PUBLIC_BASE_URL/zalo-oa/webhook, signed with the OA secret key. The tokens here seed the
    # database on first start; after that the bot refreshes them itself and keeps them there.
    zalo_oa_app_id: str = ""
    zalo_oa_app_secret: str = ""  # the app's secret key: it refreshes the access token
    zalo_oa_secret_key: str = ""  # the OA secret key: it signs the webhook's posts
    zalo_oa_access_token: str = ""
    zalo_oa_refresh_token: str = ""
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_oa_zns_url: str = "https://business.openapi.zalo.me"
    zalo_oa_window_hours: int = Field(default=48, ge=1, le=168)  # 48 free; up to 7 days paid (see README)
    # ZNS: the organizer's approved template for notices to people outside the window, by phone number;
    # its parameters as JSON, each filled from {name}, {text} or {event} (e.g. {"name":"{name}","content":"{text}"})
    zalo_oa_zns_template_id: str = ""
    zalo_oa_zns_params: str = ""
    zalo_oa_phone_image_url: str = ""  # a picture for the phone request card (optional)
    zalo_oa_zns_text_limit: int = Field(default=400, ge=10, le=2000)  # a template parameter's length

    # practice mode (bot/practice/): with neither token set, the bot runs against a server inside the process
    # and a chat page on PRACTICE_PORT; PRACTICE=false makes a missing token an error instead
    practice: bool = True
    practice_port: int = 8081  # 0: any free port
    practice_database_url: str = f"sqlite+aiosqlite:///{ROOT / 'data' / 'practice.sqlite3'}"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("ADMIN_IDS must be Telegram user ids (numbers) separated by commas") from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_api_url", "public_base_url", "zalo_api_url", "zalo_oa_api_url", "zalo_oa_oauth_url",
                     "zalo_oa_zns_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("event_file")
    @classmethod
    def _relative_to_project(cls, value: Path) -> Path:
        return value if value.is_absolute() or value.exists() else ROOT / value

    @property
    def telegram_webhook_secret(self) -> str:
        """WEBHOOK_SECRET, or one derived from SECRET_KEY: the webhook route exists in every mode (the web
        server always runs), so it must never accept a post without a secret."""
        if self.webhook_secret:
            return self.webhook_secret
        import hashlib
        import hmac

        return hmac.new(self.secret_key.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()

    @property
    def webhook_mode(self) -> bool:
        return bool(self.public_base_url) if self.use_webhook is None else self.use_webhook


def ensure_secret_key(settings: Settings, path: Path = ROOT / "data" / "secret.key") -> str:
    """SECRET_KEY signs check-in codes and links. Without one, a random key is kept in data/ so that
    links survive a restart; production sets SECRET_KEY (the same in every process)."""
    if settings.secret_key:
        return settings.secret_key
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    settings.secret_key = path.read_text().strip()
    return settings.secret_key
