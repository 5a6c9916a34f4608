"""Under each picture: "again" and "original file" — and live progress while it is made."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from bot.language import texts
from tests.e2e.conftest import GROUP, OTHER, USER, Env
from tests.i18n import EN


def buttons(sent: Any) -> dict[str, str]:
    """Button text → callback data, from the photo's inline keyboard."""
    rows = (sent.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def test_photo_carries_again_and_original_buttons(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
    found = buttons(photo)
    assert set(found) == {texts.button_again(EN), texts.button_original(EN)}
    task_id = env.rows()[0]["id"]
    assert found[texts.button_original(EN)] == f"img:orig:{task_id}"
    assert found[texts.button_again(EN)] == f"img:again:{task_id}"


async def test_original_file_is_sent_from_the_bots_own_copy(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running():
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
        gpt.expire(next(iter(gpt.tasks)))  # GPTunnel's link is dead by now: no matter
        downloads = len(gpt.downloads)
        tg.push_callback_query(USER, USER, photo.message_id, buttons(photo)["📎 Original file"])
        doc = await tg.wait_for(lambda s: s.method == "sendDocument")
        await tg.wait_until(lambda: bool(tg.callback_answers))
    assert doc.reply_to_message_id == photo.message_id
    assert doc.file_bytes is not None and doc.file_bytes[:4] == b"RIFF"  # the WebP itself
    assert doc.filename is not None and doc.filename.endswith(".webp")
    assert len(gpt.downloads) == downloads  # GPTunnel was not asked again
    assert env.charged(USER) == 1  # an original costs nothing


async def test_original_no_longer_kept_says_so(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
        with closing(sqlite3.connect(env.db_file)) as conn:
            conn.execute("DELETE FROM originals")
            conn.commit()
        tg.push_callback_query(USER, USER, photo.message_id, buttons(photo)["📎 Original file"])
        await tg.wait_until(lambda: bool(tg.callback_answers))
    assert tg.callback_answers[0]["text"] == texts.original_gone(EN)
    assert not [s for s in tg.sent if s.method == "sendDocument"]


async def test_again_draws_the_same_prompt_and_counts_against_the_quota(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(daily_limit=2):
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
        again = buttons(photo)["🔁 Again"]
        tg.push_callback_query(USER, USER, photo.message_id, again)
        await tg.wait_until(lambda: len(tg.photos(USER)) == 2)
        tg.push_callback_query(USER, USER, photo.message_id, again)  # over the limit now
        refusal = await tg.wait_for(lambda s: "left today: 0 of 2" in (s.text or ""))
    assert [c["prompt"] for c in gpt.creates] == ["a lantern at night"] * 2
    assert tg.photos(USER)[1].reply_to_message_id == photo.message_id
    assert refusal.reply_to_message_id == photo.message_id
    assert env.charged(USER) == 2


async def test_a_stranger_pressing_in_a_group_acts_with_their_own_quota(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(GROUP, USER, "/draw a castle", chat_type="supergroup", title="G")
        photo = await tg.wait_for(lambda s: s.is_photo)
        tg.push_callback_query(GROUP, OTHER, photo.message_id, buttons(photo)["🔁 Again"])
        await tg.wait_until(lambda: len(tg.photos(GROUP)) == 2)
        tg.push_callback_query(GROUP, OTHER, photo.message_id, buttons(photo)["📎 Original file"])
        await tg.wait_for(lambda s: s.method == "sendDocument")
    rows = env.rows()
    assert [(r["user_id"], r["prompt"]) for r in rows] == [(USER, "a castle"), (OTHER, "a castle")]
    assert env.charged(USER) == 1 and env.charged(OTHER) == 1


async def test_forged_button_data_reveals_nothing(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "a private prompt")
        await tg.wait_for(lambda s: s.is_photo)
        # Another chat, a button pointing at USER's task (and an id SQLite cannot hold).
        tg.push_message(OTHER, OTHER, "mine")
        mine = await tg.wait_for(lambda s: s.is_photo and s.chat_id == OTHER)
        tg.push_callback_query(OTHER, OTHER, mine.message_id, "img:again:1")
        tg.push_callback_query(OTHER, OTHER, mine.message_id, f"img:orig:{2**70}")
        await tg.wait_until(lambda: len(tg.callback_answers) == 2)
    assert {a["text"] for a in tg.callback_answers} == {texts.image_unknown(EN)}
    assert len(env.rows()) == 2 and len(tg.photos()) == 2


async def test_progress_edits_come_while_drawing_and_never_after_the_picture(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slow", duration=2.0)
    async with bot_running(progress_interval=0.3):
        tg.push_message(USER, USER, "a slow sunrise")
        photo = await tg.wait_for(lambda s: s.is_photo, timeout=20)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
        status_id = env.rows()[0]["status_message_id"]
        await tg.wait_until(lambda: tg.current_text(USER, status_id) is None)
    edits = [e for e in tg.edits if e.message_id == status_id]
    assert edits, "the status should show progress while the picture is made"
    assert all(("Drawing…" in (e.plain or "")) or ("queue" in (e.plain or "")) for e in edits)
    assert all(e.at < photo.at for e in edits)  # never edited once the picture is there


# --- the original file: answered at once, sent after, by file_id once known, capped ------


def documents(tg: Any) -> list[Any]:
    return [s for s in tg.sent if s.method == "sendDocument"]


async def test_original_button_is_answered_before_the_upload(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
        tg.stall_upload("sendDocument", 1.0)  # a slow upload
        tg.push_callback_query(USER, USER, photo.message_id, buttons(photo)["📎 Original file"])
        doc = await tg.wait_for(lambda s: s.method == "sendDocument")
    (answer,) = tg.callback_answers
    assert answer["text"] is None
    assert answer["at"] < doc.at  # the spinner stopped before the file arrived


async def test_original_is_uploaded_once_then_sent_by_file_id(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(original_cooldown=0):
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
        original = buttons(photo)["📎 Original file"]
        for expected in (1, 2, 3):
            tg.push_callback_query(USER, USER, photo.message_id, original)
            await tg.wait_until(lambda n=expected: len(documents(tg)) == n)
            if expected == 2:
                # Telegram forgets the file (another bot token, say): uploaded again, once.
                tg.fail_next(
                    "sendDocument",
                    status=400,
                    description="Bad Request: wrong file identifier/HTTP URL specified",
                )
    first, second, third = documents(tg)
    assert [d.file_source for d in documents(tg)] == ["upload", "file_id", "upload"]
    assert second.file_id == first.file_id
    assert third.reply_to_message_id == photo.message_id
    kept = env.rows("SELECT file_id FROM originals")
    assert kept[0]["file_id"] == third.file_id


async def test_a_second_original_within_the_cooldown_sends_nothing(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running(original_cooldown=60):
        tg.push_message(USER, USER, "a lantern at night")
        photo = await tg.wait_for(lambda s: s.is_photo)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
        original = buttons(photo)["📎 Original file"]
        for _ in range(3):
            tg.push_callback_query(USER, USER, photo.message_id, original)
        await tg.wait_until(lambda: len(tg.callback_answers) == 3)
        await tg.wait_until(lambda: len(documents(tg)) == 1)
        # A marker: everything before it has been handled.
        tg.push_message(OTHER, OTHER, "marker")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == OTHER)
    # Pressed together: one is sent (answered without a notice), the others are told to wait.
    answers = [a["text"] for a in tg.callback_answers]
    assert sorted(answers, key=str) == sorted([None] + [texts.original_too_soon(EN)] * 2, key=str)
    assert len(documents(tg)) == 1
