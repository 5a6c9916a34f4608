"""/history with its "draw again" buttons, /cancel with its refund, and the per-user cap."""

from __future__ import annotations

from typing import Any

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import OTHER, USER, Env, shown_caption
from tests.i18n import EN


def buttons(markup: Any) -> list[dict[str, Any]]:
    return [button for row in (markup or {}).get("inline_keyboard", []) for button in row]


async def test_history_lists_prompts_and_redraws_one(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        for prompt in ("a first picture", "a second picture"):
            tg.push_message(USER, USER, prompt)
            await tg.wait_until(
                lambda p=prompt: any(s.plain_text == shown_caption(p) for s in tg.photos())
            )
        await env.wait_rows(lambda rows: all(r["state"] == "delivered" for r in rows))
        ask = tg.push_message(USER, USER, "/history")
        listing = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
        # Newest first; the second button redraws the older prompt.
        pressed = buttons(listing.reply_markup)[1]
        tg.push_callback_query(USER, USER, listing.message_id, pressed["callback_data"])
        again = await tg.wait_for(
            lambda s: s.is_photo and s.reply_to_message_id == listing.message_id
        )
    assert listing.text == texts.history(
        EN, [("delivered", "a second picture"), ("delivered", "a first picture")]
    )
    assert [b["text"] for b in buttons(listing.reply_markup)] == [
        texts.redraw_button(EN, 1),
        texts.redraw_button(EN, 2),
    ]
    assert again.plain_text == shown_caption("a first picture")
    assert [c["prompt"] for c in gpt.creates][-1] == "a first picture"
    assert tg.callback_answers[0]["text"] == texts.redraw_started(EN)
    assert env.charged(USER) == 3  # a redraw is charged like any prompt


async def test_redraw_of_someone_elses_prompt_starts_nothing(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        tg.push_message(USER, USER, "mine only")
        await tg.wait_for(lambda s: s.is_photo)
        task_id = env.rows()[0]["id"]
        ask = tg.push_message(OTHER, OTHER, "/history")
        listing = await tg.wait_for(lambda s: s.chat_id == OTHER and s.reply_to_message_id == ask)
        tg.push_callback_query(OTHER, OTHER, listing.message_id, f"redraw:{task_id}")
        tg.push_callback_query(OTHER, OTHER, listing.message_id, "redraw:not-a-number")
        tg.push_callback_query(OTHER, OTHER, listing.message_id, "redraw:" + "9" * 40)
        await tg.wait_until(lambda: len(tg.callback_answers) == 3)
    assert listing.text == texts.history_empty(EN)
    assert [a["text"] for a in tg.callback_answers] == [texts.redraw_unknown(EN)] * 3
    assert len(gpt.creates) == 1


async def test_cancel_stops_only_what_gptunnel_has_not_started(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slow", duration=1.0)
    async with bot_running():
        tg.push_message(USER, USER, "slow one")
        await env.wait_rows(
            lambda rows: rows[0]["state"] == "submitted" and rows[0]["status_message_id"]
        )
        # GPTunnel stops answering: the next prompt waits as `new`, never sent upstream.
        await gpt.stop()
        tg.push_message(USER, USER, "never sent")
        await env.wait_rows(lambda rows: len(rows) == 2 and rows[1]["status_message_id"])
        ask = tg.push_message(USER, USER, "/cancel")
        answer = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
        waiting = env.rows()[1]
        await gpt.start(port=gpt.port)
        # The task GPTunnel was drawing still comes: its charge stands.
        photo = await tg.wait_for(lambda s: s.is_photo)
        await tg.wait_until(
            lambda: (
                tg.current_text(USER, waiting["status_message_id"])
                == texts.failure(EN, Failure.CANCELLED)
            )
        )
    assert answer.text == texts.cancelled(EN, 1, 1)
    assert (waiting["state"], waiting["failure"], waiting["charged"]) == ("failed", "cancelled", 0)
    assert photo.plain_text == shown_caption("slow one")
    assert [c["prompt"] for c in gpt.creates] == ["slow one"]
    assert env.charged(USER) == 1


async def test_cancel_of_a_task_being_drawn_says_it_still_comes(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slow", duration=1.0)
    async with bot_running():
        tg.push_message(USER, USER, "slow one")
        await env.wait_rows(lambda rows: rows[0]["state"] == "submitted")
        ask = tg.push_message(USER, USER, "/cancel")
        answer = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
        photo = await tg.wait_for(lambda s: s.is_photo)
        rows = await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    assert answer.text == texts.cancelled(EN, 0, 1)
    assert photo.plain_text == shown_caption("slow one")
    assert rows[0]["charged"] == 1


async def test_cancel_with_nothing_waiting(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        ask = tg.push_message(USER, USER, "/cancel")
        answer = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
    assert answer.text == texts.cancelled(EN, 0, 0)


async def test_prompt_past_the_cap_is_refused_not_queued(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slow", duration=2.0)
    async with bot_running():  # MAX_ACTIVE_TASKS defaults to 2
        first = tg.push_message(USER, USER, "slow one")
        second = tg.push_message(USER, USER, "slow two")
        third = tg.push_message(USER, USER, "slow three")
        refusal = await tg.wait_for(lambda s: s.reply_to_message_id == third)
        tg.push_message(OTHER, OTHER, "someone else")  # the cap is per person
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == OTHER)
        await tg.wait_until(lambda: len(tg.photos(USER)) == 2)
    assert refusal.text == texts.too_many_active(EN, 2)
    assert {p.reply_to_message_id for p in tg.photos(USER)} == {first, second}
    # The two creates run side by side: their order upstream is not the order of the prompts.
    slow = sorted(c["prompt"] for c in gpt.creates if c["prompt"].startswith("slow"))
    assert slow == ["slow one", "slow two"]
    assert env.charged(USER) == 2
