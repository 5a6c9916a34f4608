"""What a group may see and press (issue 10): /history there lists only that group's prompts,
a picture's buttons act only under that picture, and an anonymous admin's list works for the
group's admins."""

from __future__ import annotations

from typing import Any

from bot.language import texts
from bot.telegram.buttons import ImageAction, ImageButton
from handlers.history import RedrawButton
from tests.e2e.conftest import GROUP, OTHER, USER, Env
from tests.fakes import FakeTelegram
from tests.i18n import EN


def group(tg: FakeTelegram, user: int, text: str, **kw: Any) -> int:
    return tg.push_message(GROUP, user, text, chat_type="supergroup", title="Artists", **kw)


def button_data(markup: Any) -> list[str]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


async def test_history_in_a_group_lists_only_what_was_asked_there(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "my private secret")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == USER)
        group(tg, USER, "/draw a public castle")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == GROUP)
        await env.wait_rows(lambda rows: all(r["state"] == "delivered" for r in rows))
        ask = group(tg, USER, "/history")
        listing = await tg.wait_for(lambda s: s.chat_id == GROUP and s.reply_to_message_id == ask)
        private_task = env.rows()[0]["id"]
        # A forged button in the group naming the private prompt draws nothing there.
        forged = RedrawButton(task_id=private_task, for_chat=False).pack()
        tg.push_callback_query(GROUP, USER, listing.message_id, forged)
        await tg.wait_until(lambda: len(tg.callback_answers) == 1)
        mine = tg.push_message(USER, USER, "/history")
        in_private = await tg.wait_for(
            lambda s: s.chat_id == USER and s.reply_to_message_id == mine
        )
    assert listing.text == texts.history(EN, [("delivered", "a public castle")])
    assert "secret" not in (listing.text or "")
    assert tg.callback_answers[0]["text"] == texts.redraw_unknown(EN)
    assert len(env.gptunnel.creates) == 2
    # In private the person sees all of their own prompts.
    assert in_private.text == texts.history(
        EN, [("delivered", "a public castle"), ("delivered", "my private secret")]
    )


async def test_picture_buttons_act_only_under_their_own_picture(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        group(tg, USER, "/draw a picture a moderator removes")
        removed = await tg.wait_for(lambda s: s.is_photo)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
        task_id = env.rows()[0]["id"]
        group(tg, OTHER, "/draw another picture")
        other = await tg.wait_for(lambda s: s.is_photo and s.message_id != removed.message_id)
        await env.wait_rows(lambda rows: len(rows) == 2 and rows[1]["state"] == "delivered")
        await tg.wait_until(lambda: not tg.updates_pending())
        removed_data = button_data(removed.reply_markup)
        # A modified client attaches the first picture's buttons under the second one.
        for action in (ImageAction.AGAIN, ImageAction.ORIGINAL):
            data = ImageButton(action=action, task_id=task_id).pack()
            assert data in removed_data
            tg.push_callback_query(GROUP, OTHER, other.message_id, data)
        await tg.wait_until(lambda: len(tg.callback_answers) == 2)
        # Under the picture itself they work.
        again = ImageButton(action=ImageAction.AGAIN, task_id=task_id).pack()
        tg.push_callback_query(GROUP, OTHER, removed.message_id, again)
        await tg.wait_until(lambda: len(gpt.creates) == 3)
    assert [a["text"] for a in tg.callback_answers[:2]] == [texts.image_unknown(EN)] * 2
    assert not [s for s in tg.sent if s.method == "sendDocument"]
    assert [c["prompt"] for c in gpt.creates][-1] == "a picture a moderator removes"
    assert env.rows()[0]["picture_message_id"] == removed.message_id


async def test_an_anonymous_admins_history_buttons_work_for_the_groups_admins(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.set_admins(GROUP, [USER])
    async with bot_running():
        group(tg, USER, "/draw the group's own picture", sender_chat_id=GROUP)
        await tg.wait_for(lambda s: s.is_photo)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
        ask = group(tg, USER, "/history", sender_chat_id=GROUP)
        listing = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
        (redraw,) = button_data(listing.reply_markup)
        tg.push_callback_query(GROUP, OTHER, listing.message_id, redraw)  # a member: no
        await tg.wait_until(lambda: len(tg.callback_answers) == 1)
        tg.push_callback_query(GROUP, USER, listing.message_id, redraw)  # an admin: yes
        await tg.wait_until(lambda: len(tg.photos(GROUP)) == 2)
        rows = await env.wait_rows(lambda rows: len(rows) == 2)
    assert listing.text == texts.history(EN, [("delivered", "the group's own picture")])
    assert [a["text"] for a in tg.callback_answers] == [
        texts.redraw_unknown(EN),
        texts.redraw_started(EN),
    ]
    assert [c["prompt"] for c in gpt.creates] == ["the group's own picture"] * 2
    assert [r["user_id"] for r in rows] == [GROUP, GROUP]  # drawn for the group, as asked
