"""Self-tests of the fake Telegram as a server: tokens, ports (unreachable, then up, down and up
again), and one getUpdates consumer per token (409 conflicts), through real HTTP and aiogram.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram.exceptions import (
    TelegramConflictError,
    TelegramNetworkError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile

from tests.fakes import FakeTelegram
from tests.fakes.telegram import base_url, free_port
from tests.fakes.telegram.updates import (
    TERMINATED_BY_GET_UPDATES,
    TERMINATED_BY_SET_WEBHOOK,
    WEBHOOK_ACTIVE,
)
from tests.fakes.telegram_selftest import TOKEN, aiogram_bot, call, http_client, image_bytes

UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def tg_http(tg: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(tg) as client:
        yield client


async def test_wrong_token_is_unauthorized_for_every_method_and_file(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    tg.push_message(7, 7, "hi", photo=True)
    _, updates = await call(tg_http, "getUpdates")
    photo = updates["result"][0]["message"]["photo"][-1]
    _, got = await call(tg_http, "getFile", file_id=photo["file_id"])
    path = got["result"]["file_path"]

    async with http_client(tg, token="123456:wrong") as wrong:
        for method, params in [
            ("getMe", {}),
            ("sendMessage", {"chat_id": 7, "text": "hi"}),
            ("getUpdates", {"timeout": 0}),
            ("getFile", {"file_id": photo["file_id"]}),
            ("noSuchMethod", {}),
        ]:
            assert await call(wrong, method, **params) == (401, UNAUTHORIZED), method
    async with httpx.AsyncClient(base_url=tg.base_url) as client:
        stolen = await client.get(f"/file/bot123456:wrong/{path}")
        assert stolen.status_code == 404
        assert stolen.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        assert (await client.get(f"/file/bot{TOKEN}/{path}")).status_code == 200
    assert tg.sent == []
    assert [status for _, _, status, _ in tg.errors] == [401] * 5

    bot = aiogram_bot(tg.base_url, token="42:not-this-bot")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await bot.get_me()
    finally:
        await bot.session.close()


async def test_bot_pointed_at_a_port_before_the_fake_listens_there() -> None:
    port = free_port()
    bot = aiogram_bot(base_url(port))
    tg = FakeTelegram(TOKEN)
    try:
        with pytest.raises(TelegramNetworkError):
            await bot.get_me()  # nothing listens yet: connection refused
        assert await tg.start(port=port) == base_url(port)
        assert (tg.port, tg.base_url) == (port, base_url(port))
        assert (await bot.get_me()).username == "draw_test_bot"
        with pytest.raises(RuntimeError, match="already running"):
            await tg.start()

        tg.push_message(5, 5, "sent while the bot cannot reach Telegram")
        await tg.stop()
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(5, "anyone there?")
        assert await tg.start(port=port) == base_url(port)  # same instance, same port
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == [
            "sent while the bot cannot reach Telegram"
        ]
        await bot.send_message(5, "back")
        assert [s.text for s in tg.sent_to(5)] == ["back"]
    finally:
        await bot.session.close()
        await tg.stop()


async def test_start_without_a_port_takes_a_free_one() -> None:
    async with FakeTelegram(TOKEN) as a, FakeTelegram(TOKEN) as b:
        assert a.port and b.port and a.port != b.port
        assert a.base_url == base_url(a.port)


async def test_a_second_long_poll_ends_the_first_with_409(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(call(tg_http, "getUpdates", timeout=60))
    await tg.wait_until(lambda: tg.polls_waiting() == 1)
    async with http_client(tg) as other_instance:
        second = asyncio.create_task(call(other_instance, "getUpdates", timeout=60))
        status, body = await first  # answered as soon as the second one waits
        assert (status, body) == (
            409,
            {"ok": False, "error_code": 409, "description": TERMINATED_BY_GET_UPDATES},
        )
        assert body["description"] == (
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running"
        )
        await tg.wait_until(lambda: tg.polls_waiting() == 1)  # the newer one goes on
        mid = tg.push_message(8, 8, "for whoever polls now")
        status, body = await second
    assert status == 200
    assert [u["message"]["message_id"] for u in body["result"]] == [mid]
    assert tg.count_409 == 1


async def test_a_poll_answered_at_once_leaves_the_waiting_one_alone(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    waiting = asyncio.create_task(call(tg_http, "getUpdates", timeout=60))
    await tg.wait_until(lambda: tg.polls_waiting() == 1)
    # Telegram only ends the waiting poll when the new one would wait itself.
    assert await call(tg_http, "getUpdates", timeout=0) == (200, {"ok": True, "result": []})
    assert tg.polls_waiting() == 1
    tg.push_message(9, 9, "hello")
    status, body = await waiting
    assert status == 200 and len(body["result"]) == 1
    assert tg.count_409 == 0


async def test_webhook_and_get_updates_conflict(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    poll = asyncio.create_task(call(tg_http, "getUpdates", timeout=60))
    await tg.wait_until(lambda: tg.polls_waiting() == 1)
    assert (await call(tg_http, "setWebhook", url="https://bot.example/hook"))[0] == 200
    assert await poll == (
        409,
        {"ok": False, "error_code": 409, "description": TERMINATED_BY_SET_WEBHOOK},
    )
    status, body = await call(tg_http, "getUpdates", timeout=0)
    assert (status, body["description"]) == (409, WEBHOOK_ACTIVE)
    assert WEBHOOK_ACTIVE == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    bot = aiogram_bot(tg.base_url)
    try:
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []
    finally:
        await bot.session.close()
    assert tg.count_409 == 3


async def test_a_dead_pollers_request_gets_no_409(tg: FakeTelegram) -> None:
    """A killed bot leaves its long poll behind; the next poller must not cause a 409."""
    dead = http_client(tg)
    orphan = asyncio.create_task(call(dead, "getUpdates", timeout=60))
    await tg.wait_until(lambda: tg.polls_waiting() == 1)
    orphan.cancel()
    await dead.aclose()  # the connection goes away, as when the process is killed
    await tg.wait_until(lambda: tg.polls_waiting() == 0)
    bot = aiogram_bot(tg.base_url)
    try:
        poll = asyncio.create_task(bot.get_updates(timeout=60))
        await tg.wait_until(lambda: tg.polls_waiting() == 1)
        tg.push_message(3, 3, "after the restart")
        assert [u.message.text for u in await poll if u.message] == ["after the restart"]
    finally:
        await bot.session.close()
    assert tg.count_409 == 0
    assert [e for e in tg.errors if e[2] == 409] == []


async def test_files_survive_a_restart(tg: FakeTelegram) -> None:
    bot = aiogram_bot(tg.base_url)
    try:
        tg.push_message(4, 4, "hi")
        sent = await bot.send_photo(4, BufferedInputFile(image_bytes(), "p.png"))
        assert sent.photo is not None
        port = tg.port
        await tg.stop()
        await tg.start(port=port)
        file = await bot.get_file(sent.photo[-1].file_id)
        assert file.file_path is not None
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None and downloaded.read() == image_bytes()
    finally:
        await bot.session.close()
