"""Settings: the environment contract, its defaults, and the start-up failure of `python -m bot`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.settings import Settings, database_path, describe_error

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAH-test-SECRET-bot-token-value_xxx"
API_KEY = "gpt-test-SECRET-api-key-value-42"

# Derived, so a new setting is cleared too: the environment running the tests must not leak in.
SETTING_NAMES = sorted(name.upper() for name in Settings.model_fields)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment holding only the two required settings; cwd has no .env."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("GPTUNNEL_API_KEY", API_KEY)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def load() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_defaults_match_the_design(env: pytest.MonkeyPatch) -> None:
    s = load()
    assert s.bot_token.get_secret_value() == TOKEN
    assert s.gptunnel_api_key.get_secret_value() == API_KEY
    assert s.gptunnel_base_url == "https://gptunnel.ru"
    assert s.telegram_api_url is None
    assert s.database_url == "sqlite:///data/bot.sqlite3"
    assert s.database_path == Path("data/bot.sqlite3")
    assert s.default_model == "yandex-art"
    assert s.daily_limit == 10
    assert s.admin_ids == frozenset()
    assert s.poll_interval > 0
    assert s.task_timeout == 600
    assert s.max_prompt_length == 500
    assert s.quota_tz == "UTC"
    assert s.zone == ZoneInfo("UTC")


def test_secrets_are_hidden_in_repr(env: pytest.MonkeyPatch) -> None:
    s = load()
    assert TOKEN not in repr(s)
    assert API_KEY not in repr(s)
    assert TOKEN not in str(s)


def test_every_setting_is_read_from_env(env: pytest.MonkeyPatch) -> None:
    env.setenv("GPTUNNEL_BASE_URL", "http://127.0.0.1:8080")
    env.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081")
    env.setenv("DATABASE_URL", "sqlite:////var/lib/bot/state.db")
    env.setenv("DEFAULT_MODEL", "flux-dev")
    env.setenv("DAILY_LIMIT", "3")
    env.setenv("ADMIN_IDS", "7")
    env.setenv("POLL_INTERVAL", "0.5")
    env.setenv("TASK_TIMEOUT", "120")
    env.setenv("MAX_PROMPT_LENGTH", "100")
    env.setenv("QUOTA_TZ", "Europe/Moscow")
    s = load()
    assert s.gptunnel_base_url == "http://127.0.0.1:8080"
    assert s.telegram_api_url == "http://127.0.0.1:8081"
    assert s.database_path == Path("/var/lib/bot/state.db")
    assert s.default_model == "flux-dev"
    assert s.daily_limit == 3
    assert s.admin_ids == frozenset({7})
    assert s.poll_interval == 0.5
    assert s.task_timeout == 120
    assert s.max_prompt_length == 100
    assert s.zone == ZoneInfo("Europe/Moscow")


def test_dotenv_in_working_directory_is_read(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.delenv("BOT_TOKEN")
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nDAILY_LIMIT=4\n", encoding="utf-8")
    s = Settings()  # type: ignore[call-arg]
    assert s.bot_token.get_secret_value() == TOKEN
    assert s.daily_limit == 4


def test_environment_wins_over_dotenv(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DAILY_LIMIT=4\n", encoding="utf-8")
    env.setenv("DAILY_LIMIT", "6")
    assert Settings().daily_limit == 6  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ("1, 2,3", frozenset({1, 2, 3})),
        ("42", frozenset({42})),
        (" 5 ,5, 6 ", frozenset({5, 6})),
        ("1,,2,", frozenset({1, 2})),
        ("", frozenset()),
        ("   ", frozenset()),
    ],
)
def test_admin_ids(env: pytest.MonkeyPatch, raw: str, ids: frozenset[int]) -> None:
    env.setenv("ADMIN_IDS", raw)
    s = load()
    assert s.admin_ids == ids
    assert isinstance(s.admin_ids, frozenset)


def test_admin_ids_not_numbers_rejected(env: pytest.MonkeyPatch) -> None:
    env.setenv("ADMIN_IDS", "1,alice")
    with pytest.raises(ValidationError) as info:
        load()
    assert "ADMIN_IDS" in describe_error(info.value)


def test_empty_telegram_api_url_means_telegrams_own(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_API_URL", "")
    assert load().telegram_api_url is None


def test_issue_10_settings_and_their_defaults(env: pytest.MonkeyPatch) -> None:
    settings = load()
    assert (settings.throttle_user_per_minute, settings.throttle_group_per_minute) == (20, 20)
    assert (settings.original_cooldown, settings.task_retention_days) == (10, 30)
    env.setenv("THROTTLE_GROUP_PER_MINUTE", "0")  # 0: no limit
    env.setenv("TASK_RETENTION_DAYS", "7")
    assert load().throttle_group_per_minute == 0 and load().task_retention_days == 7


def test_daily_limit_zero_allowed(env: pytest.MonkeyPatch) -> None:
    env.setenv("DAILY_LIMIT", "0")
    assert load().daily_limit == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DAILY_LIMIT", "-1"),
        ("DAILY_LIMIT", "ten"),
        ("TASK_TIMEOUT", "0"),
        ("POLL_INTERVAL", "-3"),
        ("MAX_PROMPT_LENGTH", "0"),
        ("TASK_RETENTION_DAYS", "6"),  # /stats's week and today's quota read the kept tasks
        ("THROTTLE_USER_PER_MINUTE", "-1"),
        ("ORIGINAL_COOLDOWN", "-5"),
    ],
)
def test_bad_numbers_rejected(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        load()
    line = describe_error(info.value)
    assert line.startswith(f"Invalid setting {name}")
    assert "\n" not in line


@pytest.mark.parametrize("zone", ["Mars/Phobos", "Not a zone", "../../etc/passwd", "utc+3"])
def test_bad_quota_tz_rejected(env: pytest.MonkeyPatch, zone: str) -> None:
    env.setenv("QUOTA_TZ", zone)
    with pytest.raises(ValidationError) as info:
        load()
    assert "QUOTA_TZ" in describe_error(info.value)


@pytest.mark.parametrize("zone", ["Europe/Moscow", "America/New_York", "Asia/Tokyo"])
def test_good_quota_tz_accepted(env: pytest.MonkeyPatch, zone: str) -> None:
    env.setenv("QUOTA_TZ", zone)
    assert load().zone == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/bot.sqlite3", Path("data/bot.sqlite3")),
        ("sqlite:///rel/x.db", Path("rel/x.db")),
        ("sqlite:///x.db", Path("x.db")),
        ("sqlite:////abs/x.db", Path("/abs/x.db")),
        ("sqlite:////var/lib/bot/state.sqlite3", Path("/var/lib/bot/state.sqlite3")),
    ],
)
def test_database_path(url: str, path: Path) -> None:
    result = database_path(url)
    assert result == path
    assert result.is_absolute() is path.is_absolute()


@pytest.mark.parametrize("url", ["postgres://x/y", "sqlite://x.db", "sqlite:///", "data/bot.db"])
def test_database_path_rejects_other_urls(url: str) -> None:
    with pytest.raises(ValueError):
        database_path(url)


def test_database_path_property_relative(env: pytest.MonkeyPatch) -> None:
    env.setenv("DATABASE_URL", "sqlite:///rel/x.db")
    path = load().database_path
    assert path == Path("rel/x.db")
    assert not path.is_absolute()


@pytest.mark.parametrize("name", ["BOT_TOKEN", "GPTUNNEL_API_KEY"])
def test_missing_required_setting_is_named(env: pytest.MonkeyPatch, name: str) -> None:
    env.delenv(name)
    with pytest.raises(ValidationError) as info:
        load()
    line = describe_error(info.value)
    assert name in line
    assert line.startswith("Missing required setting")
    assert "\n" not in line
    assert TOKEN not in line
    assert API_KEY not in line


# --- python -m bot with a setting missing -------------------------------------------------------

MISSING_CASES = {
    "BOT_TOKEN": {"GPTUNNEL_API_KEY": API_KEY},
    "GPTUNNEL_API_KEY": {"BOT_TOKEN": TOKEN},
}


@pytest.fixture(scope="module")
def start_without(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    """Run `python -m bot` once per missing setting, all at once to keep the suite fast."""
    running = {}
    for missing, given in MISSING_CASES.items():
        cwd = tmp_path_factory.mktemp(f"no-{missing.lower()}")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO_ROOT),
            "HOME": str(cwd),
            "LANG": "C.UTF-8",
            # Were the check broken, the bot must still stay on this machine.
            "GPTUNNEL_BASE_URL": "http://127.0.0.1:9",
            "TELEGRAM_API_URL": "http://127.0.0.1:9",
            "DATABASE_URL": f"sqlite:///{cwd}/bot.sqlite3",
            **given,
        }
        running[missing] = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for missing, proc in running.items():
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        results[missing] = (proc.returncode, out, err)
    return results


@pytest.mark.parametrize("missing", list(MISSING_CASES))
def test_start_without_required_setting_exits_2(start_without, missing: str) -> None:
    code, out, err = start_without[missing]
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert missing in lines[0]


@pytest.mark.parametrize("missing", list(MISSING_CASES))
def test_start_without_required_setting_leaks_no_secret(start_without, missing: str) -> None:
    _code, out, err = start_without[missing]
    assert err  # there was something to check
    for secret in (TOKEN, API_KEY, "SECRET"):
        assert secret not in out
        assert secret not in err
