"""Logs of whole runs as an operator reads them: one line per event, tasks named, no secrets."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.conftest import _SETTING_NAMES, API_KEY, OTHER, REPO, TOKEN, USER, Env
from tests.e2e.serving import WEBHOOK_URL, free_port


def assert_no_secrets(log: str) -> None:
    assert TOKEN not in log
    assert API_KEY not in log
    assert TOKEN.split(":", 1)[1] not in log  # not even the secret half of the token


async def test_a_full_json_run_with_failures_names_tasks_and_hides_secrets(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("forbidden", create_code=1001)
    gpt.rule("invalid", create_code=2, duration=None)  # GPTunnel says the key is bad
    tg.fail_next("sendPhoto", status=502)  # a Telegram hiccup on the way out
    proc = bot_process(log_format="json", log_level="DEBUG")
    await proc.start()
    tg.push_message(USER, USER, "a red kite")
    tg.push_message(OTHER, OTHER, "something forbidden")
    await tg.wait_for(lambda s: s.is_photo, timeout=20)
    await env.wait_rows(lambda rows: len(rows) == 2 and rows[1]["state"] == "failed")
    tg.push_message(OTHER, OTHER, "an invalid key please")
    await env.wait_rows(lambda rows: len(rows) == 3 and rows[2]["state"] == "failed")
    assert await proc.terminate() == 0

    log = proc.log()
    assert_no_secrets(log)
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]  # all JSON
    assert {"time", "level", "logger", "message"} <= entries[0].keys()
    delivered = next(e for e in entries if "delivered to chat" in e["message"])
    assert (delivered["task_id"], delivered["user_id"], delivered["chat_id"]) == (1, USER, USER)
    refused = next(e for e in entries if "failed: moderation" in e["message"])
    assert (refused["task_id"], refused["user_id"], refused["chat_id"]) == (2, OTHER, OTHER)
    operator = next(e for e in entries if e["level"] == "ERROR" and "code 2" in e["message"])
    assert operator["task_id"] == 3
    # Every line that speaks of a task names it, its user and its chat.
    for entry in entries:
        if entry["message"].startswith("task "):
            assert {"task_id", "user_id", "chat_id"} <= entry.keys(), entry


@pytest.fixture
async def redirect_loop() -> AsyncIterator[str]:
    """A "Bot API" that redirects every request to itself: aiohttp gives up with an error
    whose text holds the full request URL, the token in its path."""

    async def bounce(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(location=str(request.rel_url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bounce)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_a_telegram_network_error_with_the_token_in_its_url_is_redacted(
    env: Env, tmp_path: Path, redirect_loop: str
) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
    environ.update(env.values(telegram_api_url=redirect_loop))
    environ["PYTHONPATH"] = str(REPO)
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=environ, stdout=log_file, stderr=log_file
        )
    # It never gets as far as serving: it keeps trying, one line per attempt, until stopped.
    deadline = asyncio.get_running_loop().time() + 30
    while "attempt 2" not in log_path.read_text(errors="replace"):
        assert asyncio.get_running_loop().time() < deadline, log_path.read_text()
        await asyncio.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), timeout=20) == 0
    log = log_path.read_text(errors="replace")
    assert "TelegramNetworkError" in log and "TooManyRedirects" in log
    assert "/bot***/getMe" in log  # the URL was there, the token blanked out of it
    assert_no_secrets(log)


async def test_a_webhook_run_stopped_by_sigterm_logs_no_secret(env: Env, bot_process: Any) -> None:
    """Webhook mode as deployed: its own process, a generated secret, SIGTERM, exit 0."""
    tg = env.telegram
    overrides: dict[str, Any] = {
        "webhook_url": WEBHOOK_URL,
        "webhook_host": "127.0.0.1",
        "webhook_port": free_port(),
        "log_level": "DEBUG",
    }
    proc = bot_process(**overrides)  # started here, not by its start(): it would wait to poll
    environ = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
    environ.update(env.values(**overrides))
    environ["PYTHONPATH"] = str(REPO)
    with proc.log_path.open("ab") as log_file:
        proc.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=env.tmp_path,
            env=environ,
            stdout=log_file,
            stderr=log_file,
        )
    await tg.wait_until(lambda: bool(tg.webhook.get("url")), timeout=20)
    secret = tg.webhook["secret_token"]
    tg.push_message(USER, USER, "a harbour at night")
    (update,) = tg.take_updates()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{overrides['webhook_port']}/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        ) as resp,
    ):
        assert resp.status == 200
    await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert await proc.terminate() == 0

    log = proc.log()
    assert_no_secrets(log)
    assert secret not in log
    assert "bot stopped" in log
    assert tg.calls("getUpdates") == []
