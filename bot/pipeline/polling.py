"""One poll of a running task at GPTunnel, and what its answer means; where a task stands."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.delivery.ending import Ending
from bot.drawing.failures import Failure
from bot.gptunnel import ErrorKind, GPTunnelClient, GPTunnelError, Progress
from bot.ops.metrics import Metrics
from bot.pipeline.backoff import backoff
from bot.pipeline.scheduler import PollScheduler
from bot.pipeline.upstream import UpstreamErrors
from storage import Task, TaskQueue, TaskSteps

log = logging.getLogger(__name__)


class PollStep:
    def __init__(
        self,
        *,
        tasks: TaskSteps,
        queue: TaskQueue,
        gptunnel: GPTunnelClient,
        scheduler: PollScheduler,
        ending: Ending,
        upstream: UpstreamErrors,
        metrics: Metrics,
        retry_base: float,
        max_errors: int = 8,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tasks = tasks
        self._queue = queue
        self._gptunnel = gptunnel
        self._scheduler = scheduler
        self._ending = ending
        self._upstream = upstream
        self._metrics = metrics
        self._retry_base = retry_base
        self._max_errors = max_errors
        self._max_backoff = max_backoff
        self._clock = clock

    async def poll(self, task: Task) -> Task | None:
        """Ask GPTunnel how the task is doing and move it along."""
        assert task.upstream_id is not None
        try:
            media = await self._gptunnel.result(task.upstream_id)
        except GPTunnelError as exc:
            return await self._poll_failed(task, exc)
        now = self._clock()
        progress = media.progress
        if progress is Progress.DONE and media.url:
            ready = await self._tasks.mark_ready(task.id, media.url, cost=media.cost, now=now)
            self._metrics.image_ready(task.model, now - task.created_at)
            if ready and ready.upstream_done_at is not None and ready.submitted_at is not None:
                self._scheduler.observe(task.model, ready.upstream_done_at - ready.submitted_at)
            log.info("task %s is ready upstream after %.1f s", task.id, now - task.created_at)
        elif progress is Progress.FAILED:
            log.info("task %s: generation %s upstream", task.id, media.status)
            await self._ending.fail(task, Failure.GENERATION_FAILED)
        elif now >= task.deadline:
            await self._ending.fail(task, Failure.TIMEOUT)
        else:
            submitted = task.submitted_at or task.created_at
            last_gap = now - (task.last_poll_at or submitted)
            wait = self._scheduler.next_poll(task.model, age=now - submitted, last_gap=last_gap)
            next_at = min(now + wait, task.deadline)
            await self._tasks.record_poll(
                task.id, next_at=next_at, attempts=0, now=now, upstream_status=media.status
            )
        return await self._tasks.get(task.id)

    async def _poll_failed(self, task: Task, exc: GPTunnelError) -> Task | None:
        now = self._clock()
        if exc.kind is not ErrorKind.TRANSIENT:
            await self._ending.fail(task, await self._upstream.ended(task, "result", exc))
            return await self._tasks.get(task.id)
        attempts = task.attempts + 1
        if now >= task.deadline:
            await self._ending.fail(task, Failure.TIMEOUT)
        elif attempts >= self._max_errors:
            await self._ending.fail(task, await self._upstream.ended(task, "result", exc))
        else:
            log.warning("task %s: poll failed (%s), retry %s", task.id, exc, attempts)
            delay = backoff(attempts, base=self._retry_base, cap=self._max_backoff)
            next_at = min(now + delay, task.deadline)
            await self._tasks.record_poll(task.id, next_at=next_at, attempts=attempts, now=now)
        return await self._tasks.get(task.id)

    async def standing(self, task: Task) -> tuple[int | None, float | None]:
        """Where a running task stands: its place in GPTunnel's queue while upstream says it
        is waiting (else None), and how long tasks of its model usually take (if known)."""
        position = None
        if (task.upstream_status or "").lower() == "idle":
            position = await self._queue.queue_position(task)
        return position, self._scheduler.typical(task.model)
