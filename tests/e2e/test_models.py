"""Models and aspect ratios end to end: chosen by button and by --model/--ar, sent upstream
only where taken, recorded on the task, named under the picture, kept by "again"; a ratio the
model does not take refused with the list; a 3-credit model with 2 credits left refused; a
group's model set by its admin."""

from __future__ import annotations

from typing import Any

from bot.language import texts
from bot.telegram.buttons import ImageAction, ImageButton
from tests.e2e.conftest import GROUP, OTHER, USER, Env, shown_caption
from tests.fakes import FakeTelegram
from tests.fakes.telegram import Sent
from tests.i18n import EN


async def ask(tg: FakeTelegram, text: str, user: int = USER, **kw: Any) -> Sent:
    """A message to the bot and the bot's reply to it (the photo, or the first text that is
    not the "drawing…" status)."""
    chat = kw.pop("chat", user)
    asked = tg.push_message(chat, user, text, **kw)
    return await tg.wait_for(
        lambda s: (
            s.chat_id == chat
            and s.reply_to_message_id == asked
            and (s.is_photo or s.text != texts.working(EN))
        )
    )


async def press(tg: FakeTelegram, menu: Sent, data: str, user: int = USER) -> str | None:
    """Press a button under `menu`; the bot's answer to the press."""
    query = tg.push_callback_query(menu.chat_id, user, menu.message_id, data)
    await tg.wait_until(lambda: any(a["callback_query_id"] == query for a in tg.callback_answers))
    answer = next(a for a in tg.callback_answers if a["callback_query_id"] == query)
    return answer["text"]  # type: ignore[no-any-return]


