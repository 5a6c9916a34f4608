"""A private chat, end to end: prompt in, photo out, status cleared, bad input refused."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from bot.language import texts
from tests.e2e.conftest import API_KEY, GROUP, OTHER, USER, Env, shown_caption
from tests.fakes.telegram import utf16_len
from tests.i18n import EN


async def test_private_prompt_becomes_a_photo_reply(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        prompt_id = tg.push_message(USER, USER, "a red fox in the snow")
        photo = await tg.wait_for(lambda s: s.is_photo and s.chat_id == USER)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")

    assert photo.reply_to_message_id == prompt_id
    assert photo.plain_text == shown_caption("a red fox in the snow")
    assert photo.file_bytes is not None
    assert Image.open(io.BytesIO(photo.file_bytes)).format == "JPEG"
    # Exactly one upstream task, created with the default model, polled until done.
    assert [(c["model"], c["prompt"]) for c in gpt.creates] == [
        ("yandex-art", "a red fox in the snow")
    ]
    assert set(gpt.auth_headers_seen) == {API_KEY}  # the bare key, no "Bearer"
    status = next(s for s in tg.sent_to(USER) if s.method == "sendMessage")
    assert status.text == texts.working(EN) and status.reply_to_message_id == prompt_id
    assert status.deleted, "the 'drawing…' message must not be left in the chat"
    assert any(chat == USER and action == "upload_photo" for _, chat, action in tg.chat_actions)
    assert env.charged(USER) == 1


async def test_draw_command_and_aliases(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(max_active_tasks=3):
        for text in ("/draw a boat", "/imagine a bridge", "/art a tower"):
            tg.push_message(USER, USER, text)
        await tg.wait_until(lambda: len(tg.photos(USER)) == 3)
    assert sorted(p.plain_text or "" for p in tg.photos(USER)) == [
        shown_caption(prompt) for prompt in ("a boat", "a bridge", "a tower")
    ]


async def test_html_in_the_prompt_goes_upstream_unchanged_and_caption_stays_valid(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    prompt = '<b>bold</b> & <i>cats</i> <script>alert(1)</script> "quotes" <3'
    async with bot_running():
        tg.push_message(USER, USER, prompt)
        photo = await tg.wait_for(lambda s: s.is_photo)
    assert gpt.creates[0]["prompt"] == prompt
    assert photo.parse_mode == "HTML"
    assert photo.plain_text == shown_caption(prompt)  # exactly what they typed, and the model


async def test_long_prompt_caption_is_cut_to_1024(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.max_prompt_length = {}  # a model without YandexART's 500-character limit
    prompt = "a very long prompt with <tags> & such " * 40  # 1560 characters
    async with bot_running(max_prompt_length=2000, default_model="flux-dev"):
        tg.push_message(USER, USER, prompt)
        photo = await tg.wait_for(lambda s: s.is_photo)
    assert gpt.creates[0]["prompt"] == prompt.strip()
    assert photo.plain_text is not None
    # Telegram counts UTF-16 units (the model line's emoji takes two).
    assert utf16_len(photo.plain_text) == 1024
    shown, _, drawn_by = photo.plain_text.rpartition("\n")
    assert drawn_by == texts.drawn_by("FLUX.1 [dev]", None) and shown.endswith("…")
    assert prompt.startswith(shown[:-1])


async def test_bad_input_gets_a_clear_reply_and_starts_nothing(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(max_prompt_length=50):
        cases = {
            tg.push_message(USER, USER, "/draw"): texts.empty_prompt(EN, private=True),
            tg.push_message(USER, USER, "x" * 51): texts.too_long(EN, 51, 50),
            tg.push_message(USER, USER, sticker=True): texts.no_text(EN),
            tg.push_message(USER, USER, photo=True): texts.no_text(EN),
            tg.push_message(USER, USER, voice=True): texts.no_text(EN),
        }
        await tg.wait_until(lambda: len(tg.sent_to(USER)) == len(cases))
        # The bot still serves people after all that.
        tg.push_message(OTHER, OTHER, "a calm lake")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == OTHER)
    answers = {s.reply_to_message_id: s.text for s in tg.sent_to(USER)}
    assert answers == cases
    assert [c["prompt"] for c in gpt.creates] == ["a calm lake"]
    assert env.charged(USER) == 0


async def test_quota_command_counts_and_refusal_names_reset(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(daily_limit=2):
        tg.push_message(USER, USER, "one")
        tg.push_message(USER, USER, "two")
        await tg.wait_until(lambda: len(tg.photos(USER)) == 2)
        refused = tg.push_message(USER, USER, "three")
        refusal = await tg.wait_for(lambda s: s.reply_to_message_id == refused)
        asked = tg.push_message(USER, USER, "/quota")
        quota = await tg.wait_for(lambda s: s.reply_to_message_id == asked)
    assert "left today: 0 of 2" in (refusal.text or "")
    assert "renew at 00:00 UTC" in (refusal.text or "")
    assert "2 of 2 used, 0 left" in (quota.text or "")
    assert len(gpt.creates) == 2


async def test_help_in_private_and_group(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "/start")
        tg.push_message(GROUP, USER, "/help@draw_test_bot", chat_type="supergroup", title="G")
        await tg.wait_until(lambda: len(tg.sent_to(USER)) == 1 and len(tg.sent_to(GROUP)) == 1)
    for sent in (tg.sent_to(USER)[0], tg.sent_to(GROUP)[0]):
        assert "/draw" in (sent.plain_text or "") and "privacy mode" in (sent.plain_text or "")
        assert "5 left" in (sent.plain_text or "")
