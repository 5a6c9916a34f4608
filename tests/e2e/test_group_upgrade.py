"""A basic group upgraded to a supergroup while a picture is drawn (issue 9): the picture
arrives in the supergroup, and the group's count, its /grouplimit and its history follow it.
Telegram says so up to three times (a 400 on the send, a service message in each chat); the
move is applied once."""

from __future__ import annotations

from typing import Any

from bot.language import texts
from tests.e2e.conftest import OTHER, USER, Env
from tests.i18n import EN

OLD = -4001  # a basic group: its id has no -100 in front


def say(env: Env, chat_id: int, user: int, text: str) -> int:
    chat_type = "group" if chat_id == OLD else "supergroup"
    return env.telegram.push_message(chat_id, user, text, chat_type=chat_type, title="Cats")


async def answer(env: Env, chat_id: int, asked: int) -> str:
    sent = await env.telegram.wait_for(
        lambda s: s.chat_id == chat_id and s.reply_to_message_id == asked
    )
    return sent.text or ""


async def drawing(env: Env, prompt: str) -> str:
    """The GPTunnel task of a prompt, once its "drawing…" is up in the chat."""
    rows = await env.wait_rows(
        lambda rows: any(
            r["prompt"] == prompt and r["upstream_id"] and r["status_message_id"] for r in rows
        )
    )
    return next(str(r["upstream_id"]) for r in rows if r["prompt"] == prompt)


async def test_upgraded_while_drawing_the_picture_and_the_count_follow(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.set_admins(OLD, [USER])
    gpt.rule("slow", duration=600)
    async with bot_running():
        assert await answer(env, OLD, say(env, OLD, USER, "/grouplimit 3")) == (
            texts.group_limit_set(EN, 3)
        )
        say(env, OLD, USER, "/draw one")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == OLD)
        say(env, OLD, OTHER, "/draw a slow cat")
        upstream_id = await drawing(env, "a slow cat")

        new = tg.migrate_chat(OLD)
        # Telegram's service messages held back: the bot learns of the upgrade from the 400.
        held = tg.take_updates()
        gpt.mark_done(upstream_id)
        photo = await tg.wait_for(lambda s: s.is_photo and s.chat_id == new)
        await env.wait_rows(lambda rows: rows[-1]["state"] == "delivered")
        moved = env.rows("SELECT * FROM chat_migrations")
        # Now the service messages come: the move is not applied again.
        for update in held:
            tg.push_update({key: value for key, value in update.items() if key != "update_id"})
        await tg.wait_until(lambda: tg.updates_pending() == 0)

        shown = await answer(env, new, say(env, new, OTHER, "/grouplimit"))
        listed = await answer(env, new, say(env, new, OTHER, "/history"))
        say(env, new, OTHER, "/draw three")
        await tg.wait_until(lambda: len(tg.photos(new)) == 2)
        refused = await answer(env, new, say(env, new, USER, "/draw four"))
        again = env.rows("SELECT * FROM chat_migrations")

    assert photo.reply_to_message_id is None  # the prompt is a message of the old chat
    assert [dict(r) for r in moved] == [dict(r) for r in again]
    assert [(r["old_chat_id"], r["new_chat_id"]) for r in again] == [(OLD, new)]
    assert {r["chat_id"] for r in env.rows()} == {new}
    assert [tuple(r) for r in env.rows("SELECT chat_id, daily_limit FROM chat_limits")] == [
        (new, 3)
    ]
    assert shown == texts.group_limit_show(EN, 3, 2)
    assert "a slow cat" in listed
    assert refused.startswith("🧮 Not enough of this group's credits for today: used 3 of 3")
    assert [c["prompt"] for c in gpt.creates] == ["one", "a slow cat", "three"]


async def test_the_service_message_first_moves_the_open_task_before_its_picture(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slow", duration=600)
    async with bot_running(group_daily_limit=2):
        say(env, OLD, USER, "/draw a slow dog")
        upstream_id = await drawing(env, "a slow dog")
        new = tg.migrate_chat(OLD)
        await env.wait_rows(lambda rows: rows[0]["chat_id"] == new)
        task = env.rows()[0]
        gpt.mark_done(upstream_id)
        photo = await tg.wait_for(lambda s: s.is_photo)
        say(env, new, OTHER, "/draw two")
        await tg.wait_until(lambda: len(tg.photos(new)) == 2)
        refused = await answer(env, new, say(env, new, USER, "/draw three"))
    assert photo.chat_id == new and photo.reply_to_message_id is None
    # The prompt and the "drawing…" are messages of the old chat: nothing to reply to there.
    assert (task["message_id"], task["status_message_id"]) == (None, None)
    assert len(env.rows("SELECT * FROM chat_migrations")) == 1
    assert refused.startswith("🧮 Not enough of this group's credits for today: used 2 of 2")
