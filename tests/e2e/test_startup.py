"""Starting up: a token that cannot work stops the bot with one line and exit code 2, before
any network call; other failures say what failed in one line."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import _SETTING_NAMES, REPO, TOKEN, USER, Env

PLACEHOLDER_TOKEN = "123456789:replace-with-your-bot-token"


async def run_bot(env: Env, timeout: float = 20, **overrides: Any) -> tuple[int, str]:
    """`python -m bot` until it exits by itself; its exit code and everything it printed."""
    environ = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
    environ.update(env.values(**overrides))
    environ["PYTHONPATH"] = str(REPO)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=env.tmp_path,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (PLACEHOLDER_TOKEN, "placeholder"),
        ("12345:too-short", "not a Telegram bot token"),
        ("not a token at all", "not a Telegram bot token"),
    ],
    ids=["placeholder", "too-short", "no-colon"],
)
async def test_a_token_that_cannot_work_stops_at_once(env: Env, token: str, says: str) -> None:
    code, out = await run_bot(env, bot_token=token)
    assert code == 2
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("Invalid setting BOT_TOKEN") and says in lines[0]
    assert env.telegram.requests == []  # not one network call


async def test_the_gptunnel_key_placeholder_stops_at_once(env: Env) -> None:
    code, out = await run_bot(env, gptunnel_api_key="replace-with-your-gptunnel-key")
    assert code == 2
    assert out.strip().splitlines() == [
        "Invalid setting GPTUNNEL_API_KEY: is the placeholder from .env.example: "
        "put your GPTunnel API key"
    ]
    assert env.telegram.requests == []


async def test_a_token_telegram_refuses_stops_with_one_line(env: Env) -> None:
    # Well formed, but not this bot's: Telegram answers getMe with 401.
    other = "4242:" + "Z" * 35
    code, out = await run_bot(env, bot_token=other)
    assert code == 2
    assert "Traceback" not in out
    errors = [line for line in out.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "BOT_TOKEN" in errors[0] and "401" in errors[0]
    assert other not in out and TOKEN not in out
    assert [name for _, name, _ in env.telegram.requests] == ["getMe"]


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_another_failure_at_start_says_what_failed(
    env: Env, tmp_path: Path, level: str
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database's folder should be")
    code, out = await run_bot(env, database_url=f"sqlite:///{blocker}/bot.sqlite3", log_level=level)
    assert code == 1
    errors = [line for line in out.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "opening the database failed" in errors[0]
    # The traceback only when the operator asks for it.
    assert ("Traceback" in out) is (level == "DEBUG")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_sigterm_while_telegram_is_unreachable_exits_at_once(
    env: Env, bot_process: Any
) -> None:
    address = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    bot = bot_process(telegram_api_url=address)
    await bot.start(wait_for_polling=False)
    await wait_for_log(bot, "trying again in 2 s")  # the second attempt failed too
    assert await bot.terminate() == 0
    attempts = [line for line in bot.log().splitlines() if "did not answer" in line]
    assert len(attempts) >= 2
    assert all(address in line and "attempt" in line for line in attempts)
    assert "Traceback" not in bot.log() and TOKEN not in bot.log()


async def wait_for_log(bot: Any, text: str, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while text not in bot.log():
        assert asyncio.get_running_loop().time() < deadline, bot.log()
        await asyncio.sleep(0.05)


async def test_telegram_unreachable_at_first_then_the_bot_serves(
    env: Env, bot_process: Any
) -> None:
    tg = env.telegram
    port = tg.port
    await tg.stop()  # no Bot API yet: the network, DNS or a proxy is not up
    bot = bot_process()
    await bot.start(wait_for_polling=False)
    await wait_for_log(bot, "trying again in 2 s")
    await tg.start(port=port)
    await tg.wait_until(lambda: bool(tg.calls("getUpdates")), timeout=20)
    tg.push_message(USER, USER, "a patient picture")
    photo = await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert photo.chat_id == USER
    assert await bot.terminate() == 0
    assert "Traceback" not in bot.log()


async def test_gptunnel_unreachable_at_start_prompts_wait_and_are_drawn(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    port = gpt.port
    await gpt.stop()  # GPTunnel cannot be reached when the bot starts
    bot = bot_process()
    await bot.start()  # it serves Telegram anyway
    tg.push_message(USER, USER, "a picture worth the wait")
    await env.wait_rows(lambda rows: rows[0]["state"] == "new" and rows[0]["attempts"] >= 6)
    await gpt.start(port=port)
    photo = await tg.wait_for(lambda s: s.is_photo, timeout=30)
    assert photo.chat_id == USER
    assert len(gpt.creates) == 1 and env.charged(USER) == 1
    assert await bot.terminate() == 0
