"""Every way a prompt can fail reaches the user in plain words, and gives the quota back."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from bot.drawing.failures import Failure
from bot.language import texts
from tests.e2e.conftest import OTHER, USER, Env
from tests.fakes.gptunnel import Download
from tests.i18n import EN


async def ask_and_wait_for_end(env: Env, text: str = "a quiet harbour") -> tuple[int, Any]:
    prompt_id = env.telegram.push_message(USER, USER, text)
    rows = await env.wait_rows(
        lambda rows: bool(rows) and rows[-1]["state"] in ("failed", "delivered"), timeout=20
    )
    return prompt_id, rows[-1]


def status_text(env: Env, row: Any) -> str | None:
    """What the user sees about this task: the status message turned into the explanation,
    or (when the failure came before the status could be sent) a reply carrying it."""
    visible = [
        env.telegram.current_text(USER, s.message_id)
        for s in env.telegram.sent_to(USER)
        if s.method == "sendMessage"
    ]
    visible = [text for text in visible if text is not None]
    if texts.working(EN) in visible:
        return None  # a stale "drawing…" is still in the chat: not settled (yet)
    return visible[-1] if visible else None


@pytest.mark.parametrize("code", [1001, 1002])
async def test_moderation_refusal_on_create(env: Env, bot_running: Any, code: int) -> None:
    env.gptunnel.rule("forbidden", create_code=code)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env, "something forbidden")
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.MODERATION)
        )
    assert row["failure"] == "moderation"
    assert len(env.gptunnel.creates) == 1  # refusals are never retried
    assert env.charged(USER) == 0
    assert env.telegram.photos() == []


async def test_moderation_refusal_while_polling(env: Env, bot_running: Any) -> None:
    env.gptunnel.rule("forbidden", result_code=1002)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env, "forbidden later")
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.MODERATION)
        )
    assert env.charged(USER) == 0


@pytest.mark.parametrize("code", [5, 7])
async def test_operator_problems_say_temporarily_unavailable(
    env: Env, bot_running: Any, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    env.gptunnel.rule("harbour", create_code=code)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.UNAVAILABLE)
        )
    assert row["failure"] == "unavailable"
    assert env.charged(USER) == 0
    # The operator has to act: it is logged as an error, not buried in warnings.
    assert any(r.levelname == "ERROR" and f"code {code}" in r.getMessage() for r in caplog.records)


async def test_a_rejected_key_says_temporarily_unavailable(env: Env, bot_running: Any) -> None:
    async with bot_running(gptunnel_api_key="not-the-right-key"):
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.UNAVAILABLE)
        )
    assert env.charged(USER) == 0


async def test_overloaded_past_the_retries(env: Env, bot_running: Any) -> None:
    env.gptunnel.rule("harbour", create_code=6)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.OVERLOADED)
        )
    assert len(env.gptunnel.creates) == 5  # retried with backoff, then given up
    assert env.charged(USER) == 0


async def test_refused_connections_are_retried_until_the_deadline_then_reported(
    env: Env, bot_running: Any
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # GPTunnel unreachable: the prompt waits for it (not five tries and out), until its deadline.
    async with bot_running(gptunnel_base_url=dead, task_timeout=4):
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.OVERLOADED)
        )
    assert row["attempts"] > 5 and env.charged(USER) == 0


async def test_gptunnel_5xx_is_retried_and_the_picture_still_comes(
    env: Env, bot_running: Any
) -> None:
    gpt = env.gptunnel
    gpt.fail_next("create", http_status=502, times=2)
    gpt.fail_next("result", http_status=500, times=2)
    gpt.fail_next("result", code=1)
    gpt.fail_next("result", code=500)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
    assert row["state"] == "delivered"
    assert len([c for c in gpt.creates if c["id"]]) == 1  # one upstream task, however many tries
    assert len(env.telegram.photos(USER)) == 1
    assert env.charged(USER) == 1


async def test_generation_failed_upstream(env: Env, bot_running: Any) -> None:
    env.gptunnel.rule("harbour", final_status="failed")
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.GENERATION_FAILED)
        )
    assert env.charged(USER) == 0


async def test_generation_timed_out(env: Env, bot_running: Any) -> None:
    env.gptunnel.rule("harbour", duration=60)
    async with bot_running(task_timeout=1):
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.TIMEOUT)
        )
    assert row["failure"] == "timeout" and env.charged(USER) == 0


async def test_expired_link_is_a_download_failure(env: Env, bot_running: Any) -> None:
    gpt = env.gptunnel
    gpt.rule("harbour", duration=0.5)
    async with bot_running():
        env.telegram.push_message(USER, USER, "a quiet harbour")
        await env.telegram.wait_until(lambda: bool(gpt.tasks))
        gpt.expire(next(iter(gpt.tasks)))
        rows = await env.wait_rows(lambda rows: rows[0]["state"] == "failed")
        await env.telegram.wait_until(
            lambda: status_text(env, rows[0]) == texts.failure(EN, Failure.DOWNLOAD_FAILED)
        )
    assert env.charged(USER) == 0


async def test_telegram_429_waits_retry_after_and_delivers_once(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.fail_next("sendPhoto", status=429, retry_after=1)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
    assert row["state"] == "delivered"
    assert tg.count_429 == 1
    attempts = tg.calls("sendPhoto")
    assert len(attempts) == 2
    assert len(tg.photos(USER)) == 1


async def test_telegram_5xx_is_retried(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.fail_next("sendPhoto", status=502)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
    assert row["state"] == "delivered" and len(tg.photos(USER)) == 1


async def test_blocked_bot_ends_the_task_and_others_are_still_served(
    env: Env, bot_running: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("harbour", duration=0.5)
    async with bot_running():
        tg.push_message(USER, USER, "a quiet harbour")
        await tg.wait_until(lambda: bool(gpt.creates))
        tg.block(USER)  # the user blocks the bot while the picture is being made
        rows = await env.wait_rows(lambda rows: rows[0]["state"] == "failed")
        tg.push_message(OTHER, OTHER, "a busy market")
        await tg.wait_for(lambda s: s.is_photo and s.chat_id == OTHER)
    assert rows[0]["failure"] == "chat_unavailable"
    assert len(tg.calls("sendPhoto")) == 2  # one refused, no retry loop; one delivered
    assert env.charged(USER) == 0


async def test_chat_not_found_ends_the_task(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.fail_next("sendPhoto", status=400, description="Bad Request: chat not found")
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
    assert row["failure"] == "chat_unavailable"
    assert len(tg.calls("sendPhoto")) == 1


async def test_an_html_error_page_from_a_proxy_is_retried(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.fail_next("sendPhoto", status=502, body="<html><body>502 Bad Gateway</body></html>")
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
    assert row["state"] == "delivered"
    assert len(tg.calls("sendPhoto")) == 2 and len(tg.photos(USER)) == 1


@pytest.mark.parametrize(
    "download",
    [
        Download(redirects=4),
        Download(redirect_to="ftp://files.example/picture.webp"),
        Download(redirect_to="file:///etc/passwd"),
        Download.html_page(),
        Download(size=60 * 1024 * 1024, content_length="chunked"),
    ],
    ids=["four-redirects", "to-ftp", "to-file", "html-page", "too-big"],
)
async def test_a_link_that_leads_nowhere_good_fails_once_and_refunds(
    env: Env, bot_running: Any, download: Download
) -> None:
    gpt = env.gptunnel
    gpt.rule("lighthouse", download=download)
    async with bot_running():
        env.telegram.push_message(USER, USER, "a lighthouse")
        rows = await env.wait_rows(lambda rows: rows[0]["state"] == "failed", timeout=20)
        await env.telegram.wait_until(
            lambda: status_text(env, rows[0]) == texts.failure(EN, Failure.DOWNLOAD_FAILED)
        )
    assert rows[0]["failure"] == "download_failed" and env.charged(USER) == 0
    # One walk down the link, never a retry loop, and never with the API key.
    assert len({record.url for record in gpt.download_log}) == len(gpt.download_log)
    assert all(not record.authorized for record in gpt.download_log)


async def test_a_lost_create_answer_is_sent_once_more_and_counted(
    env: Env, bot_running: Any
) -> None:
    gpt = env.gptunnel
    gpt.lose_next_create_answer()  # GPTunnel makes the task, then the connection drops
    async with bot_running() as app:
        _, row = await ask_and_wait_for_end(env)
        resubmitted = app.metrics.gptunnel_resubmitted._value.get()
    assert row["state"] == "delivered" and row["resubmitted"] == 1
    # It may now be drawn twice upstream: accepted, counted, and never more than twice.
    assert [c["prompt"] for c in gpt.creates] == ["a quiet harbour"] * 2
    assert resubmitted == 1
    assert len(env.telegram.photos(USER)) == 1 and env.charged(USER) == 1


async def test_a_create_answer_lost_twice_ends_the_task_without_a_third_try(
    env: Env, bot_running: Any
) -> None:
    gpt = env.gptunnel
    gpt.lose_next_create_answer(times=3)
    async with bot_running():
        _, row = await ask_and_wait_for_end(env)
        await env.telegram.wait_until(
            lambda: status_text(env, row) == texts.failure(EN, Failure.OVERLOADED)
        )
    assert len(gpt.creates) == 2
    assert env.charged(USER) == 0
