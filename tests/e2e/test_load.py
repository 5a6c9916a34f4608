"""Holding up under a crowd: Telegram's flood limits, GPTunnel's request budget, intake that
never queues behind polling, and images beyond Telegram's photo limits."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.e2e.conftest import USER, Env, shown_caption


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    worst, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - 1.0:
            lo += 1
        worst = max(worst, hi - lo + 1)
    return worst


async def test_a_small_burst_gets_no_429_from_an_enforcing_telegram(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    tg.enforce_limits = True  # 30/s overall, ~1/s per private chat, 20/min per group
    users = range(7001, 7041)
    # The eager person's four prompts are all meant to be drawn: no per-person cap here.
    async with bot_running(daily_limit=0, max_active_tasks=0):
        for user in users:
            tg.push_message(user, user, f"crowd picture {user}")
        for n in range(4):  # one eager person fires several prompts in a row
            tg.push_message(USER, USER, f"eager picture {n}")
        await tg.wait_until(lambda: len(tg.photos()) == len(users) + 4, timeout=60)
    assert tg.count_429 == 0
    assert {p.chat_id for p in tg.photos()} == {*users, USER}


async def test_polling_never_exceeds_the_request_budget(env: Env, bot_running: Any) -> None:
    gpt = env.gptunnel
    gpt.rule("long", duration=120)
    async with bot_running(daily_limit=0, gptunnel_max_rps=4, poll_interval=0.05):
        for user in range(8001, 8031):
            env.telegram.push_message(user, user, f"a long task {user}")
        await env.telegram.wait_until(lambda: len(gpt.creates) == 30)
        await env.telegram.wait_until(lambda: len(gpt.results) >= 16, timeout=20)
    polls = [t for t, _ in gpt.results]
    assert busiest_second(polls) <= 4
    assert len({task for _, task in gpt.results}) > 1  # the budget is shared, not one task's


async def test_intake_is_not_queued_behind_polling(env: Env, bot_running: Any) -> None:
    gpt = env.gptunnel
    gpt.rule("long", duration=120)
    async with bot_running(daily_limit=0, gptunnel_max_connections=2, poll_interval=0.05):
        for user in range(8101, 8111):
            env.telegram.push_message(user, user, f"a long task {user}")
        await env.telegram.wait_until(lambda: len(gpt.creates) == 10)
        # Every polling connection now hangs on a GPTunnel that takes 30 s to answer a poll.
        gpt.fail_next("result", delay=30, times=1000)
        await env.telegram.wait_until(lambda: gpt.in_flight >= 2)
        env.telegram.push_message(USER, USER, "a new prompt")
        await env.telegram.wait_until(lambda: len(gpt.creates) == 11, timeout=5)
    assert gpt.creates[-1]["prompt"] == "a new prompt"


async def test_an_image_beyond_photo_limits_is_scaled_down(env: Env, bot_running: Any) -> None:
    env.gptunnel.rule("huge", image_size=(9000, 3000))
    async with bot_running():
        env.telegram.push_message(USER, USER, "a huge panorama")
        photo = await env.telegram.wait_for(lambda s: s.is_photo, timeout=20)
    assert photo.file_bytes is not None
    width, height = Image.open(io.BytesIO(photo.file_bytes)).size
    assert width + height <= 10_000 and width / height == 3.0


async def test_an_image_too_narrow_for_a_photo_goes_as_a_document(
    env: Env, bot_running: Any
) -> None:
    env.gptunnel.rule("ribbon", image_size=(4200, 200))
    async with bot_running():
        asked = env.telegram.push_message(USER, USER, "a ribbon")
        sent = await env.telegram.wait_for(lambda s: s.method == "sendDocument", timeout=20)
        # The row is marked after Telegram answers the send: wait for it, don't race it.
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert sent.reply_to_message_id == asked and sent.plain_text == shown_caption("a ribbon")
    assert env.telegram.photos() == []
