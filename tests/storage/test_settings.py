"""The database settings: DATABASE_URL picks the backend, DATABASE_POOL_SIZE sizes the pool,
and a bad URL stops the bot with one line that never shows the password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_error
from storage.urls import password_of, redacted, same_database

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("BOT_TOKEN", "123456789:AAH-test-token_xxxxxxxxxxxxxxxxxxxx")
    monkeypatch.setenv("GPTUNNEL_API_KEY", "gpt-test-key")
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def load() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///data/bot.sqlite3",
        "sqlite:////var/lib/bot/state.db",
        "postgresql://bot:secret@db:5432/bot",
        "postgres://bot@db/bot",
        "postgresql://bot@db/bot?search_path=bot",
    ],
)
def test_known_urls_are_taken(env: pytest.MonkeyPatch, url: str) -> None:
    env.setenv("DATABASE_URL", url)
    assert load().database_url == url


def test_pool_size_defaults_to_ten_and_must_be_positive(env: pytest.MonkeyPatch) -> None:
    assert load().database_pool_size == 10
    env.setenv("DATABASE_POOL_SIZE", "25")
    assert load().database_pool_size == 25
    env.setenv("DATABASE_POOL_SIZE", "0")
    with pytest.raises(ValidationError) as info:
        load()
    assert describe_error(info.value).startswith("Invalid setting DATABASE_POOL_SIZE")


@pytest.mark.parametrize(
    "url",
    ["mysql://root:hunter2-secret@db/bot", "sqlite://x.db", "sqlite:///", "data/bot.db", ""],
)
def test_other_urls_fail_naming_database_url_and_never_the_password(
    env: pytest.MonkeyPatch, url: str
) -> None:
    env.setenv("DATABASE_URL", url)
    with pytest.raises(ValidationError) as info:
        load()
    line = describe_error(info.value)
    assert line.startswith("Invalid setting DATABASE_URL: ")
    assert "\n" not in line and "hunter2" not in line


def test_the_password_is_not_in_the_settings_repr(env: pytest.MonkeyPatch) -> None:
    env.setenv("DATABASE_URL", "postgresql://bot:hunter2-secret@db/bot")
    assert "hunter2" not in repr(load())


def test_the_bot_refuses_an_unknown_database_at_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "DATABASE_URL"}}
    env |= {
        "BOT_TOKEN": "1:" + "x" * 35,
        "GPTUNNEL_API_KEY": "k",
        "DATABASE_URL": "oracle://scott:tiger-pass@db/orcl",
    }
    run = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().startswith("Invalid setting DATABASE_URL")
    assert len(run.stderr.strip().splitlines()) == 1
    assert "tiger-pass" not in run.stderr + run.stdout


def test_urls_are_shown_without_their_password() -> None:
    assert redacted("postgresql://bot:s3cret@db:5432/bot") == "postgresql://bot:***@db:5432/bot"
    assert redacted("postgresql://bot@db/bot") == "postgresql://bot@db/bot"
    assert redacted("sqlite:///data/bot.sqlite3") == "sqlite:///data/bot.sqlite3"
    assert password_of("postgresql://bot:s3cret@db/bot") == "s3cret"
    assert password_of("sqlite:///x") is None


def test_same_database(tmp_path: Path) -> None:
    assert same_database(f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/./a.db")
    assert not same_database(f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db")
    assert same_database("postgresql://a:x@DB/bot", "postgres://b@db:5432/bot")
    assert not same_database("postgresql://db/bot", "postgresql://db/bot?search_path=other")
    assert not same_database("postgresql://db/bot", f"sqlite:///{tmp_path}/a.db")
