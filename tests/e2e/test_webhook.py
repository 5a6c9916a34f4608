"""Webhook mode against the fake Telegram: registration, the secret header, quick answers."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from tests.e2e.conftest import USER, Env, shown_caption
from tests.e2e.serving import WEBHOOK_URL, base_url, get, post_update, running_webhook


def one_update(env: Env, text: str) -> dict[str, Any]:
    env.telegram.push_message(USER, USER, text)
    (update,) = env.telegram.take_updates()
    return update


async def test_registers_the_webhook_and_handles_a_post_with_the_secret(env: Env) -> None:
    tg = env.telegram
    async with running_webhook(env, webhook_secret="given_Secret-123") as app:
        assert tg.webhook["url"] == WEBHOOK_URL
        assert tg.webhook["secret_token"] == "given_Secret-123"
        allowed = tg.webhook["allowed_updates"]
        assert "message" in allowed
        assert allowed == app.dispatcher.resolve_used_update_types()

        status, body = await post_update(app, one_update(env, "a lighthouse"), "given_Secret-123")
        assert status == 200 and json.loads(body) == {}
        photo = await tg.wait_for(lambda s: s.is_photo and s.chat_id == USER, timeout=20)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert photo.plain_text == shown_caption("a lighthouse")
    assert tg.calls("getUpdates") == []  # in webhook mode the bot never polls
    assert tg.webhook["url"] == WEBHOOK_URL  # left set: Telegram queues updates while we restart


async def test_wrong_or_missing_secret_gets_401_and_starts_nothing(env: Env) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with running_webhook(env, webhook_secret="the_right_one") as app:
        wrong = await post_update(app, one_update(env, "sneaky one"), "not_the_right_one")
        missing = await post_update(app, one_update(env, "sneaky two"), None)
        assert wrong[0] == 401 and missing[0] == 401
        # A good request afterwards is handled: by the time its photo is out, the bad ones
        # would have left their traces too.
        assert (await post_update(app, one_update(env, "honest"), "the_right_one"))[0] == 200
        await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert [row["prompt"] for row in env.rows()] == ["honest"]
    assert [c["prompt"] for c in gpt.creates] == ["honest"]
    assert all(s.plain_text != "sneaky one" for s in tg.sent)


async def test_a_generated_secret_is_stored_and_kept_across_restarts(env: Env) -> None:
    tg = env.telegram
    async with running_webhook(env):
        first = tg.webhook["secret_token"]
    tg.webhook = {}
    async with running_webhook(env) as app:
        second = tg.webhook["secret_token"]
        assert (await post_update(app, one_update(env, "still me"), second))[0] == 200
        await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert first == second
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", first)
    stored = env.rows("SELECT value FROM meta WHERE key = 'webhook_secret'")
    assert [row["value"] for row in stored] == [first]


async def test_the_post_is_answered_before_the_work_is_done(env: Env) -> None:
    gpt = env.gptunnel
    gpt.fail_next("create", delay=2.0)  # GPTunnel is slow to take the task
    async with running_webhook(env, webhook_secret="quick_answer") as app:
        status, _ = await post_update(app, one_update(env, "patience"), "quick_answer")
        assert status == 200
        # Answered while the prompt is still on its way upstream, not after.
        assert all(row["state"] in ("new", "submitting") for row in env.rows())
        await env.telegram.wait_for(lambda s: s.is_photo, timeout=20)


async def test_health_and_metrics_share_the_webhook_server(env: Env) -> None:
    async with running_webhook(env, webhook_secret="shared_port") as app:
        status, body = await get(base_url(app) + "/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, body = await get(base_url(app) + "/metrics")
        assert status == 200 and "drawbot_tasks_open 0.0" in body


async def test_polling_mode_removes_a_webhook_left_from_webhook_mode(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    tg.webhook = {"url": WEBHOOK_URL, "secret_token": "old"}
    async with bot_running():
        tg.push_message(USER, USER, "back to polling")
        await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert tg.webhook == {}
    assert tg.calls("deleteWebhook") and tg.calls("deleteWebhook")[0][2].get(
        "drop_pending_updates"
    ) in (None, False, "false", "False")


async def test_a_secret_that_is_not_ascii_gets_401_not_500(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_webhook(env, webhook_secret="the_right_one") as app:
        # UTF-8 bytes in the header, as a client would send "ключ".
        forged = "ключ".encode().decode("latin-1")
        status, _ = await post_update(app, one_update(env, "sneaky"), forged)
        assert status == 401
    assert "Traceback" not in caplog.text and "sneaky" not in {r["prompt"] for r in env.rows()}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
