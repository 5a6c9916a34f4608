"""The operator's commands end to end, what everyone else sees of them (nothing), and the
one alert per incident when GPTunnel's balance is empty or its key is rejected."""

from __future__ import annotations

from typing import Any

import pytest

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import GROUP, OTHER, USER, Env
from tests.fakes import FakeTelegram
from tests.i18n import EN, RU

ADMIN = 9001
ADMIN2 = 9002


async def command(tg: FakeTelegram, user: int, text: str, **kw: Any) -> str | None:
    asked = tg.push_message(user, user, text, **kw)
    answer = await tg.wait_for(lambda s: s.chat_id == user and s.reply_to_message_id == asked)
    return answer.text


async def draw(env: Env, text: str) -> str | None:
    """USER asks; returns the answer: the photo's caption, or the refusal's text."""
    tg = env.telegram
    asked = tg.push_message(USER, USER, text, username="ann")
    answer = await tg.wait_for(
        lambda s: (
            s.chat_id == USER
            and s.reply_to_message_id == asked
            and (s.is_photo or s.text != texts.working(EN))
        )
    )
    if not answer.is_photo:
        return answer.text
    prompt, _, drawn_by = (answer.plain_text or "").rpartition("\n")
    assert drawn_by == texts.drawn_by("YandexART", None)
    return prompt


