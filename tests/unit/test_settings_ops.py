"""The production settings: webhook, health port, shutdown timeout, log format."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_error

REQUIRED = {"bot_token": "1:abc_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "gptunnel_api_key": "key"}


def make(**values: Any) -> Settings:
    return Settings(_env_file=None, **REQUIRED, **values)  # type: ignore[call-arg]


def test_defaults_are_long_polling_with_no_health_port() -> None:
    settings = make()
    assert not settings.uses_webhook
    assert settings.health_port is None
    assert (settings.webhook_host, settings.webhook_port) == ("0.0.0.0", 8080)
    assert settings.webhook_path == "/telegram/webhook"
    assert settings.log_format == "text" and settings.log_level == "INFO"
    assert settings.shutdown_timeout > 0


def test_empty_values_mean_unset() -> None:
    settings = make(webhook_url="", webhook_secret="", health_port="")
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.health_port is None


def test_webhook_url_must_be_https() -> None:
    assert make(webhook_url="https://bot.example.com/hook").uses_webhook
    with pytest.raises(ValidationError) as exc:
        make(webhook_url="http://bot.example.com/hook")
    assert describe_error(exc.value).startswith("Invalid setting WEBHOOK_URL")


@pytest.mark.parametrize("secret", ["has space", "dots.not.allowed", "x" * 257, "ключ"])
def test_webhook_secret_uses_telegrams_alphabet(secret: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make(webhook_secret=secret)
    line = describe_error(exc.value)
    assert line.startswith("Invalid setting WEBHOOK_SECRET") and secret not in line


def test_log_settings_are_checked() -> None:
    assert make(log_format="JSON", log_level="debug").log_format == "json"
    assert make(log_level="debug").log_level_number == 10
    with pytest.raises(ValidationError):
        make(log_format="xml")
    with pytest.raises(ValidationError):
        make(log_level="LOUD")
    with pytest.raises(ValidationError):
        make(webhook_path="telegram")
