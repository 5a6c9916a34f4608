"""The pruning runner: batches back to back while old tasks remain, and what it asks for."""

from __future__ import annotations

from typing import cast

from bot.pipeline.retention import DAY, Retention
from storage import TaskRetention


class FakeTasks:
    def __init__(self, old: int) -> None:
        self.old = old
        self.asked: list[tuple[float, int]] = []

    async def prune(self, finished_before: float, limit: int) -> int:
        self.asked.append((finished_before, limit))
        taken = min(self.old, limit)
        self.old -= taken
        return taken


async def test_batches_go_back_to_back_until_a_short_one() -> None:
    fake = FakeTasks(old=1234)
    retention = Retention(
        tasks=cast(TaskRetention, fake), keep_days=30, batch=500, pause=0, clock=lambda: 100 * DAY
    )
    assert await retention.prune_once() == 1234
    assert fake.asked == [(70 * DAY, 500)] * 3
    assert await retention.prune_once() == 0
