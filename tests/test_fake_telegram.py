"""Self-tests of the fake Telegram Bot API server, through real HTTP: shapes, error texts, long
polling, fault injection. The end-to-end tests trust the fake to answer like Telegram does.

More focused self-tests live next to this file in ``test_fake_telegram_*.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram import Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, Message, ReplyParameters

from tests.fakes import FakeTelegram
from tests.fakes.telegram_selftest import TOKEN, aiogram_bot, call, http_client, image_bytes


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def tg_http(tg: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(tg) as client:
        yield client


async def test_wrong_token_and_unknown_method(tg: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=tg.base_url) as client:
        bad = await client.post("/bot1:wrong/getMe")
        unknown = await client.post(f"/bot{TOKEN}/sendTelepathy")
        me = await client.get(f"/bot{TOKEN}/GETME")  # method names are case-insensitive
    assert bad.status_code == 401
    assert bad.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"
    assert me.json()["result"]["username"] == "draw_test_bot"
    assert [r[1] for r in tg.requests] == ["getMe", "sendTelepathy", "getMe"]


async def test_long_poll_wakes_on_push_and_offset_confirms(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    poll = asyncio.create_task(call(tg_http, "getUpdates", timeout=60))
    await tg.wait_until(lambda: bool(tg.calls("getUpdates")))  # the poll is waiting
    asked = tg.push_message(42, 42, "/draw@draw_test_bot a red @someone_else cat")
    # The push answers the poll: a 60 s poll still waiting after 10 s was not woken by it.
    status, body = await asyncio.wait_for(poll, 10)
    assert status == 200
    [update] = body["result"]
    msg = update["message"]
    assert msg["message_id"] == asked
    assert msg["chat"] == {"id": 42, "type": "private", "first_name": "User"}
    assert msg["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 19},
        {"type": "mention", "offset": 26, "length": 13},
    ]
    assert tg.updates_pending() == 1  # delivered but not yet confirmed
    _, again = await call(tg_http, "getUpdates", offset=update["update_id"] + 1, timeout=0)
    assert again["result"] == []
    assert tg.updates_pending() == 0


async def test_reply_embeds_bot_photo_and_missing_reply_target(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    tg.push_message(7, 7, "/start")
    # sendPhoto with the file part directly in the "photo" field.
    resp = await tg_http.post(
        "/sendPhoto",
        data={"chat_id": "7", "caption": "<b>cat</b>", "parse_mode": "HTML"},
        files={"photo": ("cat.png", image_bytes(), "image/png")},
    )
    photo_msg = resp.json()["result"]
    assert photo_msg["caption"] == "cat"
    assert photo_msg["caption_entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert photo_msg["photo"][-1]["width"] == 64
    sent = tg.photos(7)[0]
    assert (sent.filename, sent.content_type) == ("cat.png", "image/png")
    assert sent.file_bytes == image_bytes()

    reply_id = tg.push_message(7, 7, "more like this", reply_to_message_id=photo_msg["message_id"])
    assert reply_id == photo_msg["message_id"] + 1  # one id sequence per chat
    replied = tg.message(7, reply_id)
    assert replied is not None
    assert replied["reply_to_message"]["photo"] == photo_msg["photo"]

    status, body = await call(tg_http, "sendMessage", chat_id=7, text="hi", reply_to_message_id=99)
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")
    status, body = await call(
        tg_http,
        "sendMessage",
        chat_id=7,
        text="hi",
        reply_parameters={"message_id": 99, "allow_sending_without_reply": True},
    )
    assert status == 200
    assert "reply_to_message" not in body["result"]


async def test_markup_and_length_checks(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    tg.push_message(5, 5, "hi")
    cases = {
        "<b>bold": 'Can\'t find end tag corresponding to start tag "b"',
        "1 < 2": 'Unsupported start tag "" at byte offset 2',
        "<script>x</script>": 'Unsupported start tag "script" at byte offset 0',
    }
    for text, error in cases.items():
        status, body = await call(tg_http, "sendMessage", chat_id=5, text=text, parse_mode="HTML")
        assert (status, body["description"]) == (400, f"Bad Request: can't parse entities: {error}")
    # Entities and tags do not count towards the limit; the visible text does.
    caption = "<i>" + "&amp;" * 1024 + "</i>"
    files = {"photo": ("p.png", image_bytes(), "image/png")}
    ok = await tg_http.post(
        "/sendPhoto", data={"chat_id": "5", "caption": caption, "parse_mode": "HTML"}, files=files
    )
    assert ok.status_code == 200
    too_long = await tg_http.post(
        "/sendPhoto", data={"chat_id": "5", "caption": "x" * 1025}, files=files
    )
    assert too_long.json()["description"] == "Bad Request: message caption is too long"
    status, body = await call(tg_http, "sendMessage", chat_id=5, text="x" * 4097)
    assert body["description"] == "Bad Request: message is too long"
    status, body = await call(
        tg_http, "sendMessage", chat_id=5, text="v1.0 ready", parse_mode="MarkdownV2"
    )
    assert "Character '.' is reserved" in body["description"]


async def test_photo_validation(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    tg.push_message(5, 5, "hi")

    async def send(data: bytes) -> tuple[int, str]:
        resp = await tg_http.post(
            "/sendPhoto", data={"chat_id": "5"}, files={"photo": ("p", data, "image/png")}
        )
        return resp.status_code, resp.json()["description"]

    assert await send(b"not an image") == (400, "Bad Request: IMAGE_PROCESS_FAILED")
    assert await send(image_bytes((9600, 480))) == (400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    assert await send(image_bytes((2100, 100))) == (400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    assert await send(b"\0" * (10 * 1024 * 1024 + 1)) == (413, "Request Entity Too Large")
    assert tg.sent == []


async def test_edit_delete_and_callback_rules(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    user_msg = tg.push_message(-100, 5, "/draw x", chat_type="supergroup", title="G")
    keyboard = {"inline_keyboard": [[{"text": "again", "callback_data": "again:1"}]]}
    _, body = await call(tg_http, "sendMessage", chat_id=-100, text="wait", reply_markup=keyboard)
    bot_msg = body["result"]["message_id"]
    assert body["result"]["reply_markup"] == keyboard

    async def edit(mid: int, text: str) -> tuple[int, Any]:
        return await call(tg_http, "editMessageText", chat_id=-100, message_id=mid, text=text)

    assert (await edit(bot_msg, "done"))[0] == 200
    assert tg.current_text(-100, bot_msg) == "done"
    assert "reply_markup" not in (tg.message(-100, bot_msg) or {})  # edit dropped the keyboard
    assert (await edit(bot_msg, "done"))[1]["description"].startswith(
        "Bad Request: message is not modified"
    )
    assert (await edit(999, "x"))[1]["description"] == "Bad Request: message to edit not found"
    assert (await edit(user_msg, "x"))[1]["description"] == "Bad Request: message can't be edited"

    query_id = tg.push_callback_query(-100, 5, bot_msg, "again:1")
    assert (await call(tg_http, "answerCallbackQuery", callback_query_id=query_id))[0] == 200
    _, again = await call(tg_http, "answerCallbackQuery", callback_query_id=query_id)
    assert "query is too old" in again["description"]

    delete = {"chat_id": -100, "message_id": bot_msg}
    assert (await call(tg_http, "deleteMessage", **delete))[0] == 200
    _, body = await call(tg_http, "deleteMessage", **delete)
    assert body["description"] == "Bad Request: message to delete not found"
    assert tg.sent[0].deleted and tg.deleted == [(-100, bot_msg)]
    assert [e.plain for e in tg.sent[0].edits] == ["done"]


async def test_privacy_mode_hides_group_chatter(tg: FakeTelegram) -> None:
    tg.push_message(-5, 1, "just chatting", chat_type="group", title="G")
    tg.push_message(-5, 1, "/draw@other_bot x", chat_type="group", title="G")
    tg.push_message(-5, 1, "/draw@draw_test_bot x", chat_type="group", title="G")
    assert tg.updates_pending() == 1
    assert tg.not_delivered == [(-5, 1), (-5, 2)]


async def test_enforced_flood_limits(tg_http: httpx.AsyncClient, tg: FakeTelegram) -> None:
    tg.enforce_limits = True
    tg.group_per_minute = 3  # the real 20 would make the test slow to set up
    tg.push_message(1, 1, "hi")
    tg.push_message(-1, 1, "/draw", chat_type="group", title="G")
    private = [await call(tg_http, "sendMessage", chat_id=1, text=f"{i}") for i in range(4)]
    assert [s for s, _ in private] == [200, 200, 200, 429]  # burst of 3, then 1/s
    assert private[-1][1]["parameters"] == {"retry_after": 1}
    group = [await call(tg_http, "sendMessage", chat_id=-1, text=f"{i}") for i in range(4)]
    assert [s for s, _ in group] == [200, 200, 200, 429]
    assert 59 <= group[-1][1]["parameters"]["retry_after"] <= 60
    assert tg.count_429 == 2
    # Chat actions are not counted.
    assert (await call(tg_http, "sendChatAction", chat_id=1, action="upload_photo"))[0] == 200


async def test_fault_injection_and_delay(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    tg.push_message(3, 3, "hi")
    tg.fail_next("sendMessage", status=500, times=2)
    for _ in range(2):
        status, body = await call(tg_http, "sendMessage", chat_id=3, text="x")
        assert (status, body) == (
            500,
            {"ok": False, "error_code": 500, "description": "Internal Server Error"},
        )
    assert (await call(tg_http, "sendMessage", chat_id=3, text="x"))[0] == 200

    tg.delay("sendChatAction", 1.0)
    action = asyncio.create_task(call(tg_http, "sendChatAction", chat_id=3, action="typing"))
    await tg.wait_until(lambda: bool(tg.calls("sendChatAction")))
    assert tg.chat_actions == []  # arrived, held back by the delay
    assert (await action)[0] == 200
    assert [a for _, _, a in tg.chat_actions] == ["typing"]


async def test_through_aiogram(tg: FakeTelegram) -> None:
    bot = aiogram_bot(tg.base_url)
    try:
        me = await bot.get_me()
        assert (me.id, me.username, me.is_bot) == (999, "draw_test_bot", True)
        asked = tg.push_message(42, 42, "/draw a cat")
        msg = await bot.send_message(
            42, "Drawing…", reply_parameters=ReplyParameters(message_id=asked)
        )
        assert msg.reply_to_message is not None and msg.reply_to_message.text == "/draw a cat"
        photo = await bot.send_photo(
            42, BufferedInputFile(image_bytes(fmt="WEBP"), "cat.webp"), caption="a cat"
        )
        assert photo.photo is not None and photo.photo[-1].width == 64
        assert tg.photos(42)[0].filename == "cat.webp"
        assert tg.photos(42)[0].file_bytes == image_bytes(fmt="WEBP")

        tg.fail_next("sendPhoto", status=429, retry_after=7)
        with pytest.raises(TelegramRetryAfter) as retry:
            await bot.send_photo(42, BufferedInputFile(image_bytes(), "x.png"))
        assert retry.value.retry_after == 7
        assert tg.count_429 == 1

        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(4242, "hello?")
        tg.block(42)
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(42, "still there?")
    finally:
        await bot.session.close()


async def test_aiogram_polling_round_trip(tg: FakeTelegram) -> None:
    bot = aiogram_bot(tg.base_url)
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        tg.push_message(9, 9, "ping")
        sent = await tg.wait_for(lambda s: s.chat_id == 9, timeout=3)
        assert sent.text == "echo: ping"
        await tg.wait_until(lambda: tg.updates_pending() == 0, timeout=3)
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 3)
        await bot.session.close()
    assert tg.count_409 == 0  # one bot polling never meets a conflict
    with pytest.raises(AssertionError, match="no sent message matched"):
        await tg.wait_for(lambda s: s.chat_id == 10, timeout=0.05)
