"""Telegram's less common 400s on the bot's sends (issue 9): what the person sees, and that no
picture is lost to one of them."""

from __future__ import annotations

from typing import Any

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import USER, Env, shown_caption
from tests.i18n import EN

UNPARSABLE = (
    "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"i\""
)


async def picture_asked(env: Env, prompt: str = "a quiet harbour") -> Any:
    asked = env.telegram.push_message(USER, USER, prompt)
    rows = await env.wait_rows(
        lambda rows: bool(rows) and rows[-1]["state"] in ("failed", "delivered"), timeout=20
    )
    return asked, rows[-1]


async def test_a_caption_telegram_cannot_parse_goes_as_plain_text(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    # The same caption is refused whichever way the file goes.
    tg.fail_next("sendPhoto", status=400, description=UNPARSABLE)
    tg.fail_next("sendDocument", status=400, description=UNPARSABLE)
    async with bot_running():
        asked, row = await picture_asked(env)
    [photo] = tg.photos(USER)
    assert row["state"] == "delivered"
    assert photo.parse_mode is None and photo.caption == shown_caption("a quiet harbour")
    assert photo.reply_to_message_id == asked
    assert len(tg.calls("sendPhoto")) == 2


async def test_a_photo_telegram_refuses_comes_as_a_file(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.fail_next("sendPhoto", status=400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    async with bot_running():
        asked, row = await picture_asked(env)
    [document] = [s for s in tg.sent_to(USER) if s.method == "sendDocument"]
    assert row["state"] == "delivered" and row["picture_message_id"] == document.message_id
    assert document.plain_text == shown_caption("a quiet harbour")
    assert document.reply_to_message_id == asked
    assert tg.photos(USER) == []


async def test_refused_as_photo_and_as_file_the_link_is_given_and_nothing_charged(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.fail_next("sendPhoto", status=400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    tg.fail_next("sendDocument", status=400, description="Bad Request: file must be non-empty")
    async with bot_running():
        _, row = await picture_asked(env)
        told = await tg.wait_for(
            lambda s: (
                s.chat_id == USER
                and texts.failure(EN, Failure.DELIVERY_FAILED) in (s.latest_text or "")
            )
        )
    [task] = gpt.tasks_for_prompt("a quiet harbour")
    assert row["state"] == "failed" and row["failure"] == "delivery_failed"
    assert told.latest_text == (
        f"{texts.failure(EN, Failure.DELIVERY_FAILED)}\n"
        + texts.picture_link(EN, gpt.file_url(task.id)).replace("&amp;", "&")
    )
    assert env.charged(USER) == 0
    assert len(tg.calls("sendPhoto")) == len(tg.calls("sendDocument")) == 1
