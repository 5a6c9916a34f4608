"""Pruning finished tasks older than TASK_RETENTION_DAYS, beside the background loop.

A batch at a time (a short transaction, so intake and the loop's steps never wait long
behind it), batches back to back with a pause between while old tasks remain, then a look
every few minutes. Their counts are kept for /stats (storage.task_retention).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from storage import ReferenceRepository, TaskRetention

log = logging.getLogger(__name__)

DAY = 86_400.0
BATCH = 500
# Between two batches while a backlog lasts: the database serves everyone else meanwhile.
PAUSE = 0.2
EVERY = 600.0


class Retention:
    def __init__(
        self,
        *,
        tasks: TaskRetention,
        keep_days: float,
        batch: int = BATCH,
        pause: float = PAUSE,
        every: float = EVERY,
        references: ReferenceRepository | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tasks = tasks
        self._references = references
        self._keep = keep_days * DAY
        self._batch = batch
        self._pause = pause
        self._every = every
        self._clock = clock
        self._runner: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="retention")

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    async def prune_once(self) -> int:
        """Prune until no old task is left; returns how many went. Pictures kept to draw
        from that nobody will fetch any more go too (expired, or their task ended)."""
        if self._references is not None:
            purged = await self._references.purge(self._clock())
            if purged:
                log.info("deleted %s pictures kept to draw from that expired", purged)
        total = 0
        while True:
            pruned = await self._tasks.prune(self._clock() - self._keep, self._batch)
            total += pruned
            if pruned < self._batch:
                return total
            await asyncio.sleep(self._pause)

    async def _run(self) -> None:
        while True:
            try:
                pruned = await self.prune_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pruning old tasks failed; trying again later")
            else:
                if pruned:
                    log.info("pruned %s finished tasks older than %s", pruned, self._age())
            await asyncio.sleep(self._every)

    def _age(self) -> str:
        return f"{self._keep / DAY:g} days"
