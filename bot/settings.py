"""Settings from the environment and `.env`; the names are a fixed contract (see README)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    gptunnel_api_key: SecretStr
    gptunnel_base_url: str = "https://gptunnel.ru"
    telegram_api_url: str | None = None
    database_url: str = "sqlite:///data/bot.sqlite3"
    default_model: str = "yandex-art"
    daily_limit: int = Field(default=10, ge=0)
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    poll_interval: float = Field(default=1.0, gt=0)
    gptunnel_max_rps: float = Field(default=25.0, gt=0)
    gptunnel_max_connections: int = Field(default=10, ge=1)
    task_timeout: float = Field(default=600.0, gt=0)
    max_prompt_length: int = Field(default=500, ge=1)
    quota_tz: str = "UTC"
    max_active_tasks: int = Field(default=2, ge=0)  # 0: no cap
    group_daily_limit: int = Field(default=0, ge=0)  # 0: groups have no limit of their own

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # The contract is a comma-separated list, not JSON.
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_api_url", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return value or None

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
    return f"Invalid setting {name}: {err['msg']}"
