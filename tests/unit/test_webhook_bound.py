"""Webhook mode handles at most as many updates at once as long polling does (256); past that,
Telegram's POST waits for a slot before it is answered."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.types import Message
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.runtime.serve import HANDLER_CONCURRENCY
from bot.telegram import webhook
from tests.routing.recording import RecordingSession

SECRET = "s3cret"


def update(n: int) -> dict[str, Any]:
    return {
        "update_id": n,
        "message": {
            "message_id": n,
            "date": 0,
            "chat": {"id": n, "type": "private", "first_name": "A"},
            "from": {"id": n, "is_bot": False, "first_name": "A"},
            "text": "hello",
        },
    }


async def until(cond: Any) -> None:
    for _ in range(500):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def test_no_more_than_the_cap_are_handled_at_once() -> None:
    assert webhook.MAX_UPDATES_IN_FLIGHT == HANDLER_CONCURRENCY == 256
    dispatcher = Dispatcher()
    release = asyncio.Event()
    running = 0
    peak = 0

    @dispatcher.message()
    async def slow(message: Message) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    bot = Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=RecordingSession())
    app = web.Application()
    webhook.add_route(app, dispatcher=dispatcher, bot=bot, path="/hook", secret=SECRET)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    client = TestClient(TestServer(app), connector=aiohttp.TCPConnector(limit=0))
    async with client:
        posts = [
            asyncio.create_task(client.post("/hook", json=update(n), headers=headers))
            for n in range(1, 301)
        ]
        await until(lambda: running == 256 and sum(post.done() for post in posts) == 256)
        await asyncio.sleep(0.1)  # time enough for any more to start, were they allowed
        assert running == 256
        assert sum(post.done() for post in posts) == 256  # the other 44 POSTs wait
        release.set()
        answers = await asyncio.gather(*posts)
        await until(lambda: running == 0)
    assert {answer.status for answer in answers} == {200}
    assert peak == 256
