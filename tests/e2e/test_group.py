"""Groups, end to end: each way to ask, and chatter that must start nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.language import texts
from tests.e2e.conftest import GROUP, OTHER, USER, Env, shown_caption
from tests.i18n import EN


def group(env: Env, user: int, text: str | None = None, **kw: Any) -> int:
    return env.telegram.push_message(
        GROUP, user, text, chat_type="supergroup", title="Artists", **kw
    )


@pytest.mark.parametrize(
    "text", ["/draw a castle on a hill", "/draw@draw_test_bot a castle on a hill"]
)
async def test_draw_command_in_a_group(env: Env, bot_running: Any, text: str) -> None:
    tg = env.telegram
    async with bot_running():
        asked = group(env, USER, text)
        photo = await tg.wait_for(lambda s: s.is_photo and s.chat_id == GROUP)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert photo.reply_to_message_id == asked
    assert photo.plain_text == shown_caption("a castle on a hill")
    assert env.rows()[0]["user_id"] == USER  # the person is charged, not the group


async def test_draw_as_reply_draws_the_replied_message(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        original = group(env, OTHER, "a lighthouse in a storm")
        asked = group(env, USER, "/draw", reply_to_message_id=original)
        photo = await tg.wait_for(lambda s: s.is_photo)
    assert [c["prompt"] for c in gpt.creates] == ["a lighthouse in a storm"]
    assert photo.reply_to_message_id == asked
    assert env.rows()[0]["user_id"] == USER  # whoever asked pays, not the author


async def test_mention_prompt_when_the_bot_sees_it(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.privacy_mode = False  # a bot with privacy mode off (or an admin) sees @mentions
    async with bot_running():
        asked = group(env, USER, "@draw_test_bot a paper boat on a pond")
        photo = await tg.wait_for(lambda s: s.is_photo)
    assert [c["prompt"] for c in gpt.creates] == ["a paper boat on a pond"]
    assert photo.reply_to_message_id == asked


async def test_chatter_and_other_bots_commands_are_ignored(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.privacy_mode = False  # the bot sees everything, and must still keep quiet
    async with bot_running():
        group(env, USER, "hello everyone")
        group(env, USER, "let's draw later")
        group(env, USER, "/draw@otherbot a castle")
        group(env, USER, "thanks @draw_test_bot")
        group(env, USER, sticker=True)
        # A marker prompt proves the bot processed everything before it.
        group(env, OTHER, "/draw marker")
        await tg.wait_for(lambda s: s.is_photo)
    assert [c["prompt"] for c in gpt.creates] == ["marker"]
    assert [s.method for s in tg.sent_to(GROUP)] == ["sendMessage", "sendPhoto"]
    assert tg.updates_pending() == 0


async def test_bare_draw_and_reply_to_sticker_explain(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        bare = group(env, USER, "/draw")
        sticker = group(env, OTHER, sticker=True)
        to_sticker = group(env, USER, "/draw", reply_to_message_id=sticker)
        await tg.wait_until(lambda: len(tg.sent_to(GROUP)) == 2)
    answers = {s.reply_to_message_id: s.text for s in tg.sent_to(GROUP)}
    assert answers == {
        bare: texts.empty_prompt(EN, private=False),
        to_sticker: texts.reply_has_no_text(EN),
    }
    assert gpt.creates == []


async def test_forum_topic_reply_stays_in_its_topic(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        group(env, USER, "/draw a topic picture", message_thread_id=77)
        photo = await tg.wait_for(lambda s: s.is_photo)
    assert photo.message_thread_id == 77
