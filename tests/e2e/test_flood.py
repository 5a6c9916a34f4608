"""One busy chat must not stall everyone: handlers never wait for a chat's pace, and a flood is
throttled before any work (issue 10)."""

from __future__ import annotations

from typing import Any

from bot.runtime.assembly import App
from tests.e2e.conftest import GROUP, USER, Env

CROWD = range(9000, 9300)


def throttled(app: App) -> float:
    return app.metrics.registry.get_sample_value("drawbot_updates_throttled_total") or 0.0


async def test_a_flooded_group_does_not_hold_up_a_private_chat(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.enforce_limits = True  # 20 messages a minute in a group, ~1 a second in a private chat
    async with bot_running(shutdown_timeout=1) as app:
        for user in CROWD:
            tg.push_message(GROUP, user, "/quota", chat_type="supergroup", title="Busy")
        asked = tg.push_message(USER, USER, "/quota")
        private = await tg.wait_for(
            lambda s: s.chat_id == USER and s.reply_to_message_id == asked, timeout=30
        )
        # Every update was taken in; the group's beyond its allowance were refused unasked.
        await tg.wait_until(lambda: throttled(app) == len(CROWD) - 20)
        group_before = [s for s in tg.sent[: tg.sent.index(private)] if s.chat_id == GROUP]
        # The group gets at most its allowance of answers (and one "slow down"), sent or queued.
        answered = len(tg.sent_to(GROUP)) + app.replies.waiting(GROUP)
    assert "0 of 5" in (private.text or "")
    # Telegram lets the bot answer the group about once every 3 s: the private answer did not
    # wait behind twenty of them.
    assert len(group_before) < 20
    assert answered <= 20 + 1
    assert tg.count_429 == 0
