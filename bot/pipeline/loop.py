"""The background loop: every open task's next step happens here, resumed from storage."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable

from bot.delivery.chat_action import WorkingSign
from bot.delivery.ending import Ending
from bot.delivery.photos import PhotoDelivery
from bot.delivery.progress import ProgressEdits
from bot.drawing.failures import Failure
from bot.ops.logs import bind, log_context
from bot.ops.metrics import Metrics
from bot.pipeline.polling import PollStep
from bot.pipeline.retention import Retention
from bot.pipeline.submission import Submitter
from storage import Task, TaskQueue, TaskState, TaskSteps

log = logging.getLogger(__name__)

MAX_STEP_ERRORS = 5
_POLL_STATES = ("submitted",)
_OTHER_STATES = ("new", "ready")


class Poller:
    def __init__(
        self,
        *,
        queue: TaskQueue,
        tasks: TaskSteps,
        submitter: Submitter,
        poll_step: PollStep,
        photos: PhotoDelivery,
        working: WorkingSign,
        progress: ProgressEdits,
        ending: Ending,
        poll_concurrency: int = 16,
        concurrency: int = 32,
        idle_wait: float = 30.0,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
        retention: Retention | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        # Old finished tasks are pruned beside the loop, for as long as it runs.
        self._retention = retention
        self._queue = queue
        self._tasks = tasks
        self._submitter = submitter
        self._poll_step = poll_step
        self._photos = photos
        self._working = working
        self._progress = progress
        self._ending = ending
        self._concurrency = concurrency
        # Polls wait on GPTunnel's request budget; a cap of their own keeps them from
        # taking every worker while deliveries and (re)submissions are due.
        self._poll_concurrency = poll_concurrency
        self._polling: set[int] = set()
        self._idle_wait = idle_wait
        self._clock = clock
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._runner: asyncio.Task[None] | None = None
        self.last_tick = 0.0
        submitter.on_schedule_change(self.wake)

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._runner is not None and not self._runner.done()

    async def start(self) -> None:
        await self.recover()
        self._runner = asyncio.create_task(self._run(), name="poller")
        if self._retention is not None:
            self._retention.start()

    async def stop(self, timeout: float = 0.0) -> None:
        if self._retention is not None:
            await self._retention.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        # Steps under way get `timeout` to finish; the rest are cut short and stay in storage
        # in a state the next start resumes.
        workers = list(self._inflight.values())
        if workers and timeout > 0:
            await asyncio.wait(workers, timeout=timeout)
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def recover(self) -> None:
        """After a crash: a create call that was under way may or may not have reached
        GPTunnel. It is sent once more (the person still gets their picture; it may be drawn
        twice upstream, which is counted); one cut off a second time is ended and refunded."""
        resumed, failed = await self._tasks.resume_interrupted(
            Failure.INTERRUPTED.value, self._clock()
        )
        for task in resumed:
            with log_context(task_id=task.id, user_id=task.user_id, chat_id=task.chat_id):
                log.warning(
                    "task %s was cut off while being created; sending it once more "
                    "(it may be drawn twice upstream)",
                    task.id,
                )
                self._metrics.gptunnel_resubmitted.inc()
        for task in failed:
            with log_context(task_id=task.id, user_id=task.user_id, chat_id=task.chat_id):
                log.warning("task %s was cut off while being created twice; refunded", task.id)
                self._metrics.failed(Failure.INTERRUPTED.value, task.model)
                await self._ending.notify(task, Failure.INTERRUPTED)

    async def _run(self) -> None:
        while self._runner is not None:
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A broken tick (say, a locked database) must not end the loop for everyone.
                log.exception("poller tick failed")
                await asyncio.sleep(1.0)
                continue
            await self._sleep()

    async def _tick(self) -> None:
        self.last_tick = self._clock()
        now = self._clock()
        free = self._concurrency - (len(self._inflight) - len(self._polling))
        if free > 0:
            exclude = frozenset(self._inflight)
            for task in await self._queue.due(now, free, exclude, states=_OTHER_STATES):
                self._spawn(task)
        free_polls = self._poll_concurrency - len(self._polling)
        if free_polls > 0:
            exclude = frozenset(self._inflight)
            for task in await self._queue.due(now, free_polls, exclude, states=_POLL_STATES):
                self._polling.add(task.id)
                self._spawn(task)

    def take_now(self, task: Task) -> None:
        """Take a task just written by intake at once, without waiting for the next look at
        storage; the handler that wrote it is free as soon as this returns."""
        if task.id not in self._inflight:
            self._spawn(task)

    async def settle(self) -> None:
        """Wait until every step under way has finished (tests, and nothing else)."""
        while self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    def _spawn(self, task: Task) -> None:
        worker = asyncio.create_task(self._step(task), name=f"task-{task.id}")
        self._inflight[task.id] = worker
        worker.add_done_callback(functools.partial(self._done, task.id))

    def _done(self, task_id: int, _worker: asyncio.Task[None]) -> None:
        self._inflight.pop(task_id, None)
        self._polling.discard(task_id)
        self._wake.set()

    async def _sleep(self) -> None:
        # A worker finishing, or a task scheduled sooner, wakes the loop early.
        next_at = await self._queue.next_due_at(frozenset(self._inflight))
        timeout = self._idle_wait if next_at is None else next_at - self._clock()
        if timeout <= 0 and self._saturated():
            timeout = self._idle_wait
        if timeout > 0:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that
            # lands as the event fires, and the loop would then outlive stop().
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(timeout, self._idle_wait)):
                    await self._wake.wait()
        self._wake.clear()

    def _saturated(self) -> bool:
        return (
            len(self._polling) >= self._poll_concurrency
            or len(self._inflight) - len(self._polling) >= self._concurrency
        )

    async def _step(self, task: Task) -> None:
        bind(task_id=task.id, user_id=task.user_id, chat_id=task.chat_id)  # this worker's lines
        try:
            current: Task | None = task
            if task.state is TaskState.NEW:
                await self._working.show(task)
                current = await self._submitter.submit(task.id)
            elif task.state is TaskState.SUBMITTED:
                current = await self._poll_step.poll(task)
            if current is not None and current.state is TaskState.READY:
                await self._photos.deliver(current)
            elif current is not None and current.state is TaskState.SUBMITTED:
                await self._working.show(current)
                position, estimate = await self._poll_step.standing(current)
                self._progress.show(
                    current, position=position, estimate=estimate, now=self._clock()
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            if task.attempts >= MAX_STEP_ERRORS:
                log.exception("task %s: step failed again; giving up", task.id)
                failure = (
                    Failure.DELIVERY_FAILED
                    if task.state is TaskState.READY
                    else Failure.GENERATION_FAILED
                )
                await self._ending.fail(task, failure)
            else:
                log.exception("task %s: step failed; it will be tried again", task.id)
                await self._tasks.retry_later(task.id, self._clock() + 5.0)
