"""A group's own daily limit, who may set it, and prompts sent on behalf of a chat."""

from __future__ import annotations

from typing import Any

from bot.language import texts
from tests.e2e.conftest import GROUP, OTHER, USER, Env
from tests.fakes import FakeTelegram
from tests.i18n import EN, RU

GROUP_ANONYMOUS_BOT = 1087968824  # Telegram's stand-in "user" for anonymous admins
CHANNEL = -100424242


def group(tg: FakeTelegram, user: int, text: str, **kw: Any) -> int:
    return tg.push_message(GROUP, user, text, chat_type="supergroup", title="Artists", **kw)


async def answer_to(tg: FakeTelegram, asked: int) -> str | None:
    sent = await tg.wait_for(lambda s: s.chat_id == GROUP and s.reply_to_message_id == asked)
    return sent.text


async def test_group_daily_limit_counts_every_member(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(group_daily_limit=2):
        group(tg, USER, "/draw one")
        await tg.wait_for(lambda s: s.is_photo)
        group(tg, OTHER, "/draw two")
        await tg.wait_until(lambda: len(tg.photos(GROUP)) == 2)
        refused = await answer_to(tg, group(tg, USER, "/draw three"))
        # The group's limit is the group's: the same person in private is not affected.
        tg.push_message(USER, USER, "in private")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == USER)
        shown = await answer_to(tg, group(tg, OTHER, "/grouplimit"))
    assert (refused or "").startswith(
        "🧮 Not enough of this group's credits for today: used 2 of 2,"
    )
    assert [c["prompt"] for c in gpt.creates] == ["one", "two", "in private"]
    assert shown == texts.group_limit_show(EN, 2, 2)


async def test_admins_set_the_group_limit_and_members_cannot(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.set_admins(GROUP, [USER])
    async with bot_running():
        before = await answer_to(tg, group(tg, OTHER, "/grouplimit"))
        denied = await answer_to(tg, group(tg, OTHER, "/grouplimit 5"))
        allowed = await answer_to(tg, group(tg, USER, "/grouplimit 1"))
        bad = await answer_to(tg, group(tg, USER, "/grouplimit lots"))
        group(tg, OTHER, "/draw within the limit")
        await tg.wait_for(lambda s: s.is_photo)
        refused = await answer_to(tg, group(tg, USER, "/draw past the limit"))
    assert before == texts.group_limit_show(EN, None, 0)
    assert denied == texts.group_limit_not_admin(EN)
    assert allowed == texts.group_limit_set(EN, 1)
    assert bad == texts.group_limit_usage(EN)
    assert (refused or "").startswith(
        "🧮 Not enough of this group's credits for today: used 1 of 1"
    )
    assert env.rows("SELECT chat_id, daily_limit FROM chat_limits")[0][1] == 1


async def test_owner_and_anonymous_admin_may_set_it_and_zero_removes_it(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    tg.set_admins(GROUP, [], owner_id=OTHER)
    async with bot_running(group_daily_limit=1):
        by_owner = await answer_to(tg, group(tg, OTHER, "/grouplimit 0"))
        by_anonymous = await answer_to(tg, group(tg, USER, "/grouplimit 7", sender_chat_id=GROUP))
        by_channel = await answer_to(tg, group(tg, USER, "/grouplimit 9", sender_chat_id=CHANNEL))
        in_russian = await answer_to(tg, group(tg, USER, "/grouplimit 3", language_code="ru"))
    assert by_owner == texts.group_limit_set(EN, None)
    assert by_anonymous == texts.group_limit_set(EN, 7)
    assert by_channel == texts.channel_refused(EN)
    assert in_russian == texts.group_limit_not_admin(RU)
    assert env.rows("SELECT daily_limit FROM chat_limits")[0][0] == 7


async def test_anonymous_admins_are_charged_to_their_group(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(daily_limit=1):
        group(tg, USER, "/draw by the group itself", sender_chat_id=GROUP)
        await tg.wait_until(lambda: len(tg.photos(GROUP)) == 1)
        # Another anonymous admin of the same group shares the group's own quota.
        refused = await answer_to(tg, group(tg, OTHER, "/draw again", sender_chat_id=GROUP))
        # The person behind it keeps their own quota.
        group(tg, USER, "/draw in person")
        rows = await env.wait_rows(
            lambda rows: len(rows) == 2 and all(r["state"] == "delivered" for r in rows)
        )
    assert [r["user_id"] for r in rows] == [GROUP, USER]
    assert GROUP_ANONYMOUS_BOT not in {r["user_id"] for r in env.rows()}
    assert (refused or "").startswith(
        "🧮 Not enough credits. This picture needs: 1; left today: 0 of 1"
    )


async def test_someone_writing_as_a_channel_is_refused_and_starts_nothing(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.privacy_mode = False  # the bot sees the channel's chatter too, and must keep quiet
    async with bot_running():
        chatter = group(tg, USER, "a channel chatting", sender_chat_id=CHANNEL)
        asked = [
            group(tg, USER, text, sender_chat_id=CHANNEL)
            for text in ("/draw a free picture", "@draw_test_bot another", "/quota", "/history")
        ]
        answers = [await answer_to(tg, message_id) for message_id in asked]
        # A ban on the person is not escaped either: a channel gets nothing at all.
        group(tg, OTHER, "/draw marker")
        await tg.wait_for(lambda s: s.is_photo)
    assert answers == [texts.channel_refused(EN)] * 4
    assert [c["prompt"] for c in gpt.creates] == ["marker"]
    assert CHANNEL not in {r["user_id"] for r in env.rows()}
    assert not [s for s in tg.sent_to(GROUP) if s.reply_to_message_id == chatter]
