"""Starting a task at GPTunnel: the create call, made once, and what its answer means."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.delivery.ending import Ending
from bot.drawing.failures import Failure
from bot.gptunnel import ErrorKind, GPTunnelClient, GPTunnelError, Progress
from bot.ops.metrics import Metrics
from bot.pipeline.backoff import backoff
from bot.pipeline.scheduler import PollScheduler
from bot.pipeline.upstream import UpstreamErrors
from storage import Task, TaskSteps

log = logging.getLogger(__name__)

# While GPTunnel is unreachable a waiting prompt is tried at least this often, so it starts
# soon after GPTunnel is back.
UNREACHABLE_MAX_WAIT = 10.0

# A task's pictures to draw from, as links GPTunnel can fetch: () for none; None when they can
# no longer be fetched (bot.drawing.references.ReferenceUrls).
PictureLinks = Callable[[Task], Awaitable[tuple[str, ...] | None]]


async def _no_pictures(_task: Task) -> tuple[str, ...]:
    return ()


class Submitter:
    def __init__(
        self,
        *,
        tasks: TaskSteps,
        gptunnel: GPTunnelClient,
        scheduler: PollScheduler,
        ending: Ending,
        upstream: UpstreamErrors,
        metrics: Metrics,
        retry_base: float,
        max_attempts: int = 5,
        max_backoff: float = 60.0,
        pictures: PictureLinks = _no_pictures,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tasks = tasks
        self._gptunnel = gptunnel
        self._scheduler = scheduler
        self._ending = ending
        self._upstream = upstream
        self._metrics = metrics
        self._retry_base = retry_base
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff
        self._pictures = pictures
        self._clock = clock
        self._wake: Callable[[], None] = lambda: None

    def on_schedule_change(self, wake: Callable[[], None]) -> None:
        """The background loop asks to hear when a task's next step moves earlier."""
        self._wake = wake

    async def submit(self, task_id: int) -> Task | None:
        """Start the task upstream, once. Returns the task as it stands afterwards."""
        now = self._clock()
        task = await self._tasks.claim_submit(task_id, now)
        if task is None:
            return await self._tasks.get(task_id)  # someone else holds it, or it has ended
        images = await self._pictures(task)
        if images is None:
            # Drawing without the picture would be a different request: fail it, refunded.
            await self._ending.fail(task, Failure.REFERENCE_GONE)
            return await self._tasks.get(task.id)
        trace = self._gptunnel.send_trace()
        try:
            media = await self._gptunnel.create(
                task.model, task.prompt, ar=task.ar, images=images, trace=trace
            )
        except GPTunnelError as exc:
            return await self._create_failed(task, exc)
        except asyncio.CancelledError:
            if trace.never_sent:
                # Cut short (a shutdown) before a byte left: nothing exists upstream, so the
                # next start may simply create it. Otherwise it stays `submitting`, as a crash.
                now = self._clock()
                await self._tasks.release_submit(
                    task.id, next_at=now, attempts=task.attempts, now=now
                )
            raise
        now = self._clock()
        current: Task | None = None
        # From here until the id is stored, a crash would make the next start send the create
        # again: the write goes ahead of everything queued for the database (Database.urgent).
        with self._metrics.recording_create():
            if media.progress is Progress.DONE and media.url:
                await self._tasks.mark_ready(
                    task.id, media.url, upstream_id=media.id, cost=media.cost, now=now
                )
            else:
                wait = 0.0
                if media.progress is not Progress.FAILED:
                    wait = self._scheduler.next_poll(task.model, age=0.0, last_gap=None)
                # The usual case hands back the row it wrote: one trip to the database, not two.
                current = await self._tasks.mark_submitted(
                    task.id, media.id, next_at=now + wait, now=now
                )
        if media.progress is Progress.DONE and media.url:
            self._metrics.image_ready(task.model, now - task.created_at)
        elif media.progress is Progress.FAILED:
            current = None
            await self._ending.fail(task, Failure.GENERATION_FAILED)
        log.info("task %s submitted upstream as %s (%s)", task.id, media.id, media.status)
        self._wake()
        return current if current is not None else await self._tasks.get(task.id)

    async def _create_failed(self, task: Task, exc: GPTunnelError) -> Task | None:
        attempts = task.attempts + 1
        now = self._clock()
        if exc.may_have_reached:
            # The request left and no answer came: GPTunnel may have started it. Sent once
            # more (counted: it may be drawn twice), never in a loop.
            delay = backoff(attempts, base=self._retry_base, cap=self._max_backoff)
            if (
                not task.resubmitted
                and now + delay < task.deadline
                and await self._tasks.resubmit(task.id, next_at=now + delay, now=now)
            ):
                log.warning(
                    "task %s: create's answer was lost (%s); sending it once more in %.1f s "
                    "(it may be drawn twice upstream)",
                    task.id,
                    exc,
                    delay,
                )
                self._metrics.gptunnel_resubmitted.inc()
                self._wake()
                return await self._tasks.get(task.id)
        # GPTunnel unreachable (not up yet, DNS, network): the prompt waits as `new` and is
        # sent when GPTunnel answers, until its own deadline; that is not a failed attempt.
        unreachable = exc.never_sent
        retry = unreachable or (attempts < self._max_attempts and not exc.may_have_reached)
        if exc.kind is ErrorKind.TRANSIENT and retry:
            cap = min(self._max_backoff, UNREACHABLE_MAX_WAIT) if unreachable else self._max_backoff
            delay = backoff(attempts, base=self._retry_base, cap=cap)
            if now + delay < task.deadline:
                log.warning(
                    "task %s: create failed (%s); retry %s in %.1f s", task.id, exc, attempts, delay
                )
                await self._tasks.release_submit(
                    task.id, next_at=now + delay, attempts=attempts, now=now
                )
                self._wake()
                return await self._tasks.get(task.id)
        failure = await self._upstream.ended(task, "create", exc)
        await self._ending.fail(task, failure)
        return await self._tasks.get(task.id)
