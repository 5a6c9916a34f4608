"""SIGTERM: stop taking updates, let work under way finish, keep the rest, exit 0."""

from __future__ import annotations

import signal
from typing import Any

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import USER, Env
from tests.i18n import EN


async def test_sigterm_mid_task_then_restart_delivers_the_image(env: Env, bot_process: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("patient", duration=2.0)
    first = bot_process()
    await first.start()
    asked = tg.push_message(USER, USER, "a patient heron")
    await env.wait_rows(lambda rows: bool(rows) and rows[0]["state"] == "submitted", timeout=20)
    assert await first.terminate() == 0
    # Not failed, not refunded: left for the next start.
    row = env.rows()[0]
    assert row["state"] == "submitted" and row["charged"] == 1
    assert "bot stopped" in first.log()

    second = bot_process()
    await second.start()
    photo = await tg.wait_for(lambda s: s.is_photo, timeout=20)
    await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert await second.terminate() == 0
    assert photo.reply_to_message_id == asked
    assert len(gpt.creates) == 1 and len(tg.photos(USER)) == 1
    assert env.charged(USER) == 1


async def test_sigterm_lets_a_photo_being_sent_finish(env: Env, bot_process: Any) -> None:
    tg = env.telegram
    tg.delay("sendPhoto", 1.5)  # Telegram is slow to answer the upload
    proc = bot_process(shutdown_timeout=15)
    await proc.start()
    tg.push_message(USER, USER, "a slow upload")
    await tg.wait_until(lambda: bool(tg.calls("sendPhoto")), timeout=20)
    assert await proc.terminate() == 0
    assert env.rows()[0]["state"] == "delivered"
    assert len(tg.photos(USER)) == 1


async def test_sigterm_during_the_create_call_lets_it_finish_instead_of_failing(
    env: Env, bot_process: Any
) -> None:
    """The handler taking the prompt in is waited for too: without that, the task would be
    caught in `submitting` and the next start would have to fail it."""
    tg, gpt = env.telegram, env.gptunnel
    gpt.fail_next("create", delay=1.5)
    gpt.rule("heron", duration=2.0)
    first = bot_process(shutdown_timeout=15)
    await first.start()
    tg.push_message(USER, USER, "a heron, slowly")
    await env.wait_rows(lambda rows: bool(rows) and rows[0]["state"] == "submitting", timeout=20)
    assert await first.terminate() == 0
    assert env.rows()[0]["state"] == "submitted"

    second = bot_process()
    await second.start()
    await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert await second.terminate() == 0
    assert env.rows()[0]["failure"] is None
    assert all(s.plain_text != texts.failure(EN, Failure.INTERRUPTED) for s in tg.sent)
    assert len(gpt.creates) == 1


async def test_shutdown_timeout_bounds_the_wait_and_the_task_is_kept(
    env: Env, bot_process: Any
) -> None:
    tg = env.telegram
    tg.delay("sendPhoto", 60)  # a send that would never finish in time
    first = bot_process(shutdown_timeout=1)
    await first.start()
    tg.push_message(USER, USER, "a stuck upload")
    await tg.wait_until(lambda: bool(tg.calls("sendPhoto")), timeout=20)
    assert await first.terminate() == 0  # terminate() gives up after 20 s
    assert env.rows()[0]["state"] == "ready"

    tg.delay("sendPhoto", 0)
    second = bot_process()
    await second.start()
    await env.wait_rows(lambda rows: rows[0]["state"] == "delivered", timeout=20)
    assert await second.terminate() == 0
    assert env.charged(USER) == 1


async def test_sigint_is_a_clean_stop_too(env: Env, bot_process: Any) -> None:
    proc = bot_process()
    await proc.start()
    assert proc.proc is not None
    proc.proc.send_signal(signal.SIGINT)
    assert await proc.proc.wait() == 0
    assert "Traceback" not in proc.log()
    assert "bot stopped" in proc.log()
