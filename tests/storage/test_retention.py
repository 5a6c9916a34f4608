"""Finished tasks are pruned after their retention, a batch at a time, on every backend; open
ones never are; /stats's totals stay whole."""

from __future__ import annotations

import asyncio

from storage import Database, StatsRepository, TaskStore
from tests.storage.helpers import T0, created, new_task, ready_task, submitted_task

DAY_S = 86_400.0


async def finished(tasks: TaskStore, *, delivered: int, failed: int, at: float) -> None:
    """Tasks ended at `at`: some delivered, some failed as timed out."""
    for n in range(delivered + failed):
        task = await ready_task(tasks, new_task(source_key=f"{at}:{n}", user_id=100 + n))
        if n < delivered:
            assert await tasks.steps.mark_delivered(task.id, at)
        else:
            assert await tasks.steps.mark_failed(task.id, "timeout", at) is not None


async def test_only_finished_tasks_past_the_cutoff_go_oldest_first(tasks: TaskStore) -> None:
    await finished(tasks, delivered=3, failed=2, at=T0)
    await finished(tasks, delivered=1, failed=0, at=T0 + 10 * DAY_S)
    still_open = await submitted_task(tasks, new_task(source_key="open"))
    waiting = await created(tasks, new_task(source_key="new"))
    cutoff = T0 + DAY_S
    assert await tasks.retention.prune(cutoff, 2) == 2
    assert await tasks.retention.prune(cutoff, 2) == 2
    assert await tasks.retention.prune(cutoff, 2) == 1
    assert await tasks.retention.prune(cutoff, 2) == 0
    left = {task.id for task in await tasks.history.recent(100, 50)} | {
        task.id for task in await tasks.history.recent(1, 50)
    }
    assert still_open.id in left and waiting.id in left
    assert await tasks.queue.count_open() == 2
    assert await tasks.retention.totals() == {("delivered", ""): 3, ("failed", "timeout"): 2}


async def test_stats_totals_survive_the_pruning(db: Database, tasks: TaskStore) -> None:
    stats = StatsRepository(db)
    await finished(tasks, delivered=4, failed=2, at=T0)
    await finished(tasks, delivered=1, failed=1, at=T0 + 20 * DAY_S)
    now = T0 + 20 * DAY_S
    before = await stats.figures(day_start=now - 3600, week_start=now - 7 * DAY_S)
    assert await tasks.retention.prune(now - 10 * DAY_S, 500) == 6
    after = await stats.figures(day_start=now - 3600, week_start=now - 7 * DAY_S)
    assert (after.images_total, after.failures) == (before.images_total, before.failures)
    assert (after.images_total, after.failures) == (5, {"timeout": 3})
    assert after.images_today == before.images_today == 1


async def test_two_pruners_at_once_count_each_task_once(tasks: TaskStore) -> None:
    await finished(tasks, delivered=6, failed=4, at=T0)
    pruned = list(await asyncio.gather(*(tasks.retention.prune(T0 + 1, 3) for _ in range(6))))
    # Racing for the same batch, a late one may find it gone: it counts nothing of it.
    while (more := await tasks.retention.prune(T0 + 1, 3)) > 0:
        pruned.append(more)
    assert sum(pruned) == 10
    assert await tasks.retention.totals() == {("delivered", ""): 6, ("failed", "timeout"): 4}
