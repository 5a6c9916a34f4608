"""Self-tests of the fake Telegram's messages and files: photos and documents fetched with
getFile and downloads, sending again by file_id, ForceReply, and Telegram's answers to edits,
deletes, bad captions and refused photos.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, ForceReply
from PIL import Image

from tests.fakes import FakeTelegram
from tests.fakes.telegram.editing import NOT_MODIFIED
from tests.fakes.telegram_selftest import TOKEN, aiogram_bot, call, http_client, image_bytes

GROUP = -100300


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def tg_http(tg: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(tg) as client:
        yield client


async def fetch(tg: FakeTelegram, tg_http: httpx.AsyncClient, file_id: str) -> tuple[Any, bytes]:
    """getFile, then the download: (getFile's File, the bytes)."""
    status, body = await call(tg_http, "getFile", file_id=file_id)
    assert status == 200, body
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"{tg.base_url}/file/bot{TOKEN}/{body['result']['file_path']}")
    assert resp.status_code == 200
    return body["result"], resp.content


async def test_user_photo_and_bot_photo_can_be_fetched(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    original = image_bytes((1000, 600), "JPEG")
    tg.push_message(5, 5, caption="like this", photo=original)
    _, body = await call(tg_http, "getUpdates")
    pushed = body["result"][0]["message"]["photo"]
    assert [(s["width"], s["height"]) for s in pushed] == [
        (90, 54),
        (320, 192),
        (800, 480),
        (1000, 600),
    ]
    for size in pushed:
        file, data = await fetch(tg, tg_http, size["file_id"])
        assert file["file_size"] == size["file_size"] == len(data)
        assert file["file_unique_id"] == size["file_unique_id"]
        with Image.open(io.BytesIO(data)) as img:
            assert img.size == (size["width"], size["height"])
    assert data == original  # the largest size is the photo itself

    bot = aiogram_bot(tg.base_url)
    try:
        sent = await bot.send_photo(5, BufferedInputFile(image_bytes(), "cat.png"))
        assert sent.photo is not None
        [size] = sent.photo  # 64x48: smaller than any thumbnail
        file = await bot.get_file(size.file_id)
        assert file.file_size == size.file_size == len(image_bytes())
        assert file.file_path is not None
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None and downloaded.read() == image_bytes()
    finally:
        await bot.session.close()
    assert [d.file_id for d in tg.file_downloads] == [s["file_id"] for s in pushed] + [size.file_id]
    assert all(d.size > 0 and d.file_path for d in tg.file_downloads)


async def test_get_file_errors(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    tg.push_message(6, 6, document=b"\0" * (20 * 1024 * 1024 + 1), file_name="huge.bin")
    tg.push_message(6, 6, document=b"small file", file_name="notes.txt")
    _, body = await call(tg_http, "getUpdates")
    huge, small = (u["message"]["document"] for u in body["result"])
    assert (small["file_name"], small["mime_type"], small["file_size"]) == (
        "notes.txt",
        "text/plain",
        10,
    )
    cases = {
        huge["file_id"]: "Bad Request: file is too big",
        "AgACAgIAAxkBAAIBZ2Vw-unknown-but-well-formed": (
            "Bad Request: wrong file_id or the file is temporarily unavailable"
        ),
        "nope!": "Bad Request: invalid file_id",
        "": "Bad Request: file_id not specified",
    }
    for file_id, description in cases.items():
        assert await call(tg_http, "getFile", file_id=file_id) == (
            400,
            {"ok": False, "error_code": 400, "description": description},
        ), file_id
    file, data = await fetch(tg, tg_http, small["file_id"])
    assert (file["file_size"], data) == (10, b"small file")


async def test_send_again_by_file_id(tg: FakeTelegram) -> None:
    tg.push_message(7, 7, "hi")
    bot = aiogram_bot(tg.base_url)
    try:
        first = await bot.send_photo(7, BufferedInputFile(image_bytes((900, 300)), "wide.png"))
        again = await bot.send_photo(7, first.photo[-1].file_id if first.photo else "")
        assert again.photo is not None and first.photo is not None
        assert [s.file_unique_id for s in again.photo] == [s.file_unique_id for s in first.photo]
        assert [s.file_size for s in again.photo] == [s.file_size for s in first.photo]
        assert tg.photos(7)[-1].file_source == "file_id"

        doc = await bot.send_document(7, BufferedInputFile(b"a,b\n1,2\n", "table.csv"))
        assert doc.document is not None
        doc_again = await bot.send_document(7, doc.document.file_id)
        assert doc_again.document is not None
        assert doc_again.document.file_unique_id == doc.document.file_unique_id
        assert doc_again.document.file_name == "table.csv"
        assert doc_again.document.mime_type == "text/csv"

        with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
            await bot.send_photo(7, doc.document.file_id)
        with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
            await bot.send_photo(7, "no such file")
    finally:
        await bot.session.close()


async def test_force_reply_and_the_reply_in_a_private_mode_group(tg: FakeTelegram) -> None:
    asked = tg.push_message(GROUP, 1, "/draw@draw_test_bot", chat_type="supergroup", title="G")
    bot = aiogram_bot(tg.base_url)
    try:
        question = await bot.send_message(
            GROUP,
            "What should I draw?",
            reply_to_message_id=asked,
            reply_markup=ForceReply(input_field_placeholder="A red cat", selective=True),
        )
    finally:
        await bot.session.close()
    sent = tg.sent_to(GROUP)[-1]
    assert sent.reply_markup == {
        "force_reply": True,
        "input_field_placeholder": "A red cat",
        "selective": True,
    }
    assert question.reply_markup is None  # Telegram does not echo a ForceReply
    pending = tg.updates_pending()
    tg.push_message(GROUP, 1, "just chatting", chat_type="supergroup")
    answer = tg.push_message(
        GROUP, 1, "a red cat", chat_type="supergroup", reply_to_message_id=question.message_id
    )
    assert tg.updates_pending() == pending + 1  # the reply to the bot, not the chatter
    assert (GROUP, answer) not in tg.not_delivered
    replied = tg.message(GROUP, answer)
    assert replied is not None
    assert replied["reply_to_message"]["text"] == "What should I draw?"

    async with http_client(tg) as client:
        status, body = await call(
            client, "sendMessage", chat_id=GROUP, text="?", reply_markup={"force_reply": "yes"}
        )
        assert (status, body["description"]) == (
            400,
            'Bad Request: field "force_reply" must be of type Boolean',
        )
        status, body = await call(client, "sendMessage", chat_id=GROUP, text="?", reply_markup=[])
        assert body["description"] == "Bad Request: object expected as reply markup"


async def test_edit_and_delete_answers(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    user_msg = tg.push_message(GROUP, 1, "/draw@draw_test_bot x", chat_type="supergroup")
    _, body = await call(tg_http, "sendMessage", chat_id=GROUP, text="working")
    bot_msg = body["result"]["message_id"]

    async def answer(method: str, **params: Any) -> tuple[int, str]:
        status, body = await call(tg_http, method, chat_id=GROUP, **params)
        return status, body.get("description", "")

    assert await answer("editMessageText", message_id=bot_msg, text="working") == (
        400,
        f"Bad Request: {NOT_MODIFIED}",
    )
    assert NOT_MODIFIED == (
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    assert await answer("editMessageText", message_id=999, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    assert await answer("deleteMessage", message_id=999) == (
        400,
        "Bad Request: message to delete not found",
    )
    assert await answer("deleteMessage", message_id=user_msg) == (
        400,
        "Bad Request: message can't be deleted",  # someone else's message, bot no admin
    )
    tg.set_admins(GROUP, [tg.bot_id])
    assert (await answer("deleteMessage", message_id=user_msg))[0] == 200

    bad_caption = "Bad Request: can't parse entities: Can't find end tag corresponding to start tag"
    photo = await tg_http.post(
        "/sendPhoto",
        data={"chat_id": str(GROUP), "caption": "<b>cat", "parse_mode": "HTML"},
        files={"photo": ("p.png", image_bytes())},
    )
    assert photo.status_code == 400
    assert photo.json()["description"] == f'{bad_caption} "b"'
    photo = await tg_http.post(
        "/sendPhoto", data={"chat_id": str(GROUP)}, files={"photo": ("p.png", image_bytes())}
    )
    photo_msg = photo.json()["result"]["message_id"]
    status, description = await answer(
        "editMessageCaption", message_id=photo_msg, caption="<i>cat", parse_mode="HTML"
    )
    assert (status, description) == (400, f'{bad_caption} "i"')

    bot = aiogram_bot(tg.base_url)
    try:
        for refusal in ("PHOTO_INVALID_DIMENSIONS", "IMAGE_PROCESS_FAILED"):
            tg.fail_next("sendPhoto", status=400, description=f"Bad Request: {refusal}")
            with pytest.raises(TelegramBadRequest, match=refusal):
                await bot.send_photo(GROUP, BufferedInputFile(image_bytes(), "p.png"))
    finally:
        await bot.session.close()
    assert len(tg.photos(GROUP)) == 1
