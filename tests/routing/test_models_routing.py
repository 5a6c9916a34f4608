"""/model, /ar, their buttons and a prompt's --model/--ar, through aiogram's dispatcher: the
person's own choice in private, the group's (set by its admins only) in a group, forged
button data refused, and credits weighted by the model's price."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import Update

from bot.language import model_texts, texts
from bot.models.builtin import BUILTIN
from bot.models.catalogue import ModelInfo
from tests.i18n import EN
from tests.routing.test_routing import GROUP, USER, Harness, group_message, harness, message

__all__ = ["harness"]

OTHER = {"id": 222, "is_bot": False, "first_name": "Bob", "language_code": "en"}
_queries = itertools.count(1)


async def press(
    harness: Harness, data: str, *, chat: dict[str, Any] | None = None, user: dict[str, Any] = USER
) -> AnswerCallbackQuery:
    """A button under one of the bot's messages is pressed; returns the bot's answer to it."""
    query_id = f"q{next(_queries)}"
    query = {
        "id": query_id,
        "from": user,
        "chat_instance": "ci",
        "data": data,
        "message": {
            "message_id": 7000 + next(_queries),
            "date": 0,
            "chat": chat or {"id": user["id"], "type": "private", "first_name": "Ann"},
            "from": {"id": 4242, "is_bot": True, "first_name": "Draw"},
            "text": "menu",
        },
    }
    await harness.dp.feed_update(
        harness.bot, Update(update_id=80_000 + next(_queries), callback_query=query)
    )
    await harness.parts.poller.settle()
    await harness.parts.local_replies.settle()
    answers = [
        r for r in harness.session.of(AnswerCallbackQuery) if r.callback_query_id == query_id
    ]
    assert len(answers) == 1, "every press is answered once"
    return answers[0]


def model_of(model_id: str) -> ModelInfo:
    found = BUILTIN.get(model_id)
    assert found is not None
    return found


def last_reply(harness: Harness) -> SendMessage:
    return harness.session.of(SendMessage)[-1]


def buttons(reply: SendMessage) -> list[tuple[str, str]]:
    markup = reply.reply_markup
    assert markup is not None
    return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]  # type: ignore[union-attr]


def last_create(harness: Harness) -> dict[str, Any]:
    return harness.creates[-1]


# --- /model in a private chat --------------------------------------------------------------


async def test_the_model_menu_marks_the_current_one_and_a_button_chooses(harness: Harness) -> None:
    await harness.feed(message("/model"))
    menu = last_reply(harness)
    assert menu.text.startswith("🎨 Your model: <b>YandexART</b> (credits per picture: 1)")
    assert buttons(menu)[:2] == [
        ("✅ YandexART · 1", "model:yandex-art"),
        ("GPT Image 1 (low) · 2", "model:gpt-image-1-low"),
    ]
    assert len(buttons(menu)) == 6
    answer = await press(harness, "model:flux-dev")
    assert answer.text == "🎨 Model set: FLUX.1 [dev] (credits per picture: 2)."
    edited = harness.session.of(EditMessageText)[-1]
    assert "<b>FLUX.1 [dev]</b>" in edited.text
    marked = [b.text for row in edited.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert "✅ FLUX.1 [dev] · 2" in marked and "YandexART · 1" in marked
    await harness.feed(message("a fox"))
    assert last_create(harness) == {"model": "flux-dev", "prompt": "a fox"}


async def test_model_by_name_and_an_unknown_name(harness: Harness) -> None:
    await harness.feed(message("/model seedream 3"))
    assert last_reply(harness).text == "🎨 Model set: Seedream 3 (credits per picture: 3)."
    await harness.feed(message("/model midjourney"))
    unknown = last_reply(harness).text
    assert unknown.startswith("🤷 I don't know the model «midjourney». Models: YandexART")
    assert "FLUX.1 [dev] (flux-dev)" in unknown
    await harness.feed(message("a fox"))
    assert last_create(harness)["model"] == "seedream-3"


@pytest.mark.parametrize("data", ["model:midjourney", "model:", "model:yandex-art:x"])
async def test_forged_model_buttons_change_nothing(harness: Harness, data: str) -> None:
    await harness.feed(message("/model flux-dev"))
    if data == "model:yandex-art:x":
        # Data that does not even unpack matches no handler: nothing is set.
        query = {"id": "q-bad", "from": USER, "chat_instance": "ci", "data": data}
        await harness.dp.feed_update(harness.bot, Update(update_id=99_001, callback_query=query))
    else:
        answer = await press(harness, data)
        assert (answer.text or "").startswith(("🤷", "✏️"))
    await harness.feed(message("a fox"))
    assert last_create(harness)["model"] == "flux-dev"


# --- /model in a group ---------------------------------------------------------------------


async def test_only_a_groups_admins_choose_its_model(harness: Harness) -> None:
    await harness.feed(group_message("/model flux-dev"))  # USER is a plain member
    assert last_reply(harness).text == model_texts.model_not_admin(EN)
    await harness.feed(group_message("/draw a castle"))
    assert last_create(harness)["model"] == "yandex-art"
    answer = await press(harness, "model:flux-dev", chat=GROUP)
    assert answer.text == model_texts.model_not_admin(EN)
    harness.session.admins[(GROUP["id"], USER["id"])] = "administrator"
    await harness.feed(group_message("/model flux-dev"))
    assert (
        last_reply(harness).text
        == "🎨 This group now draws with FLUX.1 [dev] (credits per picture: 2)."
    )
    await harness.feed(group_message("/draw a castle", user=OTHER))
    assert last_create(harness)["model"] == "flux-dev"  # every member draws with it
    # The group's choice is not the person's: in private USER still has the default.
    await harness.feed(message("a cat"))
    assert last_create(harness)["model"] == "yandex-art"


async def test_a_groups_admin_chooses_by_button_and_everyone_sees_the_menu(
    harness: Harness,
) -> None:
    harness.session.admins[(GROUP["id"], USER["id"])] = "creator"
    await harness.feed(group_message("/model", user=OTHER))
    menu = last_reply(harness)
    assert menu.text.startswith("🎨 This group's model: <b>YandexART</b>")
    assert len(buttons(menu)) == 6
    answer = await press(harness, "model:seedream-3", chat=GROUP)
    assert answer.text == "🎨 This group now draws with Seedream 3 (credits per picture: 3)."
    await harness.feed(group_message("@draw_test_bot a castle", user=OTHER))
    assert last_create(harness)["model"] == "seedream-3"


async def test_an_anonymous_admin_writing_as_the_group_chooses(harness: Harness) -> None:
    anonymous = {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    await harness.feed(group_message("/model flux-dev", user=anonymous, sender_chat=GROUP))
    assert last_reply(harness).text.startswith("🎨 This group now draws with FLUX.1 [dev]")
    channel = {"id": -100999, "type": "channel", "title": "News"}
    await harness.feed(group_message("/model seedream-3", user=anonymous, sender_chat=channel))
    # Someone writing as a channel is nobody the bot can tell: refused before any service.
    assert last_reply(harness).text == texts.channel_refused(EN)


# --- /ar -----------------------------------------------------------------------------------


async def test_yandex_art_takes_no_ratio_and_says_so(harness: Harness) -> None:
    await harness.feed(message("/ar"))
    reply = last_reply(harness)
    assert reply.text.startswith("📐 YandexART takes no aspect ratio")
    assert "FLUX.1 [dev]" in reply.text and reply.reply_markup is None
    await harness.feed(message("/ar 16:9"))
    assert last_reply(harness).text.startswith("📐 YandexART takes no aspect ratio")


@pytest.mark.parametrize("harness", [{"max_active_tasks": 0, "daily_limit": 20}], indirect=True)
async def test_a_ratio_is_chosen_by_button_and_sent_only_where_taken(harness: Harness) -> None:
    await harness.feed(message("/model flux-dev"))
    await harness.feed(message("/ar"))
    menu = last_reply(harness)
    assert menu.text == "📐 Aspect ratio with FLUX.1 [dev]: <b>the model's default</b>. Choose one:"
    assert ("21:9", "ar:21:9") in buttons(menu) and buttons(menu)[-1] == ("✅ Default", "ar:0:0")
    answer = await press(harness, "ar:21:9")
    assert answer.text == "📐 Aspect ratio set: 21:9 (with FLUX.1 [dev])."
    await harness.feed(message("a wide fox"))
    assert last_create(harness) == {"model": "flux-dev", "prompt": "a wide fox", "ar": "21:9"}
    # gpt-image-1 takes no 21:9: its own default, nothing sent.
    await harness.feed(message("/model gpt-image-1-low"))
    await harness.feed(message("a fox"))
    assert last_create(harness) == {"model": "gpt-image-1-low", "prompt": "a fox"}
    await harness.feed(message("/model flux-dev"))
    await press(harness, "ar:0:0")  # back to the default
    await harness.feed(message("a square fox"))
    assert last_create(harness) == {"model": "flux-dev", "prompt": "a square fox"}


@pytest.mark.parametrize("data", ["ar:99:1", "ar:5:4"])
async def test_forged_or_unlisted_ratios_are_refused(harness: Harness, data: str) -> None:
    await harness.feed(message("/model flux-dev"))
    answer = await press(harness, data)
    assert (answer.text or "").startswith("📐 FLUX.1 [dev] does not take the aspect ratio")
    await harness.feed(message("a fox"))
    assert "ar" not in last_create(harness)


async def test_ar_by_command(harness: Harness) -> None:
    await harness.feed(message("/model flux-dev"))
    await harness.feed(message("/ar 16x9"))
    assert last_reply(harness).text == "📐 Aspect ratio set: 16:9 (with FLUX.1 [dev])."
    await harness.feed(message("/ar 5:4"))
    assert last_reply(harness).text == (
        "📐 FLUX.1 [dev] does not take the aspect ratio 5:4. "
        "It takes: 1:1, 16:9, 9:16, 4:3, 3:4, 21:9, 9:21."
    )


# --- options in the prompt -----------------------------------------------------------------


@pytest.mark.parametrize("harness", [{"daily_limit": 20, "max_active_tasks": 0}], indirect=True)
async def test_options_in_the_prompt_pick_for_that_picture_only(harness: Harness) -> None:
    await harness.feed(message("a fox --model flux-dev --ar 16:9"))
    assert last_create(harness) == {"model": "flux-dev", "prompt": "a fox", "ar": "16:9"}
    await harness.feed(message("/draw —model «GPT Image 1 (high)» a castle"))
    assert last_create(harness) == {"model": "gpt-image-1-high", "prompt": "a castle"}
    await harness.feed(message("a plain fox"))
    assert last_create(harness) == {"model": "yandex-art", "prompt": "a plain fox"}
    rows = await harness.task_rows()
    assert [(r["model"], r["ar"], r["credits"]) for r in rows] == [
        ("flux-dev", "16:9", 2),
        ("gpt-image-1-high", None, 5),
        ("yandex-art", None, 1),
    ]


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("a fox --ar 16:9", "📐 YandexART takes no aspect ratio"),
        ("a fox --model flux-dev --ar 5:4", "📐 FLUX.1 [dev] does not take the aspect ratio 5:4"),
        ("a fox --model flux-dev --ar", "📐 After --ar write an aspect ratio FLUX.1 [dev] takes"),
        ("a fox --model dalle", "🤷 I don't know the model «dalle»"),
        ("a fox --model", "✏️ After --model write a model's name"),
    ],
)
async def test_options_that_cannot_be_met_start_nothing(
    harness: Harness, text: str, starts: str
) -> None:
    await harness.feed(message(text))
    assert harness.creates == []
    assert await harness.task_rows() == []
    assert last_reply(harness).text.startswith(starts)


@pytest.mark.parametrize("harness", [{"daily_limit": 2}], indirect=True)
async def test_a_three_credit_model_with_two_left_is_refused(harness: Harness) -> None:
    await harness.feed(message("a fox --model google-imagen-3"))
    assert harness.creates == []
    refusal = last_reply(harness).text
    assert refusal.startswith("🧮 Not enough credits. This picture needs: 3; left today: 2 of 2;")
    assert "/model" in refusal and "/buy" not in refusal  # nothing is sold here
    await harness.feed(message("a fox --model flux-dev"))  # 2 credits: it fits
    assert last_create(harness)["model"] == "flux-dev"


@pytest.mark.parametrize("harness", [{"daily_limit": 1, "star_packs": "10:50"}], indirect=True)
async def test_a_refusal_says_how_to_get_more_when_credits_are_sold(harness: Harness) -> None:
    await harness.feed(message("a fox --model flux-dev"))
    assert "Get more with /buy" in last_reply(harness).text
