"""`python -m bot` killed with SIGKILL at awkward moments, then started again."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import API_KEY, TOKEN, USER, Env
from tests.e2e.crashes import cut_off_twice
from tests.i18n import EN


async def test_kill9_while_generating_then_restart_delivers_once(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("survivor", duration=1.5)
    first = bot_process()
    await first.start()
    asked = tg.push_message(USER, USER, "a survivor of restarts")
    await env.wait_rows(lambda rows: bool(rows) and rows[0]["state"] == "submitted", timeout=20)
    await first.kill9()

    second = bot_process()
    await second.start()
    photo = await tg.wait_for(lambda s: s.is_photo, timeout=20)
    await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    status_id = env.rows()[0]["status_message_id"]
    await tg.wait_until(lambda: tg.current_text(USER, status_id) is None)  # status cleared
    assert await second.terminate() == 0

    assert photo.reply_to_message_id == asked
    assert len(gpt.creates) == 1, "a restart must never start the prompt upstream again"
    assert len(tg.photos(USER)) == 1
    assert env.charged(USER) == 1
    log = first.log()
    assert TOKEN not in log and API_KEY not in log


async def test_kill9_during_the_create_call_sends_it_once_more_and_delivers(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.lose_next_create_answer(delay=5.0)  # the task exists upstream; its answer is slow
    first = bot_process()
    await first.start()
    asked = tg.push_message(USER, USER, "caught mid-create")
    await env.wait_rows(
        lambda rows: rows[0]["state"] == "submitting" and rows[0]["status_message_id"] is not None,
        timeout=20,
    )
    await tg.wait_until(lambda: len(gpt.creates) == 1)
    await first.kill9()

    second = bot_process()
    await second.start()
    photo = await tg.wait_for(lambda s: s.is_photo, timeout=20)
    rows = await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert await second.terminate() == 0

    # Nobody had to ask again: the create went out once more (and only once more).
    assert photo.reply_to_message_id == asked
    assert [c["prompt"] for c in gpt.creates] == ["caught mid-create"] * 2
    assert len(tg.photos(USER)) == 1 and env.charged(USER) == 1
    assert rows[0]["resubmitted"] == 1
    assert texts.failure(EN, Failure.INTERRUPTED) not in [s.text for s in tg.sent]
    assert f"task {rows[0]['id']} was cut off while being created" in second.log()


async def test_a_create_cut_off_twice_is_ended_and_refunded_not_sent_a_third_time(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    await cut_off_twice(env, bot_process, lambda: tg.push_message(USER, USER, "unlucky twice"))

    third = bot_process()
    await third.start()
    rows = await env.wait_rows(lambda rows: rows[0]["state"] == "failed", timeout=20)
    await tg.wait_until(
        lambda: (
            tg.current_text(USER, rows[0]["status_message_id"])
            == texts.failure(EN, Failure.INTERRUPTED)
        )
    )
    tg.push_message(USER, USER, "sent again")  # the person may ask again as usual
    await tg.wait_for(lambda s: s.is_photo, timeout=20)
    assert await third.terminate() == 0

    assert [c["prompt"] for c in gpt.creates] == ["unlucky twice"] * 2 + ["sent again"]
    assert env.charged(USER) == 1


async def test_kill9_during_the_photo_upload_then_restart_delivers_once(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.stall_upload("sendPhoto", 3.0)
    first = bot_process()
    await first.start()
    tg.push_message(USER, USER, "a slow upload")
    await env.wait_rows(lambda rows: rows[0]["state"] == "ready", timeout=20)
    await asyncio.sleep(0.5)  # the upload is under way
    await first.kill9()
    tg.stall_upload("sendPhoto", 0)

    second = bot_process()
    await second.start()
    await tg.wait_for(lambda s: s.is_photo, timeout=20)
    await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert await second.terminate() == 0
    assert len(tg.photos(USER)) == 1
    assert len(gpt.creates) == 1
    assert env.charged(USER) == 1


async def test_kill9_after_telegram_took_the_photo_resends_rather_than_loses(
    env: Env, bot_process: Any
) -> None:
    """The one window no bot can close: Telegram has the photo, the bot dies before hearing so.
    The Bot API has no idempotency key, so the bot sends again: a picture may come twice in
    this window, but is never lost."""
    tg = env.telegram
    tg.delay("sendPhoto", 3.0)  # the body is in, the answer is slow
    first = bot_process()
    await first.start()
    tg.push_message(USER, USER, "answered too late")
    await tg.wait_until(lambda: bool(tg.calls("sendPhoto")), timeout=20)
    await first.kill9()
    tg.delay("sendPhoto", 0)

    second = bot_process()
    await second.start()
    await env.wait_rows(lambda rows: rows[0]["state"] == "delivered", timeout=20)
    await tg.wait_until(lambda: len(tg.photos(USER)) == 2)  # the late first answer lands too
    assert await second.terminate() == 0
    assert env.charged(USER) == 1