def buttons(sent: Sent) -> list[str]:
    rows = (sent.reply_markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def test_model_and_ratio_chosen_by_button(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        menu = await ask(tg, "/model")
        assert "model:flux-dev" in buttons(menu)
        assert await press(tg, menu, "model:flux-dev") == (
            "🎨 Model set: FLUX.1 [dev] (credits per picture: 2)."
        )
        await tg.wait_until(lambda: "✅ FLUX.1 [dev]" in str(tg.message(USER, menu.message_id)))
        ratios = await ask(tg, "/ar")
        assert "ar:21:9" in buttons(ratios)
        assert (
            await press(tg, ratios, "ar:21:9") == "📐 Aspect ratio set: 21:9 (with FLUX.1 [dev])."
        )
        photo = await ask(tg, "a wide harbour at dusk")
    assert photo.is_photo
    assert photo.plain_text == shown_caption("a wide harbour at dusk", "FLUX.1 [dev]", "21:9")
    create = gpt.creates[-1]
    assert (create["model"], create["ar"], create["prompt"]) == (
        "flux-dev",
        "21:9",
        "a wide harbour at dusk",
    )
    row = env.rows()[-1]
    assert (row["model"], row["ar"], row["credits"], row["paid_credits"]) == (
        "flux-dev",
        "21:9",
        2,
        0,
    )
    assert env.rows("SELECT model, ar FROM users WHERE user_id = ?", (USER,))[0][:] == (
        "flux-dev",
        "21:9",
    )


async def test_model_and_ratio_written_in_the_prompt(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        photo = await ask(tg, "a lighthouse —model seedream-3 --ar 16:9")
        plain = await ask(tg, "a plain lighthouse")
    assert photo.plain_text == shown_caption("a lighthouse", "Seedream 3", "16:9")
    assert plain.plain_text == shown_caption("a plain lighthouse")  # only that picture
    assert [(c["model"], c["ar"], c["prompt"]) for c in gpt.creates] == [
        ("seedream-3", "16:9", "a lighthouse"),
        ("yandex-art", None, "a plain lighthouse"),
    ]
    # yandex-art takes no `ar`: the key was not even sent.
    assert "ar" not in gpt.creates[-1]["body"]


async def test_a_ratio_the_model_does_not_take_is_refused_with_the_list(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        refused = await ask(tg, "a fox --model gpt-image-1-low --ar 21:9")
        no_ratio = await ask(tg, "a fox --ar 1:1")
        asked_ar = await ask(tg, "/ar")
    assert refused.text == (
        "📐 GPT Image 1 (low) does not take the aspect ratio 21:9. "
        "It takes: 1:1, 16:9, 9:16, 4:3, 3:4."
    )
    assert (no_ratio.text or "").startswith("📐 YandexART takes no aspect ratio")
    assert (asked_ar.text or "").startswith("📐 YandexART takes no aspect ratio")
    assert asked_ar.reply_markup is None
    assert gpt.creates == [] and env.rows() == []


async def test_a_three_credit_model_with_two_credits_left_is_refused(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(daily_limit=3):
        first = await ask(tg, "a small fox")  # yandex-art: 1 credit
        refused = await ask(tg, "a big fox --model seedream-3")  # 3 credits
        quota = await ask(tg, "/quota")
        second = await ask(tg, "a fox --model flux-dev")  # 2 credits: they fit
    assert first.is_photo and second.is_photo
    assert (refused.text or "").startswith(
        "🧮 Not enough credits. This picture needs: 3; left today: 2 of 3; purchased: 0."
    )
    assert "/model" in (refused.text or "")
    assert "1 of 3 used, 2 left" in (quota.text or "") and "• Seedream 3: 3" in (quota.text or "")
    assert [c["model"] for c in gpt.creates] == ["yandex-art", "flux-dev"]
    assert env.rows("SELECT SUM(credits) FROM tasks WHERE charged = 1")[0][0] == 3


async def test_again_keeps_the_model_and_ratio_whatever_was_chosen_since(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(daily_limit=20):
        photo = await ask(tg, "a tall tower --model flux-dev --ar 9:21")
        await ask(tg, "/model yandex-art")
        again = ImageButton(action=ImageAction.AGAIN, task_id=env.rows()[0]["id"]).pack()
        tg.push_callback_query(USER, USER, photo.message_id, again)
        await tg.wait_until(lambda: len(tg.photos(USER)) == 2)
    assert [(c["model"], c["ar"]) for c in gpt.creates] == [("flux-dev", "9:21")] * 2
    assert tg.photos(USER)[1].plain_text == shown_caption("a tall tower", "FLUX.1 [dev]", "9:21")


async def test_a_groups_admin_sets_its_model_by_button(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.add_chat(GROUP, "supergroup", title="Artists")
    tg.set_admins(GROUP, [USER])
    kw = {"chat": GROUP, "chat_type": "supergroup", "title": "Artists"}
    async with bot_running():
        menu = await ask(tg, "/model", user=OTHER, **kw)
        refused = await press(tg, menu, "model:flux-dev", user=OTHER)
        chosen = await press(tg, menu, "model:flux-dev", user=USER)
        photo = await ask(tg, "/draw a castle", user=OTHER, **kw)
        private = await ask(tg, "a castle", user=OTHER)
    assert refused == "Only the group's administrators can choose its model."
    assert chosen == "🎨 This group now draws with FLUX.1 [dev] (credits per picture: 2)."
    assert photo.plain_text == shown_caption("a castle", "FLUX.1 [dev]")
    assert private.plain_text == shown_caption("a castle")  # OTHER's own choice: the default
    assert [c["model"] for c in gpt.creates] == ["flux-dev", "yandex-art"]
    assert env.rows("SELECT chat_id, model FROM chat_models")[0][:] == (GROUP, "flux-dev")


async def test_gptunnels_cost_per_model_in_stats(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.set_price("flux-dev", "4.25")  # reported as a string
    admin = 9001
    async with bot_running(admin_ids=admin):
        await ask(tg, "a fox --model flux-dev")
        await ask(tg, "a fox")
        stats = await ask(tg, "/stats", user=admin)
    assert [r["upstream_cost"] for r in env.rows()] == [4.25, 1.5]
    text = stats.text or ""
    assert "GPTunnel spend today: 5.75 ₽, in total: 5.75 ₽" in text
    assert "flux-dev: today 4.25 ₽, in total 4.25 ₽" in text
    assert "yandex-art: today 1.50 ₽, in total 1.50 ₽" in text
