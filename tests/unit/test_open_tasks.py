"""/metrics counts open tasks at most once every few seconds, however often it is scraped."""

from __future__ import annotations

import asyncio
from typing import cast

from aiohttp.test_utils import TestClient, TestServer

from bot.ops.health import Health
from bot.ops.http_server import HttpServer
from bot.ops.metrics import Metrics
from bot.ops.open_tasks import OpenTaskCount
from storage import TaskQueue


class CountingQueue:
    def __init__(self) -> None:
        self.calls = 0

    async def count_open(self) -> int:
        self.calls += 1
        await asyncio.sleep(0)
        return 7


async def test_scrapes_close_together_share_one_count() -> None:
    queue = CountingQueue()
    server = HttpServer(
        health=cast(Health, object()),
        metrics=Metrics(),
        tasks=cast(TaskQueue, queue),
        host="127.0.0.1",
        port=0,
    )
    async with TestClient(TestServer(server.web_app)) as client:
        bodies = []
        for _ in range(3):
            response = await client.get("/metrics")
            bodies.append(await response.text())
        together = await asyncio.gather(*(client.get("/metrics") for _ in range(5)))
    assert all("drawbot_tasks_open 7.0" in body for body in bodies)
    assert {r.status for r in together} == {200}
    assert queue.calls == 1


async def test_the_count_is_taken_again_once_it_is_old() -> None:
    queue = CountingQueue()
    now = [100.0]
    count = OpenTaskCount(queue.count_open, ttl=5.0, clock=lambda: now[0])
    assert await count.get() == 7
    now[0] += 4.9
    await count.get()
    assert queue.calls == 1
    now[0] += 0.2
    await count.get()
    assert queue.calls == 2
