"""The quota holds under a burst: many prompts at once from one person."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import OTHER, USER, Env


async def test_twenty_prompts_at_once_with_limit_two_start_exactly_two(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(daily_limit=2) as app:
        asked = [tg.push_message(USER, USER, f"burst picture {n}") for n in range(20)]
        tg.push_message(OTHER, OTHER, "someone else")
        await tg.wait_until(
            lambda: len(tg.photos(USER)) == 2 and len(tg.photos(OTHER)) == 1, timeout=40
        )
        # Telegram allows about one message a second in a chat: the refusals come paced, and
        # those past the chat's queue of replies are dropped (and counted), not queued.
        await app.replies.settle()
    assert len([c for c in gpt.creates if c["prompt"].startswith("burst")]) == 2
    refusals = [s for s in tg.sent_to(USER) if "left today: 0 of 2" in (s.text or "")]
    assert refusals and len(refusals) + app.replies.dropped == 18
    assert app.metrics.registry.get_sample_value("drawbot_replies_dropped_total") == (
        app.replies.dropped
    )
    answered = {s.reply_to_message_id for s in refusals} | {
        p.reply_to_message_id for p in tg.photos(USER)
    }
    assert answered <= set(asked) and len(answered) == len(refusals) + 2
    assert env.charged(USER) == 2


async def test_failure_gives_the_quota_back_for_the_next_prompt(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("doomed", final_status="error")
    async with bot_running(daily_limit=1):
        tg.push_message(USER, USER, "doomed picture")
        await env.wait_rows(lambda rows: rows[0]["state"] == "failed")
        tg.push_message(USER, USER, "second chance")
        await tg.wait_for(lambda s: s.is_photo)
    assert [c["prompt"] for c in gpt.creates] == ["doomed picture", "second chance"]
    assert env.charged(USER) == 1
