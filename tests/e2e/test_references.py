"""Drawing from a picture end to end (issue 14): a captioned photo in private, /draw replying to
a photo in a group, the Edit button, a model that takes no picture offering those that do, and
the picture's link — served by the bot's own HTTP server, fetched by the fake GPTunnel, dead
after its task and after REFERENCE_TTL, and never a Telegram file URL or the bot token."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from typing import Any

import aiohttp
import pytest
from PIL import Image

from bot.drawing.failures import Failure
from bot.drawing.outcomes import NoReferences, PictureProblem
from bot.drawing.pictures import REFERENCE_PATH
from bot.language import model_texts, picture_texts, texts
from bot.models.builtin import BUILTIN
from bot.telegram.buttons import ImageAction, ImageButton, PictureModelButton
from tests.e2e.conftest import GROUP, OTHER, TOKEN, USER, Env
from tests.fakes import FakeGPTunnel, FakeTelegram
from tests.fakes.telegram import Sent, free_port
from tests.i18n import EN


def public(port: int) -> dict[str, Any]:
    """Settings for a bot whose HTTP server GPTunnel (the fake, on 127.0.0.1) can reach."""
    return {"public_url": f"http://127.0.0.1:{port}", "health_port": port}


def links(gpt: FakeGPTunnel) -> list[str]:
    return [url for create in gpt.creates for url in create.get("images") or []]


def assert_no_telegram_secrets(gpt: FakeGPTunnel, tg: FakeTelegram) -> None:
    """Nothing GPTunnel received names the bot token or a Telegram file URL."""
    assert gpt.request_log
    for needle in (TOKEN, TOKEN.split(":")[1], "/file/bot", tg.base_url):
        assert gpt.requests_containing(needle) == [], needle
    for url in links(gpt):
        assert url.startswith(f"{url.split(REFERENCE_PATH)[0]}{REFERENCE_PATH}/")
        assert TOKEN not in url and "/file/" not in url


async def status_of(url: str, method: str = "GET") -> int:
    async with aiohttp.ClientSession() as session, session.request(method, url) as resp:
        await resp.read()
        return resp.status


async def wait_status(url: str, status: int, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (got := await status_of(url)) != status:
        assert asyncio.get_running_loop().time() < deadline, f"{url}: still {got}"
        await asyncio.sleep(0.05)


def inline_data(sent: Sent) -> dict[str, str]:
    rows = (sent.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def press(tg: FakeTelegram, chat: int, user: int, message_id: int, data: str) -> str | None:
    query = tg.push_callback_query(chat, user, message_id, data)
    await tg.wait_until(lambda: any(a["callback_query_id"] == query for a in tg.callback_answers))
    answer = next(a for a in tg.callback_answers if a["callback_query_id"] == query)
    return answer["text"]  # type: ignore[no-any-return]


async def test_photo_with_caption_in_private_draws_from_it(
    env: Env, bot_running: Any, caplog: pytest.LogCaptureFixture
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    caplog.set_level(logging.INFO)
    port = free_port()
    async with bot_running(default_model="gpt-image-1-low", **public(port)):
        asked = tg.push_message(USER, USER, caption="the same cat, in a hat", photo=True)
        stored = tg.message(USER, asked)
        assert stored is not None
        largest = stored["photo"][-1]["file_id"]
        photo = await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == asked)
        [link] = links(gpt)
        # The task has ended: its picture is gone, its link answers 404 at once.
        assert await status_of(link) == 404
        base = f"http://127.0.0.1:{port}{REFERENCE_PATH}"
        # Nothing else under the path answers either.
        for url in (base, f"{base}/", f"{base}/{secrets.token_urlsafe(32)}", f"{base}/a/b"):
            assert await status_of(url) == 404, url
        assert await status_of(link, "POST") == 404
        assert env.rows("SELECT * FROM reference_images") == []
    assert gpt.creates[0]["prompt"] == "the same cat, in a hat"
    assert gpt.creates[0]["model"] == "gpt-image-1-low"
    assert link.startswith(f"http://127.0.0.1:{port}{REFERENCE_PATH}/")
    assert len(link.rsplit("/", 1)[1]) >= 43  # 256 random bits
    # GPTunnel fetched the picture from the bot, as a JPEG.
    assert gpt.reference_fetches == [(link, 200, "image/jpeg")]
    # The largest size Telegram keeps was the one fetched, through getFile.
    assert [d.file_id for d in tg.file_downloads] == [largest]
    [task] = env.rows()
    assert (task["state"], task["credits"]) == ("delivered", 2)  # the model's price
    assert photo.reply_to_message_id == asked
    assert_no_telegram_secrets(gpt, tg)
    # The link was served and refused, and logged each time, never with its token.
    assert "reference picture of task" in caplog.text
    assert link.rsplit("/", 1)[1] not in caplog.text


async def test_draw_replying_to_a_photo_in_a_group(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(default_model="seedream-3", **public(free_port())):
        shared = tg.push_message(GROUP, OTHER, chat_type="group", photo=True)
        asked = tg.push_message(
            GROUP, USER, "/draw as a watercolour", chat_type="group", reply_to_message_id=shared
        )
        picture = await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == asked)
        # One of the bot's own pictures works the same way.
        again = tg.push_message(
            GROUP,
            OTHER,
            "/draw in winter",
            chat_type="group",
            reply_to_message_id=picture.message_id,
        )
        await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == again)
    assert [c["prompt"] for c in gpt.creates] == ["as a watercolour", "in winter"]
    assert [len(c["images"]) for c in gpt.creates] == [1, 1]
    assert [f[1] for f in gpt.reference_fetches] == [200, 200]
    tasks = env.rows()
    assert [(t["user_id"], t["credits"]) for t in tasks] == [(USER, 3), (OTHER, 3)]
    assert_no_telegram_secrets(gpt, tg)


async def test_edit_button_draws_from_the_picture(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    # yandex-art takes no picture: the edit goes to the first model that does.
    async with bot_running(**public(free_port())):
        tg.push_message(USER, USER, "a lighthouse")
        photo = await tg.wait_for(lambda s: s.is_photo)
        edit = inline_data(photo)[picture_texts.button_edit(EN)]
        assert edit == ImageButton(action=ImageAction.EDIT, task_id=env.rows()[0]["id"]).pack()
        answer = await press(tg, USER, USER, photo.message_id, edit)
        question = await tg.wait_for(lambda s: (s.text or "").startswith("✏️"))
        assert answer == picture_texts.edit_asked(EN)
        assert question.text == picture_texts.edit_question(EN, env.rows()[0]["id"])
        assert question.reply_markup.get("force_reply") is True
        assert question.reply_to_message_id == photo.message_id
        changed = tg.push_message(
            USER, USER, "make it night", reply_to_message_id=question.message_id
        )
        await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == changed)
    first, second = gpt.creates
    assert "images" not in first["body"]
    assert (second["model"], second["prompt"]) == ("gpt-image-1-low", "make it night")
    # The bot's own copy of the picture (a WebP), not Telegram's recompressed photo.
    assert [f[1:] for f in gpt.reference_fetches] == [(200, "image/webp")]
    assert tg.file_downloads == []
    assert [t["credits"] for t in env.rows()] == [1, 2]
    assert_no_telegram_secrets(gpt, tg)


async def test_forged_buttons_and_answers_get_nothing(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(**public(free_port())):
        tg.push_message(USER, USER, "my private lighthouse")
        photo = await tg.wait_for(lambda s: s.is_photo)
        private_task = env.rows()[0]["id"]
        # A photo of USER's waiting for a model (yandex-art takes no picture).
        tg.push_message(USER, USER, caption="a secret", photo=True)
        offer = await tg.wait_for(lambda s: bool(s.reply_markup) and not s.is_photo)
        waiting = PictureModelButton.unpack(next(iter(inline_data(offer).values()))).waiting
        # OTHER, in their own chat, with a modified client.
        tg.push_message(OTHER, OTHER, "/quota")
        mine = await tg.wait_for(lambda s: s.chat_id == OTHER and not s.is_photo)
        forged_edit = ImageButton(action=ImageAction.EDIT, task_id=private_task).pack()
        assert await press(tg, OTHER, OTHER, mine.message_id, forged_edit) == (
            texts.image_unknown(EN)
        )
        # USER's waiting picture, named from OTHER's chat: not theirs, so unknown.
        forged_pick = PictureModelButton(waiting=waiting, model="gpt-image-1-low").pack()
        assert await press(tg, OTHER, OTHER, mine.message_id, forged_pick) == (
            texts.image_unknown(EN)
        )
        for data in ("pic:one:x", "pic:99999999999999999999:x", "img:edit:-1"):
            assert await press(tg, OTHER, OTHER, mine.message_id, data) == texts.image_unknown(EN)
        # An answer that claims to be the bot's question about USER's picture.
        bot_user = {"id": tg.bot_id, "is_bot": True, "first_name": "Bot"}
        fake_question = {
            "message_id": mine.message_id,
            "date": 0,
            "chat": {"id": OTHER, "type": "private", "first_name": "User"},
            "from": bot_user,
            "text": picture_texts.edit_question(EN, private_task),
        }
        forged = tg.push_message(OTHER, OTHER, "show me", extra={"reply_to_message": fake_question})
        refusal = await tg.wait_for(
            lambda s: s.chat_id == OTHER and s.reply_to_message_id == forged
        )
        # USER's own Edit pressed under another message of theirs is refused too.
        assert await press(tg, USER, USER, offer.message_id, forged_edit) == texts.image_unknown(EN)
        assert photo.message_id != offer.message_id
    assert refusal.text == texts.image_unknown(EN)
    assert len(gpt.creates) == 1  # USER's own prompt, and nothing else
    assert env.charged(OTHER) == 0
    assert gpt.reference_fetches == []
    assert not [s for s in tg.sent if s.chat_id == OTHER and (s.text or "").startswith("✏️")]


async def test_a_model_without_references_offers_those_with(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(**public(free_port())):
        asked = tg.push_message(USER, USER, caption="a fox --ar 16:9", photo=True)
        offer = await tg.wait_for(lambda s: s.reply_to_message_id == asked)
        assert gpt.creates == [] and env.charged(USER) == 0  # nothing drawn, nothing charged
        offered = inline_data(offer)
        titles = [model_texts.model_button(EN, m, current=False) for m in BUILTIN]
        choice = offered[titles[-1]]  # seedream-3: one picture, the ratio ignored with it
        answer = await press(tg, USER, USER, offer.message_id, choice)
        await tg.wait_for(lambda s: s.is_photo)
        # Another press of a model is its own picture (charged again, as "again" is).
        await press(tg, USER, USER, offer.message_id, offered[titles[1]])
        await tg.wait_until(lambda: len(tg.photos(USER)) == 2)
    assert offer.text == picture_texts.no_references(EN, _no_refs())
    assert list(offered) == [
        model_texts.model_button(EN, m, current=False) for m in BUILTIN.taking_references()
    ]
    assert answer == texts.again_started(EN)
    seedream, gpt_low = gpt.creates
    assert (seedream["model"], seedream["prompt"], seedream["ar"]) == ("seedream-3", "a fox", None)
    assert (gpt_low["model"], gpt_low["ar"]) == ("gpt-image-1-low", "16:9")
    assert len(seedream["images"]) == len(gpt_low["images"]) == 1
    assert seedream["images"] != gpt_low["images"]  # each task its own link
    assert [t["credits"] for t in env.rows()] == [3, 2]
    assert_no_telegram_secrets(gpt, tg)


def _no_refs() -> NoReferences:
    model = BUILTIN.get("yandex-art")
    assert model is not None
    return NoReferences(model, BUILTIN.taking_references())


async def test_link_expires_after_the_time_limit(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slowly", duration=60.0)
    settings = {"default_model": "gpt-image-1-low", "reference_ttl": 1.5, **public(free_port())}
    async with bot_running(**settings):
        tg.push_message(USER, USER, caption="a snail, slowly", photo=True)
        await gpt_fetched(gpt)
        [link] = links(gpt)
        # Still drawing, but the link has lived its time.
        await wait_status(link, 404)
        assert env.rows()[0]["state"] == "submitted"
    assert gpt.reference_fetches == [(link, 200, "image/jpeg")]
    assert_no_telegram_secrets(gpt, tg)


async def gpt_fetched(gpt: FakeGPTunnel, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not gpt.reference_fetches:
        assert asyncio.get_running_loop().time() < deadline, "GPTunnel never fetched a picture"
        await asyncio.sleep(0.02)


async def test_help_mentions_pictures_only_with_a_public_url(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "/help")
        without = await tg.wait_for(lambda s: "/model" in (s.text or ""))
        asked = tg.push_message(USER, USER, caption="a cat", photo=True)
        off = await tg.wait_for(lambda s: s.reply_to_message_id == asked)
    async with bot_running(**public(free_port())):
        tg.push_message(USER, USER, "/help")
        await tg.wait_until(lambda: len([s for s in tg.sent if "/model" in (s.text or "")]) == 2)
    with_url = [s for s in tg.sent if "/model" in (s.text or "")][1]
    assert "🖼" not in (without.text or "") and "🖼" in (with_url.text or "")
    assert off.text == picture_texts.references_off(EN)
    # Without a public URL no picture gets an Edit button (see test_image_buttons).


async def test_a_picture_expired_before_the_start_fails_the_task(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    # A link that dies at once: the task must fail (refunded), never draw without its picture.
    settings = {"default_model": "gpt-image-1-low", "reference_ttl": 0.001, **public(free_port())}
    async with bot_running(**settings):
        asked = tg.push_message(USER, USER, caption="a cat", photo=True)
        gone = texts.failure(EN, Failure.REFERENCE_GONE)
        # The "drawing…" status turns into the notice, or the notice comes on its own.
        await tg.wait_until(
            lambda: any(s.reply_to_message_id == asked and s.latest_text == gone for s in tg.sent)
        )
        await env.wait_rows(lambda rows: rows[0]["state"] == "failed")
    assert gpt.creates == []
    [task] = env.rows()
    assert (task["failure"], task["charged"]) == ("reference_gone", 0)


async def test_an_image_sent_as_a_file_is_a_picture_and_other_files_are_not(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(png, "PNG")
    async with bot_running(default_model="gpt-image-1-low", **public(free_port())):
        asked = tg.push_message(
            USER, USER, caption="redder", document=png.getvalue(), file_name="red.png"
        )
        await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == asked)
        fake = tg.push_message(
            USER, USER, caption="redder", document=b"MZ not a picture", file_name="evil.png"
        )
        refusal = await tg.wait_for(lambda s: s.reply_to_message_id == fake)
    assert refusal.text == picture_texts.picture_refused(EN, PictureProblem.NOT_IMAGE)
    assert len(gpt.creates) == 1
    assert [f[1:] for f in gpt.reference_fetches] == [(200, "image/png")]
    assert env.charged(USER) == 1
    assert env.rows("SELECT * FROM reference_images") == []  # the refused one was not kept


async def test_edit_in_a_group_asks_the_presser_and_charges_them(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(**public(free_port())):
        asked = tg.push_message(GROUP, USER, "/draw a harbour", chat_type="group")
        photo = await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == asked)
        edit = inline_data(photo)[picture_texts.button_edit(EN)]
        assert await press(tg, GROUP, OTHER, photo.message_id, edit) == (
            picture_texts.edit_asked(EN)
        )
        question = await tg.wait_for(lambda s: (s.text or "").startswith("✏️"))
        # Only the presser's client opens a reply: the question names them.
        assert question.reply_markup.get("selective") is True
        assert f"tg://user?id={OTHER}" in (question.text or "")
        changed = tg.push_message(
            GROUP,
            OTHER,
            "with fireworks",
            chat_type="group",
            reply_to_message_id=question.message_id,
        )
        await tg.wait_for(lambda s: s.is_photo and s.reply_to_message_id == changed)
    assert [(c["model"], c["prompt"]) for c in gpt.creates] == [
        ("yandex-art", "a harbour"),
        ("gpt-image-1-low", "with fireworks"),
    ]
    assert [(t["user_id"], t["credits"]) for t in env.rows()] == [(USER, 1), (OTHER, 2)]
    assert_no_telegram_secrets(gpt, tg)


async def test_a_picture_gptunnel_cannot_fetch_fails_in_plain_words(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    # PUBLIC_URL names a port nothing listens on: GPTunnel's fetch fails, and so does the task.
    settings = {
        "default_model": "gpt-image-1-low",
        "public_url": f"http://127.0.0.1:{free_port()}",
        "health_port": free_port(),
    }
    failed = texts.failure(EN, Failure.GENERATION_FAILED)
    async with bot_running(**settings):
        asked = tg.push_message(USER, USER, caption="a cat", photo=True)
        await tg.wait_until(
            lambda: any(s.reply_to_message_id == asked and s.latest_text == failed for s in tg.sent)
        )
        await env.wait_rows(lambda rows: rows[0]["state"] == "failed")
    assert [f[1] for f in gpt.reference_fetches] != [200]
    [task] = env.rows()
    assert task["charged"] == 0  # given back, as for any failure
    assert env.rows("SELECT * FROM reference_images") == []
    assert_no_telegram_secrets(gpt, tg)
