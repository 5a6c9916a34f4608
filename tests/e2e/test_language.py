"""Russian and English, end to end: picked from Telegram's language, changed with /lang,
remembered across a restart, and used by the background loop as well."""

from __future__ import annotations

from typing import Any

import pytest

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import USER, Env
from tests.e2e.crashes import cut_off_twice
from tests.i18n import EN, RU


@pytest.mark.parametrize("language_code", ["ru", "uk", "kk"])
async def test_russian_readers_get_russian(env: Env, bot_running: Any, language_code: str) -> None:
    tg = env.telegram
    async with bot_running():
        prompt = tg.push_message(USER, USER, "рыжая лиса", language_code=language_code)
        status = await tg.wait_for(lambda s: s.reply_to_message_id == prompt)
        await tg.wait_for(lambda s: s.is_photo)
        unknown = tg.push_message(USER, USER, "/nonsense", language_code=language_code)
        answer = await tg.wait_for(lambda s: s.reply_to_message_id == unknown)
    assert status.text == texts.working(RU)
    assert answer.text == texts.unknown_command(RU)
    assert env.rows()[0]["locale"] == "ru"


async def test_other_languages_get_english(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        prompt = tg.push_message(USER, USER, "a red fox", language_code="de")
        status = await tg.wait_for(lambda s: s.reply_to_message_id == prompt)
    assert status.text == texts.working(EN)


async def test_lang_switches_and_is_remembered_across_a_restart(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        switch = tg.push_message(USER, USER, "/lang en", language_code="ru")
        answer = await tg.wait_for(lambda s: s.reply_to_message_id == switch)
        assert answer.text == texts.lang_set(EN)
    async with bot_running():  # a new process state: only storage remembers
        prompt = tg.push_message(USER, USER, "a blue whale", language_code="ru")
        status = await tg.wait_for(lambda s: s.reply_to_message_id == prompt)
    assert status.text == texts.working(EN)


async def test_lang_buttons_switch_the_language(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        ask = tg.push_message(USER, USER, "/lang", language_code="en")
        menu = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
        assert menu.text == texts.lang_current(EN)
        tg.push_callback_query(USER, USER, menu.message_id, "lang:ru")
        await tg.wait_until(lambda: bool(tg.callback_answers))
        prompt = tg.push_message(USER, USER, "a fox", language_code="en")
        status = await tg.wait_for(lambda s: s.reply_to_message_id == prompt)
    assert tg.callback_answers[0]["text"] == texts.lang_set(RU)
    assert status.text == texts.working(RU)


async def test_unknown_lang_shows_the_choice(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        ask = tg.push_message(USER, USER, "/lang klingon", language_code="ru")
        menu = await tg.wait_for(lambda s: s.reply_to_message_id == ask)
    assert menu.text == texts.lang_current(RU)


async def test_failure_from_the_background_loop_is_in_the_askers_language(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    env.gptunnel.rule("запрещено", result_code=1002)
    async with bot_running():
        tg.push_message(USER, USER, "что-то запрещено", language_code="ru")
        rows = await env.wait_rows(lambda rows: rows[0]["state"] == "failed")
        status_id = rows[0]["status_message_id"]
        await tg.wait_until(
            lambda: tg.current_text(USER, status_id) == texts.failure(RU, Failure.MODERATION)
        )


async def test_restart_notice_is_in_the_askers_language(env: Env, bot_process: Any) -> None:
    tg = env.telegram
    # Cut off while being created twice: sent once more after the first restart, not after
    # the second.
    await cut_off_twice(
        env,
        bot_process,
        lambda: tg.push_message(USER, USER, "прерванный запрос", language_code="ru"),
    )

    last = bot_process()
    await last.start()
    rows = await env.wait_rows(lambda rows: rows[0]["state"] == "failed", timeout=20)
    await tg.wait_until(
        lambda: (
            tg.current_text(USER, rows[0]["status_message_id"])
            == texts.failure(RU, Failure.INTERRUPTED)
        )
    )
    assert await last.terminate() == 0