async def test_grant_adds_pictures_for_today(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(daily_limit=1, admin_ids=ADMIN):
        assert await draw(env, "one") == "one"
        refused = await draw(env, "two")
        assert refused is not None and refused.startswith("🧮")
        answer = await command(tg, ADMIN, "/grant @ANN 2")
        assert await draw(env, "three") == "three"
        assert await draw(env, "four") == "four"
        assert (await draw(env, "five") or "").startswith("🧮")
        quota = await command(tg, USER, "/quota")
    assert answer == texts.admin_granted(EN, USER, 2, 3)
    assert "3 of 3" in (quota or "")
    assert env.charged(USER) == 3


async def test_setlimit_is_a_permanent_personal_limit(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(daily_limit=1, admin_ids=ADMIN):
        answer = await command(tg, ADMIN, f"/setlimit {USER} 2")
        assert await draw(env, "one") == "one"
        assert await draw(env, "two") == "two"
        assert (await draw(env, "three") or "").startswith("🧮")
    assert answer == texts.admin_limit_set(EN, USER, 2)


async def test_ban_refuses_politely_and_unban_restores(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    async with bot_running(admin_ids=ADMIN):
        banned = await command(tg, ADMIN, f"/ban {USER}")
        refused = await draw(env, "anything")
        creates_while_banned = len(gpt.creates)
        unbanned = await command(tg, ADMIN, f"/unban {USER}")
        drawn = await draw(env, "after the ban")
    assert banned == texts.admin_banned(EN, USER)
    assert refused == texts.banned(EN)
    assert creates_while_banned == 0
    assert unbanned == texts.admin_unbanned(EN, USER)
    assert drawn == "after the ban"
    assert env.charged(USER) == 1


async def test_admin_commands_explain_bad_input(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(admin_ids=ADMIN):
        answers = [
            await command(tg, ADMIN, text)
            for text in (
                "/grant",
                f"/grant {USER} lots",
                f"/grant {USER} 0",
                "/setlimit @ann",
                "/ban",
                "/grant @nobody 1",
                "/ban 99999999999999999999999999",
            )
        ]
    assert answers == [
        texts.admin_usage(EN, "grant"),
        texts.admin_usage(EN, "grant"),
        texts.admin_usage(EN, "grant"),
        texts.admin_usage(EN, "setlimit"),
        texts.admin_usage(EN, "ban"),
        texts.admin_unknown_user(EN, "@nobody"),
        texts.admin_unknown_user(EN, "99999999999999999999999999"),
    ]


async def test_stats_shows_the_figures_and_the_balance(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("forbidden", create_code=1001)
    async with bot_running(admin_ids=ADMIN):
        assert await draw(env, "a good one") == "a good one"
        tg.push_message(USER, USER, "forbidden one")
        await env.wait_rows(lambda rows: rows[-1]["state"] == "failed")
        stats = await command(tg, ADMIN, "/stats")
        gpt.fail_next("balance", http_status=503, times=10)
        without_balance = await command(tg, ADMIN, "/stats")
    durations = [
        r["finished_at"] - r["created_at"] for r in env.rows() if r["state"] == "delivered"
    ]
    expected = texts.stats(
        EN,
        users_today=1,
        users_week=1,
        images_today=1,
        images_total=1,
        failures={"moderation": 1},
        median=durations[0],
        p95=durations[0],
        open_now=0,
        balance=1000.0,
        # The fake reports a cost of 1.5 for yandex-art's finished tasks.
        spend=[("yandex-art", 1.5, 1.5)],
        stars=(0, 0, 0),
    )
    assert stats == expected
    assert "GPTunnel balance: 1000.00" in (stats or "")
    assert "GPTunnel spend today: 1.50 ₽, in total: 1.50 ₽" in (stats or "")
    assert "yandex-art: today 1.50 ₽, in total 1.50 ₽" in (stats or "")
    assert "GPTunnel balance: unavailable" in (without_balance or "")


@pytest.mark.parametrize("text", ["/grant 5001 5", "/setlimit 5001 9", "/ban 5001", "/stats"])
async def test_non_admins_get_the_unknown_command_reply(
    env: Env, bot_running: Any, text: str
) -> None:
    tg = env.telegram
    async with bot_running(admin_ids=ADMIN):
        answer = await command(tg, OTHER, text)
        ru_answer = await command(tg, OTHER + 1, text, language_code="ru")
    assert answer == texts.unknown_command(EN)
    assert ru_answer == texts.unknown_command(RU)
    assert env.rows("SELECT * FROM users WHERE banned = 1 OR daily_limit IS NOT NULL") == []
    assert env.rows("SELECT * FROM grants") == []


async def test_admin_commands_in_a_group_from_members_get_silence(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running(admin_ids=ADMIN):
        for text in ("/stats", f"/ban {USER}", f"/grant {OTHER} 3", "/stats@draw_test_bot"):
            tg.push_message(GROUP, OTHER, text, chat_type="supergroup", title="Artists")
        tg.push_message(GROUP, OTHER, "/draw marker", chat_type="supergroup", title="Artists")
        await tg.wait_for(lambda s: s.is_photo)
    assert [s.method for s in tg.sent_to(GROUP)] == ["sendMessage", "sendPhoto"]
    assert env.rows("SELECT * FROM users WHERE banned = 1") == []


async def test_empty_balance_alerts_each_admin_once(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.add_chat(ADMIN, "private", first_name="Op")
    tg.add_chat(ADMIN2, "private", first_name="Op2")
    gpt.set_balance(0)
    async with bot_running(admin_ids=f"{ADMIN},{ADMIN2}", max_active_tasks=0):
        for n in range(4):
            tg.push_message(USER, USER, f"no money {n}")
        rows = await env.wait_rows(
            lambda rows: len(rows) == 4 and all(r["state"] == "failed" for r in rows)
        )
        await tg.wait_until(lambda: len(tg.sent_to(ADMIN)) >= 1 and len(tg.sent_to(ADMIN2)) >= 1)
        # One more failure after the alert: still no second message.
        tg.push_message(USER, USER, "no money again")
        await env.wait_rows(lambda rows: len(rows) == 5 and rows[-1]["state"] == "failed")
        # The fifth explanation reached the user, so its alert decision has been made too.
        await tg.wait_until(
            lambda: (
                sum(
                    tg.current_text(USER, s.message_id) == texts.failure(EN, Failure.UNAVAILABLE)
                    for s in tg.sent_to(USER)
                )
                == 5
            )
        )
    assert {r["failure"] for r in rows} == {"unavailable"}
    assert [s.text for s in tg.sent_to(ADMIN)] == [texts.alert(EN, "balance")]
    assert [s.text for s in tg.sent_to(ADMIN2)] == [texts.alert(EN, "balance")]


async def test_rejected_key_alerts_in_the_admins_language(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(
        admin_ids=ADMIN, gptunnel_api_key="wrong-key-0000000000", max_active_tasks=0
    ):
        assert await command(tg, ADMIN, "/lang ru") == texts.lang_set(RU)
        for n in range(3):
            tg.push_message(USER, USER, f"bad key {n}")
        await env.wait_rows(
            lambda rows: len(rows) == 3 and all(r["state"] == "failed" for r in rows)
        )
        await tg.wait_until(lambda: len(tg.sent_to(ADMIN)) >= 2)
    admin_texts = [s.text for s in tg.sent_to(ADMIN)]
    assert admin_texts == [texts.lang_set(RU), texts.alert(RU, "key")]
