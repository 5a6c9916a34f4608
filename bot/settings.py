"""Settings from the environment and `.env`; the names are a fixed contract (see README)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.models.builtin import BUILTIN
from bot.models.catalogue import Catalogue
from bot.models.loading import load_catalogue
from bot.payments.packs import StarPack, parse_packs

# Telegram's alphabet and length for setWebhook's secret_token.
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# What @BotFather hands out: the bot's id, a colon, 35 characters.
BOT_TOKEN_RE = re.compile(r"[0-9]+:[A-Za-z0-9_-]{35}")
# The values .env.example ships with: a bot started with them can never work.
PLACEHOLDER_MARK = "replace-with"
# The DATABASE_URL shapes storage.open_database takes (checked here without importing it).
SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    gptunnel_api_key: SecretStr
    gptunnel_base_url: str = "https://gptunnel.ru"
    telegram_api_url: str | None = None
    # sqlite:///path or postgresql://user:password@host:5432/db; kept out of repr (password).
    database_url: str = Field(default="sqlite:///data/bot.sqlite3", repr=False)
    database_pool_size: int = Field(default=10, ge=1)  # PostgreSQL connections per process
    # Several processes on PostgreSQL: seconds after which a silent leader is taken over.
    lease_timeout: float = Field(default=15.0, ge=1.0)
    # The model catalogue (see bot.models.loading for MODELS' forms). Before default_model:
    # that one's check reads it.
    models: Annotated[Catalogue, NoDecode] = Field(default=BUILTIN, repr=False)
    default_model: str = "yandex-art"
    daily_limit: int = Field(default=10, ge=0)
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    poll_interval: float = Field(default=1.0, gt=0)
    progress_interval: float = Field(default=5.0, gt=0)
    gptunnel_max_rps: float = Field(default=25.0, gt=0)
    gptunnel_max_connections: int = Field(default=10, ge=1)
    task_timeout: float = Field(default=600.0, gt=0)
    max_prompt_length: int = Field(default=500, ge=1)
    quota_tz: str = "UTC"
    # Production: webhook instead of long polling, health and metrics, shutdown, logs.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "/telegram/webhook"
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # Where GPTunnel fetches the pictures people draw from (the bot's own HTTP server); by
    # default the origin of WEBHOOK_URL. Neither set: drawing from pictures is off.
    public_url: str | None = None
    # Seconds a picture's link lives at most (it dies sooner when its task ends).
    reference_ttl: float = Field(default=900.0, gt=0)
    shutdown_timeout: float = Field(default=8.0, gt=0)
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    max_active_tasks: int = Field(default=2, ge=0)  # 0: no cap
    group_daily_limit: int = Field(default=0, ge=0)  # 0: groups have no limit of their own
    # Updates a minute (and at once) past which a person, or a group, is answered "slow down"
    # once and then not at all; 0: no such limit.
    throttle_user_per_minute: float = Field(default=20.0, ge=0)
    throttle_group_per_minute: float = Field(default=20.0, ge=0)
    # Seconds between two "original file" sends for one person; 0: no wait.
    original_cooldown: float = Field(default=10.0, ge=0)
    # Days a finished task is kept before it is pruned (counted into /stats's totals first).
    # At least a week: /stats's 7-day figures, today's quota and duplicate updates read them.
    task_retention_days: int = Field(default=30, ge=7)
    # Telegram Stars: credit packs on sale (`credits:stars,...`); none: no payments at all.
    star_packs: Annotated[tuple[StarPack, ...], NoDecode] = ()
    # What /paysupport and /terms answer, per language; empty: the catalogue's own text.
    paysupport_text_en: str = ""
    paysupport_text_ru: str = ""
    terms_text_en: str = ""
    terms_text_ru: str = ""

    @field_validator("bot_token")
    @classmethod
    def _usable_token(cls, value: SecretStr) -> SecretStr:
        # Checked before any network call: a token that cannot work stops the bot at once.
        token = value.get_secret_value().strip()
        if PLACEHOLDER_MARK in token:
            raise ValueError("is the placeholder from .env.example: put the token @BotFather gave")
        if not BOT_TOKEN_RE.fullmatch(token):
            raise ValueError("is not a Telegram bot token (<digits>:<35 characters>)")
        return SecretStr(token)

    @field_validator("gptunnel_api_key")
    @classmethod
    def _usable_key(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value().strip()
        if not key or PLACEHOLDER_MARK in key:
            raise ValueError("is the placeholder from .env.example: put your GPTunnel API key")
        return SecretStr(key)

    @field_validator("models", mode="before")
    @classmethod
    def _catalogue(cls, value: object) -> object:
        return load_catalogue(value) if isinstance(value, str) else value

    @field_validator("default_model")
    @classmethod
    def _default_in_catalogue(cls, value: str, info: ValidationInfo) -> str:
        catalogue = info.data.get("models")  # absent when MODELS itself was refused
        if isinstance(catalogue, Catalogue) and catalogue.get(value) is None:
            raise ValueError(
                f"{value!r} is not in the model catalogue (MODELS): {', '.join(catalogue.ids)}"
            )
        return value

    @field_validator("star_packs", mode="before")
    @classmethod
    def _packs(cls, value: object) -> object:
        return parse_packs(value) if isinstance(value, str) else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # The contract is a comma-separated list, not JSON.
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator(
        "telegram_api_url",
        "webhook_url",
        "webhook_secret",
        "health_port",
        "public_url",
        mode="before",
    )
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return value or None

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        # Telegram delivers webhooks to HTTPS URLs only.
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be a public https:// URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        # GPTunnel fetches from it: an absolute http(s) URL, kept without a trailing slash.
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("must have no query or fragment")
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_alphabet(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token; the value itself is never echoed.
        if value is not None and not SECRET_TOKEN_RE.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        # The message never repeats the value: a PostgreSQL URL may carry a password.
        if value.startswith(SQLITE_PREFIX):
            if not value[len(SQLITE_PREFIX) :]:
                raise ValueError("names no SQLite file: use sqlite:///relative/path")
            return value
        scheme, sep, _ = value.partition("://")
        if not sep or scheme.lower() not in POSTGRES_SCHEMES:
            raise ValueError(
                "must be sqlite:///relative/path, sqlite:////absolute/path "
                "or postgresql://user:password@host:5432/db"
            )
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        name = value.strip().upper()
        if not isinstance(logging.getLevelName(name), int):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return name

    @field_validator("quota_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def database_path(self) -> Path:
        return database_path(self.database_url)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.quota_tz)

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def public_base_url(self) -> str | None:
        """PUBLIC_URL, else the origin of WEBHOOK_URL; None: drawing from pictures is off."""
        if self.public_url is not None:
            return self.public_url
        if self.webhook_url is None:
            return None
        parts = urlsplit(self.webhook_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def references_on(self) -> bool:
        """People may draw from pictures: GPTunnel has somewhere to fetch them from."""
        return self.public_base_url is not None

    @property
    def http_port(self) -> int | None:
        """The bot's own HTTP server: the webhook's port; in long polling HEALTH_PORT, or
        WEBHOOK_PORT when only pictures' links need serving; None: no server."""
        if self.uses_webhook:
            return self.webhook_port
        if self.health_port is not None:
            return self.health_port
        return self.webhook_port if self.public_url is not None else None

    @property
    def payments_on(self) -> bool:
        """Stars are sold (STAR_PACKS holds a pack): /buy exists, in the menus and /help."""
        return bool(self.star_packs)

    def pack(self, credits: int, stars: int) -> StarPack | None:
        """The pack on sale now with exactly these terms, if any."""
        wanted = StarPack(credits, stars)
        return wanted if wanted in self.star_packs else None

    def operator_text(self, kind: Literal["paysupport", "terms"], locale: str) -> str:
        """The operator's own /paysupport or /terms text in a language ("": none set)."""
        texts = {
            ("paysupport", "en"): self.paysupport_text_en,
            ("paysupport", "ru"): self.paysupport_text_ru,
            ("terms", "en"): self.terms_text_en,
            ("terms", "ru"): self.terms_text_ru,
        }
        return texts.get((kind, locale), "")

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))


def database_path(url: str) -> Path:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` to a filesystem path."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError("DATABASE_URL must start with sqlite:///")
    rest = url[len(prefix) :]
    if not rest:
        raise ValueError("DATABASE_URL names no file")
    return Path(rest)


def describe_error(exc: ValidationError) -> str:
    """One line naming the first bad or missing variable, without echoing its value."""
    err = exc.errors()[0]
    name = str(err["loc"][0]).upper() if err["loc"] else "settings"
    if err["type"] == "missing":
        return f"Missing required setting {name}: set it in the environment or in .env"
    return f"Invalid setting {name}: {err['msg'].removeprefix('Value error, ')}"
