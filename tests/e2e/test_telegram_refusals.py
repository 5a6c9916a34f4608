"""Telegram's less common 400s on the bot's sends (issue 9): what the person sees, and that no
picture is lost to one of them."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import USER, Env, shown_caption

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
